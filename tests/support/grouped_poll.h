// A poll that brought new entries, as the pipeline's writer hands it to
// Archive::ingest_group: source "X" at https://e.com/X.xml, fetched with a
// 200 and an ETag of its own.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "store/archive.h"

namespace feedd::test {

inline GroupedPoll entries_poll(const std::string& source, std::span<const IncomingEntry> entries,
                                std::int64_t fetched_ms) {
  GroupedPoll poll;
  poll.kind = GroupedPoll::Kind::entries;
  poll.source_name = source;
  poll.source_url = "https://e.com/" + source + ".xml";
  poll.entries = entries;
  poll.fetched_ms = fetched_ms;
  poll.fetch = {fetched_ms, 120, 200, 4096, ""};
  poll.validators = {"", "\"etag-" + source + "\"", ""};
  poll.outcome.skip_written_paths = false;
  return poll;
}

}  // namespace feedd::test
