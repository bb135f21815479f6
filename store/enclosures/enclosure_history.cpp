#include "store/enclosures/enclosure_history.h"

#include "store/sqlite.h"

namespace feedd::enclosures {

int latest_version(Store& store, std::int64_t entry_id) {
  auto query = store.database().prepare("SELECT coalesce(max(number), 1) FROM entry_versions WHERE entry_id = ?1");
  query.bind(1, entry_id);
  query.step();
  return static_cast<int>(query.column_int(0));
}

void keep_replaced(Store& store, std::int64_t entry_id, int version, std::int64_t replaced_ms,
                   const std::vector<EnclosureRecord>& replaced) {
  auto insert = store.database().prepare(
      "INSERT OR REPLACE INTO enclosure_history (entry_id, replaced_ms, position, version, url, type, length) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  std::int64_t position = 0;
  for (const EnclosureRecord& enclosure : replaced) {
    insert.bind(1, entry_id).bind(2, replaced_ms).bind(3, position++).bind(4, std::int64_t{version});
    insert.bind(5, enclosure.url).bind(6, enclosure.type).bind(7, enclosure.length).run();
  }
}

std::vector<ReplacedEnclosures> replaced_enclosures(Store& store, std::int64_t entry_id) {
  auto query = store.database().prepare(
      "SELECT replaced_ms, version, url, type, length FROM enclosure_history WHERE entry_id = ?1 "
      "ORDER BY replaced_ms, position");
  query.bind(1, entry_id);
  std::vector<ReplacedEnclosures> lists;
  while (query.step()) {
    const std::int64_t replaced_ms = query.column_int(0);
    if (lists.empty() || lists.back().replaced_ms != replaced_ms) {
      lists.push_back({static_cast<int>(query.column_int(1)), replaced_ms, {}});
    }
    lists.back().enclosures.push_back({query.column_text(2), query.column_text(3), query.column_optional_int(4)});
  }
  return lists;
}

}  // namespace feedd::enclosures
