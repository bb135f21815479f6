// The enclosure lists `feedd history` shows beside an entry's versions: what
// the item lists now (table entry_enclosures) and every list an update or
// `reprocess` replaced (enclosure_history), each under the version it went
// with. Read as stored, with no guess about versions whose list was never
// replaced: an unchanged list is shown once, with the version it reached.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "store/archive.h"
#include "store/store.h"

namespace feedd {

struct ListedEnclosures {
  std::optional<std::int64_t> replaced_ms;  // none: the list the item has now
  std::vector<EnclosureRecord> enclosures;
};

// By version number, oldest list first; versions without a list are absent.
std::map<int, std::vector<ListedEnclosures>> enclosure_lists_by_version(Store& store, std::int64_t entry_id);

}  // namespace feedd
