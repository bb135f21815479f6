// Each entry's enclosures (audio, video, files) as the feed lists them in
// the entry's current version, in the feed's order: table entry_enclosures
// (schema 11). Written after each poll's entries are stored, and by
// `reprocess` from the stored raw item; read by local media, which archives
// the recordings and images among them. A list replaced by a different one
// is kept with the version it went with (enclosure_history.h).
//
// REQUIRES: the writer's Store (not thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "store/archive.h"

namespace feedd::enclosures {

// Before a poll's entries are stored: the version each stored entry that
// has enclosures shows, by entry id, so the list an update replaces stays
// with the version it went with. No reads when the store holds no
// enclosures at all (most news archives).
std::map<std::int64_t, int> versions_before(Store& store, std::span<const IncomingEntry> entries);

// Each of `entries` that is stored (not forgotten, not older than its row)
// gets exactly the enclosures its item lists now: an update that drops a
// recording drops it here too. The list replaced, when different, goes to
// enclosure_history under its version (`before`, else the latest). An item
// read from a broken document (provisional) may be cut short: it never
// empties a list. One transaction, none when nothing can change.
void record_enclosures(Store& store, std::span<const IncomingEntry> entries, const std::map<std::int64_t, int>& before,
                       std::int64_t now_ms);

// `entry_id`'s rows become `current`; the list replaced, when different and
// not empty, is kept as version `version`'s. True when anything changed.
// REQUIRES: inside the caller's transaction.
bool replace_enclosures(Store& store, std::int64_t entry_id, const std::vector<EnclosureRecord>& current, int version,
                        std::int64_t now_ms);

// The enclosures stored for `entry_id`, in the feed's order.
std::vector<EnclosureRecord> enclosures_of(Store& store, std::int64_t entry_id);

// True when some entry lists `url` as an enclosure.
bool is_enclosure(Store& store, const std::string& url);

}  // namespace feedd::enclosures
