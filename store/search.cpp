#include "store/search.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "fetchers/html/html_text.h"
#include "store/search_query.h"

namespace feedd {
namespace {

// Parameters ?1..?4 are the filters; the query's terms follow.
constexpr int first_term_parameter = 5;

// CROSS JOIN keeps entries as the outer loop, and INDEXED BY makes it walk
// entries_by_date newest first, so the search stops after `limit` hits
// whatever the planner would guess about the FTS subqueries.
constexpr std::string_view search_sql =
    "SELECT e.id, e.title, s.name, e.date_ms, e.url, e.post_path "
    "FROM entries AS e INDEXED BY entries_by_date CROSS JOIN sources AS s ON s.id = e.source_id "
    "WHERE e.date_ms >= ?2 AND e.date_ms < ?3 AND (?1 IS NULL OR e.source_id = ?1) AND {} "
    "ORDER BY e.date_ms DESC, e.id DESC LIMIT ?4";

constexpr std::string_view count_sql =
    "SELECT count(*) FROM entries AS e "
    "WHERE e.date_ms >= ?2 AND e.date_ms < ?3 AND (?1 IS NULL OR e.source_id = ?1) AND {}";

// Versions other than the one the post shows, the latest of an entry first.
// Their text is read, not indexed: only edited entries have versions.
constexpr std::string_view version_search_sql =
    "SELECT e.entry_id, e.title, s.name, n.date_ms, n.url, n.post_path, e.number "
    "FROM entry_versions AS e JOIN entries AS n ON n.id = e.entry_id JOIN sources AS s ON s.id = n.source_id "
    "WHERE n.date_ms >= ?2 AND n.date_ms < ?3 AND (?1 IS NULL OR n.source_id = ?1) "
    "AND e.search_text != n.search_text AND {} "
    "ORDER BY n.date_ms DESC, n.id DESC, e.number DESC LIMIT ?4";

constexpr std::string_view version_count_sql =
    "SELECT count(*) FROM entry_versions AS e JOIN entries AS n ON n.id = e.entry_id "
    "WHERE n.date_ms >= ?2 AND n.date_ms < ?3 AND (?1 IS NULL OR n.source_id = ?1) "
    "AND e.search_text != n.search_text AND {}";

std::optional<std::int64_t> source_id_of(sqlite::Database& db, const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  auto query = db.prepare("SELECT id FROM sources WHERE name = ?1");
  query.bind(1, *name);
  if (!query.step()) throw UnknownSourceError(fmt::format("no source named \"{}\" in the store", *name));
  return query.column_int(0);
}

}  // namespace

std::string searchable_text(std::string_view title, std::string_view content_html) {
  std::string text(title);
  text += '\n';
  text += html_to_text(content_html);
  return text;
}

namespace {

sqlite::Statement prepared_versions_query(sqlite::Database& db, const SearchRequest& request, std::string_view sql,
                                          bool with_limit) {
  const SearchCondition condition = compile_search(request.query, first_term_parameter, true);
  auto query = db.prepare(fmt::format(fmt::runtime(sql), condition.sql));
  query.bind(1, source_id_of(db, request.source)).bind(2, request.since_ms).bind(3, request.until_ms);
  if (with_limit) query.bind(4, std::int64_t{request.limit});
  int parameter = first_term_parameter;
  for (const auto& term : condition.parameters) query.bind(parameter++, term);
  return query;
}

// The matching earlier versions merged into `hits`, newest first, the
// limit kept.
void add_version_hits(sqlite::Database& db, const SearchRequest& request, std::vector<SearchHit>& hits) {
  auto query = prepared_versions_query(db, request, version_search_sql, true);
  while (query.step()) {
    hits.push_back(SearchHit{query.column_int(0), query.column_text(1), query.column_text(2), query.column_int(3),
                             query.column_text(4), query.column_text(5), static_cast<int>(query.column_int(6))});
  }
  std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return std::tie(b.date_ms, b.id) < std::tie(a.date_ms, a.id);
  });
  if (hits.size() > static_cast<std::size_t>(request.limit)) hits.resize(static_cast<std::size_t>(request.limit));
}

}  // namespace

std::vector<SearchHit> search(sqlite::Database& db, const SearchRequest& request) {
  const SearchCondition condition = compile_search(request.query, first_term_parameter);
  const auto source_id = source_id_of(db, request.source);
  // Only fixed fragments from compile_search are formatted in; every value
  // the user typed is bound below.
  auto query = db.prepare(fmt::format(fmt::runtime(search_sql), condition.sql));
  query.bind(1, source_id).bind(2, request.since_ms).bind(3, request.until_ms).bind(4, std::int64_t{request.limit});
  int parameter = first_term_parameter;
  for (const auto& term : condition.parameters) query.bind(parameter++, term);

  std::vector<SearchHit> hits;
  while (query.step()) {
    hits.push_back(SearchHit{query.column_int(0), query.column_text(1), query.column_text(2), query.column_int(3),
                             query.column_text(4), query.column_text(5)});
  }
  if (request.all_versions) add_version_hits(db, request, hits);
  return hits;
}

std::int64_t count_matches(sqlite::Database& db, const SearchRequest& request) {
  const SearchCondition condition = compile_search(request.query, first_term_parameter);
  const auto source_id = source_id_of(db, request.source);
  auto query = db.prepare(fmt::format(fmt::runtime(count_sql), condition.sql));
  // ?4 (the limit) is not used here; the terms keep their numbers.
  query.bind(1, source_id).bind(2, request.since_ms).bind(3, request.until_ms);
  int parameter = first_term_parameter;
  for (const auto& term : condition.parameters) query.bind(parameter++, term);
  query.step();
  std::int64_t count = query.column_int(0);
  if (request.all_versions) {
    auto versions = prepared_versions_query(db, request, version_count_sql, false);
    versions.step();
    count += versions.column_int(0);
  }
  return count;
}

}  // namespace feedd
