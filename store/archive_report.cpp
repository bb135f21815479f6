#include "store/archive_report.h"

#include "store/postings/index_tables.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace feedd {

std::vector<SourceRecord> source_records(sqlite::Database& db) {
  auto query = db.prepare(fmt::format(
      "SELECT {}, "
      "(SELECT count(*) FROM entries AS e WHERE e.source_id = sources.id), "
      "(SELECT count(*) FROM entries AS e WHERE e.source_id = sources.id "
      "AND e.id NOT IN (SELECT id FROM post_backlog)) "
      "FROM sources ORDER BY name",
      source_state_columns));
  std::vector<SourceRecord> records;
  while (query.step()) {
    SourceRecord record{read_source_state(query)};
    record.entries = query.column_int(source_state_column_count);
    record.posts = query.column_int(source_state_column_count + 1);
    records.push_back(std::move(record));
  }
  return records;
}

std::int64_t entry_count(sqlite::Database& db, std::optional<std::int64_t> source_id) {
  auto query = db.prepare("SELECT count(*) FROM entries WHERE ?1 IS NULL OR source_id = ?1");
  query.bind(1, source_id);
  query.step();
  return query.column_int(0);
}

StoreTotals store_totals(sqlite::Database& db) {
  auto query = db.prepare(
      "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM entries), "
      "(SELECT count(*) FROM post_backlog), (SELECT count(*) FROM fetches), "
      "(SELECT count(*) FROM fetches WHERE error IS NOT NULL), (SELECT min(date_ms) FROM entries), "
      "(SELECT max(date_ms) FROM entries), (SELECT count(*) FROM search_backlog)");
  query.step();
  StoreTotals totals;
  totals.sources = query.column_int(0);
  totals.entries = query.column_int(1);
  totals.posts_pending = query.column_int(2);
  totals.fetches = query.column_int(3);
  totals.failed_fetches = query.column_int(4);
  totals.oldest_post_ms = query.column_optional_int(5);
  totals.newest_post_ms = query.column_optional_int(6);
  totals.search_backlog = query.column_int(7);
  return totals;
}

std::vector<DayCount> entries_per_day(sqlite::Database& db, std::int64_t now_ms, int days) {
  // Floor division: a clock before 1970 still lands on its own day.
  const std::int64_t today = (now_ms >= 0 ? now_ms / day_ms : (now_ms - day_ms + 1) / day_ms) * day_ms;
  const std::int64_t first = today - (days - 1) * day_ms;
  std::vector<DayCount> counts;
  for (int i = 0; i < days; ++i) counts.push_back({first + i * day_ms, 0});

  auto query = db.prepare(
      "SELECT (date_ms - ?1) / ?3, count(*) FROM entries WHERE date_ms >= ?1 AND date_ms < ?2 GROUP BY 1");
  query.bind(1, first).bind(2, today + day_ms).bind(3, day_ms);
  while (query.step()) counts[static_cast<std::size_t>(query.column_int(0))].entries = query.column_int(1);
  return counts;
}

std::vector<PostRef> post_refs(sqlite::Database& db) {
  auto query = db.prepare(
      "SELECT id, source_id, title, post_path, id IN (SELECT id FROM post_backlog) FROM entries ORDER BY id");
  std::vector<PostRef> refs;
  while (query.step()) {
    refs.push_back({query.column_int(0), query.column_int(1), query.column_text(2), query.column_text(3),
                    query.column_int(4) != 0});
  }
  return refs;
}

std::vector<std::string> integrity_problems(sqlite::Database& db) {
  std::vector<std::string> problems;
  auto check = db.prepare("PRAGMA integrity_check");
  while (check.step()) {
    if (auto line = check.column_text(0); line != "ok") problems.push_back(std::move(line));
  }
  // Every chunk of the search index read back (store/postings/index_tables.h).
  for (auto& problem : postings::search_index_problems(db.handle())) problems.push_back(std::move(problem));
  return problems;
}

}  // namespace feedd
