// A run of the search index made in two steps, so that the writer thread
// does not spend the CPU of reading the grams (most of indexing's cost):
//
//   prepare_search_run  on any thread, with a connection of its own: reads
//                       rows of the backlog, builds their posting lists and
//                       packs them into the run's chunks
//   write_search_run    on the writer, inside its write transaction: checks
//                       that every row is still unindexed with the same
//                       text, then inserts the chunks and merges runs as
//                       index_search_rows would
//
// A row changed, indexed or deleted in between makes the whole run stale:
// nothing is written and its rows stay in the backlog for the next turn.
#pragma once

#include <cstdint>
#include <vector>

#include "store/postings/posting_chunk.h"

struct sqlite3;

namespace feedd::postings {

struct PreparedRun {
  std::vector<EncodedChunk> chunks;
  std::vector<std::int64_t> ids;             // ascending
  std::vector<std::uint64_t> text_hashes;    // of each row's search_text, as read
  std::int64_t last_id() const { return ids.empty() ? 0 : ids.back(); }
};

// Up to `max_rows` unindexed rows with ids above `after_id`, lowest first.
PreparedRun prepare_search_run(sqlite3* db, std::int64_t after_id, int max_rows);

// The rows written as one run (merging runs as they add up), or 0 when the
// run was empty or stale. The caller holds a write transaction around it.
int write_search_run(sqlite3* db, PreparedRun& run);

}  // namespace feedd::postings
