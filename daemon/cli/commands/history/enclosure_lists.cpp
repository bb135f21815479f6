#include "daemon/cli/commands/history/enclosure_lists.h"

#include "store/enclosures/enclosure_history.h"
#include "store/enclosures/enclosure_table.h"

namespace feedd {

std::map<int, std::vector<ListedEnclosures>> enclosure_lists_by_version(Store& store, std::int64_t entry_id) {
  std::map<int, std::vector<ListedEnclosures>> lists;
  for (auto& replaced : enclosures::replaced_enclosures(store, entry_id)) {
    lists[replaced.version].push_back({replaced.replaced_ms, std::move(replaced.enclosures)});
  }
  auto now = enclosures::enclosures_of(store, entry_id);
  if (!now.empty()) lists[enclosures::latest_version(store, entry_id)].push_back({std::nullopt, std::move(now)});
  return lists;
}

}  // namespace feedd
