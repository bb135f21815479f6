// The enclosures an entry listed before an update or `reprocess` replaced
// them: table enclosure_history (schema 13). Each list is kept with the
// version of the entry it went with (entry_versions' number; 1 for an entry
// never edited) and the time it was replaced, so an episode whose later
// version drops its recording still shows, in the archive, what the earlier
// version carried. Rows go with their entry (forget).
//
// REQUIRES: the writer's Store (not thread-safe).
#pragma once

#include <cstdint>
#include <vector>

#include "store/archive.h"

namespace feedd::enclosures {

struct ReplacedEnclosures {
  int version = 1;             // the entry's version the list went with
  std::int64_t replaced_ms = 0;
  std::vector<EnclosureRecord> enclosures;  // in the feed's order
};

// The number of the entry's latest version: 1 while it has no recorded
// versions (store/store.h's record_version fills them lazily).
int latest_version(Store& store, std::int64_t entry_id);

// Keeps `replaced` (not empty) as the list version `version` of `entry_id`
// had until `replaced_ms`. REQUIRES: inside the caller's transaction.
void keep_replaced(Store& store, std::int64_t entry_id, int version, std::int64_t replaced_ms,
                   const std::vector<EnclosureRecord>& replaced);

// What `entry_id` listed before, oldest first.
std::vector<ReplacedEnclosures> replaced_enclosures(Store& store, std::int64_t entry_id);

}  // namespace feedd::enclosures
