// The search index's backlog (schema 14): the ids of the rows whose current
// text is not in the index yet, kept in a table of their own,
//
//   search_backlog  (id INTEGER PRIMARY KEY): a row's id from the moment it
//                   is stored, or its text changes, until a run holding its
//                   text is written
//
// instead of a flag on each entries row. Setting that flag rewrote the whole
// row (content and raw item too) for every indexed row, on the writer; taking
// an id out of this table touches a few bytes of a small b-tree
// (BENCHMARKS.md, "The backlog in a table of its own").
//
// The table is kept by triggers on entries (store/store.cpp, migration
// 13 -> 14) and, for a new row, by Store::insert_entry, the only INSERT into
// entries (schema 16 dropped the insert trigger: a trigger made every insert
// keep a statement journal): a new row goes in; a row whose text changes
// goes back in, and if it was indexed it is noted
// in search_dirty too; a deleted row leaves it (noted dirty if it was
// indexed). A row committed but not indexed yet (a crash in between) is in
// the backlog, so search reads its text and a later run indexes it.
#pragma once

#include <cstdint>
#include <vector>

#include "store/postings/id_set.h"
#include "store/postings/statement.h"

struct sqlite3;

namespace feedd::postings {

// (id, search_text) of the backlog's rows with ids above ?1, lowest first,
// at most ?2 of them.
Statement backlog_rows(sqlite3* db);
// The search_text of row ?1 if it is in the backlog (no row otherwise).
Statement backlog_text(sqlite3* db);

// After their run is written: these rows' texts are in the index.
void leave_backlog(sqlite3* db, const std::vector<std::int64_t>& ids);
// Every row back in the backlog (the index was dropped).
void every_row_to_backlog(sqlite3* db);

IdSet backlog_ids(sqlite3* db);
// How many rows of the backlog have ids above `after_id`.
std::int64_t backlog_after(sqlite3* db, std::int64_t after_id);

}  // namespace feedd::postings
