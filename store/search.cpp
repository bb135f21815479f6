#include "store/search.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <tuple>

#include <fmt/format.h>

#include "fetchers/html/html_text.h"
#include "store/postings/index_tables.h"
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

// The same, driven from the few rows the index allows (a rare term): each is
// read by id and the hits sorted, instead of walking the whole date index to
// find that nothing, or little, matches. {1} is the parameter holding the
// ids as a JSON array.
constexpr std::string_view search_candidates_sql =
    "SELECT e.id, e.title, s.name, e.date_ms, e.url, e.post_path "
    "FROM json_each(?{1}) AS c CROSS JOIN entries AS e ON e.id = c.value "
    "CROSS JOIN sources AS s ON s.id = e.source_id "
    "WHERE e.date_ms >= ?2 AND e.date_ms < ?3 AND (?1 IS NULL OR e.source_id = ?1) AND {0} "
    "ORDER BY e.date_ms DESC, e.id DESC LIMIT ?4";

constexpr std::string_view count_candidates_sql =
    "SELECT count(*) FROM json_each(?{1}) AS c CROSS JOIN entries AS e ON e.id = c.value "
    "WHERE e.date_ms >= ?2 AND e.date_ms < ?3 AND (?1 IS NULL OR e.source_id = ?1) AND {0}";

// Reading a candidate by id costs about 1.2 us (and all are read); walking
// the date index costs about 0.2 us a row and stops after `limit` hits,
// after about limit * rows / candidates rows when the hits are spread over
// time, but after every row when they are all old. Candidates are read when
// there are at most sqrt(limit * rows) of them (4,472 of 1,000,000 rows for
// 20 hits), which bounds the walk a rare term could make, and never more
// than this many.
constexpr std::size_t max_candidates_read = 10'000;

bool read_candidates_first(sqlite::Database& db, std::size_t candidates, int limit) {
  if (candidates > max_candidates_read) return false;
  auto rows = db.prepare("SELECT coalesce(max(id), 0) FROM entries");
  rows.step();
  const double walk = static_cast<double>(std::max(limit, 1)) * static_cast<double>(rows.column_int(0));
  return static_cast<double>(candidates) * static_cast<double>(candidates) <= walk;
}

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

// In-process only (never stored): std::hash is fast and need not be stable.
std::uint64_t search_fingerprint(std::string_view title, std::string_view content_html) {
  const std::hash<std::string_view> hash;
  const std::uint64_t title_hash = hash(title);
  return (title_hash * 0x9e3779b97f4a7c15ull) ^ hash(content_html) ^ (content_html.size() << 1);
}

}  // namespace

PreparedSearchText prepare_search_text(std::string_view title, std::string_view content_html) {
  return PreparedSearchText{searchable_text(title, content_html), search_fingerprint(title, content_html)};
}

std::string searchable_text(const PreparedSearchText& prepared, std::string_view title,
                            std::string_view content_html) {
  if (!prepared.text.empty() && prepared.fingerprint == search_fingerprint(title, content_html)) return prepared.text;
  return searchable_text(title, content_html);
}

namespace {

sqlite::Statement prepared_versions_query(sqlite::Database& db, const SearchRequest& request, std::string_view sql,
                                          bool with_limit) {
  const SearchCondition condition = compile_search(request.query, first_term_parameter, true);
  auto query = db.prepare(fmt::format(fmt::runtime(sql), condition.sql));
  query.bind(1, source_id_of(db, request.source)).bind(2, request.since_ms).bind(3, request.until_ms);
  if (with_limit) query.bind(4, std::int64_t{request.limit});
  for (const auto& [number, term] : condition.parameters) query.bind(number, term);
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

namespace {

// The index's answer for each term of `condition`, and the rows that can
// match at all when the query's shape bounds them.
struct IndexAnswer {
  std::vector<postings::TermMatch> matches;
  std::optional<postings::IdSet> candidates;  // none: any row may match
};

IndexAnswer ask_index(sqlite::Database& db, const SearchCondition& condition) {
  IndexAnswer answer;
  postings::SearchIndexReader reader(db.handle());
  for (const auto& term : condition.terms) answer.matches.push_back(reader.match(term.grams, term.exact));
  std::vector<std::optional<postings::IdSet>> stack;
  for (const auto& step : condition.bound) {
    if (step.op == BoundStep::Op::term) {
      const postings::TermMatch& match = answer.matches[step.term];
      postings::IdSet rows = match.sure;
      rows.unite(match.maybe);
      stack.emplace_back(std::move(rows));
      continue;
    }
    if (step.op == BoundStep::Op::all) {
      stack.emplace_back(std::nullopt);
      continue;
    }
    auto right = std::move(stack.back());
    stack.pop_back();
    auto& left = stack.back();
    if (step.op == BoundStep::Op::both) {
      if (!left) {
        left = std::move(right);
      } else if (right) {
        left->intersect(*right);
      }
    } else if (left && right) {
      left->unite(*right);
    } else {
      left.reset();
    }
  }
  if (stack.size() == 1) answer.candidates = std::move(stack.back());
  return answer;
}

std::string json_ids(const postings::IdSet& ids) {
  std::string json = "[";
  ids.for_each([&json](std::int64_t id) { fmt::format_to(std::back_inserter(json), "{}{}", json.size() > 1 ? "," : "", id); });
  return json + "]";
}

// The statement for `walk_sql` or `candidates_sql`, as the index's answer
// allows, with every parameter but the limit bound. `answer` must outlive it.
sqlite::Statement prepared_search(sqlite::Database& db, const SearchRequest& request, const SearchCondition& condition,
                                  const IndexAnswer& answer, std::string_view walk_sql,
                                  std::string_view candidates_sql, bool count_all) {
  postings::register_term_function(db.handle());
  const auto source_id = source_id_of(db, request.source);
  // A count reads every row it walks: candidates always cost less.
  const bool read_candidates =
      answer.candidates && (count_all ? answer.candidates->size() <= max_candidates_read
                                      : read_candidates_first(db, answer.candidates->size(), request.limit));
  // Only fixed fragments from compile_search are formatted in; every value
  // the user typed is bound below.
  auto query = db.prepare(read_candidates
                              ? fmt::format(fmt::runtime(candidates_sql), condition.sql, condition.next_parameter)
                              : fmt::format(fmt::runtime(walk_sql), condition.sql));
  query.bind(1, source_id).bind(2, request.since_ms).bind(3, request.until_ms);
  for (const auto& [number, term] : condition.parameters) query.bind(number, term);
  for (std::size_t i = 0; i < condition.terms.size(); ++i) {
    // The function only reads it; SQLite's pointer binding takes no const.
    query.bind_pointer(condition.terms[i].match_parameter, const_cast<postings::TermMatch*>(&answer.matches[i]),
                       postings::term_match_pointer);
  }
  if (read_candidates) query.bind(condition.next_parameter, json_ids(*answer.candidates));
  return query;
}

}  // namespace

std::vector<SearchHit> search(sqlite::Database& db, const SearchRequest& request) {
  const SearchCondition condition = compile_search(request.query, first_term_parameter);
  const IndexAnswer answer = ask_index(db, condition);
  auto query = prepared_search(db, request, condition, answer, search_sql, search_candidates_sql, false);
  query.bind(4, std::int64_t{request.limit});
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
  const IndexAnswer answer = ask_index(db, condition);
  // ?4 (the limit) is not used here; the terms keep their numbers.
  auto query = prepared_search(db, request, condition, answer, count_sql, count_candidates_sql, true);
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
