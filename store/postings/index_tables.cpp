#include "store/postings/index_tables.h"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "store/postings/posting_batch.h"
#include "store/postings/run_writer.h"
#include "store/postings/posting_chunk.h"
#include "store/postings/search_backlog.h"
#include "store/postings/statement.h"

namespace feedd::postings {
namespace {

// Runs of a level are merged once there are this many, so a store of n rows
// holds O(log n) runs and a gram is looked up once per run.
constexpr int merge_fanout = 8;
// A merge that would make a run of more rows than this is not made: it would
// hold the writer for seconds and rewrite hundreds of MiB at once. Past it
// runs add up linearly (1,000,000 rows: about 8 such runs plus the levels
// below).
constexpr std::int64_t max_merged_rows = 131'072;

// Keys are compared as unsigned; SQLite compares signed integers.
std::int64_t stored_key(GramKey key) { return static_cast<std::int64_t>(key ^ (std::uint64_t{1} << 63)); }

ChunkWriter chunk_writer(Statement& insert, std::int64_t run) {
  return ChunkWriter([&insert, run](GramKey first, std::string_view chunk) {
    insert.bind(1, run).bind(2, stored_key(first)).bind_blob(3, chunk);
    insert.run();
  });
}

std::int64_t new_run(sqlite3* db, int level, std::int64_t rows) {
  Statement insert(db, "INSERT INTO search_runs (level, row_count) VALUES (?1, ?2)");
  insert.bind(1, std::int64_t{level}).bind(2, rows).run();
  return sqlite3_last_insert_rowid(db);
}

// Merges the runs of `level` into one of level + 1 when there are enough.
bool merge_level(sqlite3* db, int level) {
  std::vector<std::int64_t> runs;
  std::int64_t rows = 0;
  auto find = Statement(db, "SELECT run, row_count FROM search_runs WHERE level = ?1 ORDER BY run");
  find.bind(1, std::int64_t{level});
  while (find.step()) {
    runs.push_back(find.column_int(0));
    rows += find.column_int(1);
  }
  if (runs.size() < static_cast<std::size_t>(merge_fanout) || rows > max_merged_rows) return false;
  const std::int64_t merged = new_run(db, level + 1, rows);
  {
    std::vector<std::unique_ptr<Statement>> readers;
    std::vector<std::unique_ptr<ListStream>> streams;
    for (const auto run : runs) {
      auto& reader = *readers.emplace_back(std::make_unique<Statement>(
          Statement(db, "SELECT postings FROM search_chunks WHERE run = ?1 ORDER BY first_key")));
      reader.bind(1, run);
      streams.push_back(std::make_unique<ListStream>([&reader](std::string& chunk) {
        if (!reader.step()) return false;
        chunk = reader.column_blob(0);
        return true;
      }));
    }
    Statement insert(db, "INSERT INTO search_chunks (run, first_key, postings) VALUES (?1, ?2, ?3)");
    auto writer = chunk_writer(insert, merged);
    merge_runs(streams, writer);
  }
  auto drop_chunks = Statement(db, "DELETE FROM search_chunks WHERE run = ?1");
  auto drop_run = Statement(db, "DELETE FROM search_runs WHERE run = ?1");
  for (const auto run : runs) {
    drop_chunks.bind(1, run).run();
    drop_run.bind(1, run).run();
  }
  return true;
}

// search_dirty can only shrink when the stale lists its ids stand for are
// gone, and lists are only ever added to (merges copy them whole). So once
// an eighth of the indexed rows are dirty (and at least
// `min_dirty_to_reset`), the index starts again: every run dropped, every
// row back in the backlog, search_dirty emptied. The backlog is indexed a
// batch at a time by the usual catch-up (search reads the text of rows
// waiting meanwhile, so answers stay exact); each edit costs about eight
// rows indexed again, and the table stays under an eighth of the rows
// instead of holding every row ever edited or deleted. Returns whether it
// started again.
constexpr std::int64_t dirty_share_to_reset = 8;
constexpr std::int64_t min_dirty_to_reset = 64;

bool reset_when_mostly_dirty(sqlite3* db) {
  auto sizes = Statement(db, "SELECT (SELECT count(*) FROM search_dirty), "
                             "(SELECT coalesce(sum(row_count), 0) FROM search_runs)");
  if (!sizes.step()) return false;
  const std::int64_t dirty = sizes.column_int(0);
  const std::int64_t indexed = sizes.column_int(1);
  if (dirty < min_dirty_to_reset || dirty * dirty_share_to_reset < indexed) return false;
  Statement(db, "DELETE FROM search_chunks").run();
  Statement(db, "DELETE FROM search_runs").run();
  every_row_to_backlog(db);
  Statement(db, "DELETE FROM search_dirty").run();
  return true;
}

void term_function(sqlite3_context* context, int, sqlite3_value** arguments) {
  const auto* match = static_cast<const TermMatch*>(sqlite3_value_pointer(arguments[0], term_match_pointer));
  if (match == nullptr) {
    sqlite3_result_error(context, "feedd_term: no term bound", -1);
    return;
  }
  const std::int64_t id = sqlite3_value_int64(arguments[1]);
  sqlite3_result_int(context, match->sure.contains(id) ? 1 : match->maybe.contains(id) ? 2 : 0);
}

}  // namespace

int index_search_rows(sqlite3* db, int max_rows) {
  reset_when_mostly_dirty(db);
  PostingBatch batch;
  std::vector<std::int64_t> ids;
  {
    auto backlog = backlog_rows(db);
    backlog.bind(1, std::int64_t{0}).bind(2, std::int64_t{max_rows});
    while (backlog.step()) {
      ids.push_back(backlog.column_int(0));
      batch.add(ids.back(), backlog.column_text(1));
    }
  }
  return write_run(db, batch, ids);
}

int write_run(sqlite3* db, PostingBatch& batch, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return 0;
  return write_run(db, encode_run(batch), ids);
}

std::vector<EncodedChunk> encode_run(PostingBatch& batch) {
  std::vector<EncodedChunk> chunks;
  ChunkWriter writer([&chunks](GramKey first, std::string_view chunk) {
    chunks.push_back(EncodedChunk{first, std::string(chunk)});
  });
  for (const auto& list : batch.lists()) writer.add(list.key, list.ids);
  writer.finish();
  return chunks;
}

int write_run(sqlite3* db, const std::vector<EncodedChunk>& chunks, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return 0;
  const std::int64_t run = new_run(db, 0, static_cast<std::int64_t>(ids.size()));
  Statement insert(db, "INSERT INTO search_chunks (run, first_key, postings) VALUES (?1, ?2, ?3)");
  for (const auto& chunk : chunks) insert.bind(1, run).bind(2, stored_key(chunk.first)).bind_blob(3, chunk.bytes).run();
  leave_backlog(db, ids);
  for (int level = 0; merge_level(db, level); ++level) {
  }
  return static_cast<int>(ids.size());
}

SearchIndexReader::SearchIndexReader(sqlite3* db) : db_(db) {
  auto runs = Statement(db, "SELECT run FROM search_runs ORDER BY run");
  while (runs.step()) runs_.push_back(runs.column_int(0));
  unindexed_ = backlog_ids(db);
  auto dirty = Statement(db, "SELECT id FROM search_dirty");
  while (dirty.step()) dirty_.insert(dirty.column_int(0));
}

IdSet SearchIndexReader::rows_with(const std::string& gram) {
  IdSet rows;
  const GramKey key = gram_key(gram);
  if (key == 0) return rows;
  Statement chunk(db_,
      "SELECT postings FROM search_chunks WHERE run = ?1 AND first_key <= ?2 ORDER BY first_key DESC LIMIT 1");
  for (const auto run : runs_) {
    chunk.bind(1, run).bind(2, stored_key(key));
    if (chunk.step()) {
      if (const auto list = find_in_chunk(chunk.column_blob(0), key)) {
        for_each_id(*list, [&rows](std::int64_t id) { rows.insert(id); });
      }
    }
    chunk.reset();
  }
  return rows;
}

TermMatch SearchIndexReader::match(const std::vector<std::string>& grams, bool exact) {
  TermMatch match;
  IdSet holding;  // rows whose lists hold every gram
  for (std::size_t i = 0; i < grams.size(); ++i) {
    if (i == 0) {
      holding = rows_with(grams[i]);
    } else {
      holding.intersect(rows_with(grams[i]));
    }
  }
  if (exact) {
    match.sure = holding;
    match.sure.subtract(dirty_);
    match.sure.subtract(unindexed_);
    holding.intersect(dirty_);
    match.maybe = std::move(holding);
  } else {
    match.maybe = std::move(holding);
  }
  match.maybe.unite(unindexed_);
  return match;
}

void register_term_function(sqlite3* db) {
  const int code = sqlite3_create_function_v2(db, "feedd_term", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, nullptr,
                                              term_function, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) fail(db, "register feedd_term");
}

std::vector<std::string> search_index_problems(sqlite3* db) {
  std::vector<std::string> problems;
  auto chunks = Statement(db, "SELECT run, first_key, postings FROM search_chunks ORDER BY run, first_key");
  while (chunks.step()) {
    const std::int64_t run = chunks.column_int(0);
    const std::int64_t first = chunks.column_int(1);
    try {
      ChunkReader reader(chunks.column_blob(2));
      StoredList list;
      bool at_first = true;
      GramKey previous = 0;
      while (reader.next(list)) {
        if (at_first && stored_key(list.key) != first) throw std::runtime_error("its first gram is not its key");
        if (!at_first && list.key <= previous) throw std::runtime_error("its grams are out of order");
        std::uint64_t count = 0;
        std::int64_t last = 0;
        for_each_id(list, [&](std::int64_t id) {
          ++count;
          last = id;
        });
        if (count != list.count || last != list.last) throw std::runtime_error("a list does not add up");
        previous = list.key;
        at_first = false;
      }
    } catch (const std::runtime_error& error) {
      problems.push_back(fmt::format("search index: run {}: chunk {}: {}", run, first, error.what()));
    }
  }
  return problems;
}

}  // namespace feedd::postings
