// feedd's own search index (schema 12): for each gram (a character or a pair
// of adjacent characters, store/postings/grams.h) the ids of the rows that
// hold it, kept in SQLite tables as sorted runs instead of an FTS5 index.
//
//   search_runs    one row per run: its level (0: one indexed batch; n+1:
//                  `merge_fanout` runs of level n merged) and its rows
//   search_chunks  a run's posting lists, cut into chunks of ~4 KiB and
//                  keyed by (run, first gram) (store/postings/posting_chunk.h)
//   search_dirty   rows whose lists may name grams their text has lost
//                  (edited or deleted after indexing; the triggers add them,
//                  one row per id however often it changes); emptied when
//                  an eighth of the indexed rows are dirty, by indexing
//                  every row again (index_search_rows)
//
// The tables are made by store/store.cpp's migration 11 -> 12; this room
// sits below the store and reads and writes them with SQLite's C API.
//
// Indexing a batch costs one hash probe per gram and a few chunk rows,
// where FTS5 spent ~400 ns on each distinct token (BENCHMARKS.md). Lists
// are only ever added to: a row whose text changes is put back in the
// backlog (search_backlog.h) and noted dirty, and its new grams come in a
// later run, so a dirty row is confirmed on its text like a long term.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/postings/id_set.h"

struct sqlite3;

namespace feedd::postings {

// Indexes up to `max_rows` rows of the backlog (the lowest ids first) as one
// run, merging runs as they add up; first, when an eighth of the indexed rows
// are dirty, drops the index and puts every row back in the backlog (which
// is what empties search_dirty). Returns how many. The caller holds a
// write transaction around it (Store::index_search_backlog).
int index_search_rows(sqlite3* db, int max_rows);

// What the index says of one term, for every row: in `sure`, the row holds
// it; in `maybe`, its text must be read to know (rows not indexed yet,
// dirty rows, and every candidate of a term longer than two characters);
// anywhere else, it does not.
struct TermMatch {
  IdSet sure;
  IdSet maybe;
};

class SearchIndexReader {
 public:
  explicit SearchIndexReader(sqlite3* db);
  // `grams` as query_grams gives them; `exact`: the term is its one gram.
  TermMatch match(const std::vector<std::string>& grams, bool exact);

 private:
  IdSet rows_with(const std::string& gram);

  sqlite3* db_;
  std::vector<std::int64_t> runs_;
  IdSet unindexed_;
  IdSet dirty_;
};

// feedd_term(match, id): 1 if the row is in match's `sure`, 2 if in `maybe`,
// else 0; `match` is a TermMatch bound with Statement::bind_pointer and
// `term_match_pointer`.
inline constexpr const char* term_match_pointer = "feedd_term_match";
void register_term_function(sqlite3* db);

// Problems found reading every chunk back (check --store); empty if none.
std::vector<std::string> search_index_problems(sqlite3* db);

}  // namespace feedd::postings
