// Each entry's enclosures (audio, video, files) as the feed last listed
// them, in the feed's order: table entry_enclosures (schema 11). Written
// after each poll's entries are stored; read by local media, which archives
// the recordings and images among them.
//
// REQUIRES: the writer's Store (not thread-safe).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "store/archive.h"

namespace feedd::enclosures {

// For each of `entries` that lists enclosures and is stored (not forgotten,
// not dropped as older), its rows become those enclosures. An entry whose
// item no longer lists any keeps the ones it had: the archive keeps what was
// published. One transaction for the lot.
void record_enclosures(Store& store, std::span<const IncomingEntry> entries);

// The enclosures stored for `entry_id`, in the feed's order.
std::vector<EnclosureRecord> enclosures_of(Store& store, std::int64_t entry_id);

// True when some entry lists `url` as an enclosure.
bool is_enclosure(Store& store, const std::string& url);

}  // namespace feedd::enclosures
