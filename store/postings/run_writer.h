// Shared by index_tables.cpp and prepared_run.cpp (not part of the room's
// interface): a batch's lists written as one run of level 0, the rows taken
// out of the backlog, and the levels merged as they add up. Returns ids.size().
#pragma once

#include <cstdint>
#include <vector>

#include "store/postings/posting_batch.h"

struct sqlite3;

namespace feedd::postings {

int write_run(sqlite3* db, PostingBatch& batch, const std::vector<std::int64_t>& ids);

}  // namespace feedd::postings
