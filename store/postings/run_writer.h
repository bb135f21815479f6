// Shared by index_tables.cpp and prepared_run.cpp (not part of the room's
// interface): a batch's lists written as one run of level 0, the rows taken
// out of the backlog, and the levels merged as they add up. Returns ids.size().
#pragma once

#include <cstdint>
#include <vector>

#include "store/postings/posting_batch.h"
#include "store/postings/posting_chunk.h"

struct sqlite3;

namespace feedd::postings {

int write_run(sqlite3* db, PostingBatch& batch, const std::vector<std::int64_t>& ids);

// A run's chunks as write_run stores them, made from a batch without the
// database: sorting the lists and packing them is most of a run's writing
// CPU, so a run prepared on another thread does it there (prepared_run.h).
std::vector<EncodedChunk> encode_run(PostingBatch& batch);
int write_run(sqlite3* db, const std::vector<EncodedChunk>& chunks, const std::vector<std::int64_t>& ids);

}  // namespace feedd::postings
