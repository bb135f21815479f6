#include "store/full_text/page_contents.h"

namespace feedd::full_text {
namespace {

constexpr std::string_view page_columns =
    "entry_id, page_url, feed_content, page_content, carries, fetched_ms, attempts, next_attempt_ms, last_error";

PageContent read_page(const sqlite::Statement& query) {
  PageContent page;
  page.entry_id = query.column_int(0);
  page.page_url = query.column_text(1);
  page.feed_content = query.column_text(2);
  if (!query.column_is_null(3)) page.page_content = query.column_text(3);
  page.carries_page = query.column_text(4) == "page";
  page.fetched_ms = query.column_optional_int(5);
  page.attempts = static_cast<int>(query.column_int(6));
  page.next_attempt_ms = query.column_optional_int(7);
  page.last_error = query.column_text(8);
  return page;
}

}  // namespace

std::optional<PageContent> find_page_content(Store& store, std::int64_t entry_id) {
  auto query = store.database().prepare("SELECT " + std::string(page_columns) +
                                        " FROM page_contents WHERE entry_id = ?1");
  query.bind(1, entry_id);
  if (!query.step()) return std::nullopt;
  return read_page(query);
}

void add_page(Store& store, std::int64_t entry_id, const std::string& page_url, const std::string& feed_content) {
  store.database()
      .prepare("INSERT INTO page_contents (entry_id, page_url, feed_content) VALUES (?1, ?2, ?3) "
               "ON CONFLICT (entry_id) DO NOTHING")
      .bind(1, entry_id)
      .bind(2, page_url)
      .bind(3, feed_content)
      .run();
}

int add_new_pages(Store& store, std::int64_t source_id, std::int64_t first_seen_ms, std::int64_t due_ms) {
  store.database()
      .prepare("INSERT INTO page_contents (entry_id, page_url, feed_content, next_attempt_ms) "
               "SELECT id, url, content, ?3 FROM entries WHERE source_id = ?1 AND first_seen_ms = ?2 AND NOT imported "
               "AND (url LIKE 'http://%' OR url LIKE 'https://%') ON CONFLICT (entry_id) DO NOTHING")
      .bind(1, source_id)
      .bind(2, first_seen_ms)
      .bind(3, due_ms)
      .run();
  return store.database().changes();
}

std::vector<DuePage> due_pages(Store& store, std::int64_t source_id, std::int64_t now_ms, int limit) {
  auto query = store.database().prepare(
      "SELECT p.entry_id, e.identity, p.page_url, p.feed_content, p.attempts FROM page_contents p "
      "JOIN entries e ON e.id = p.entry_id WHERE e.source_id = ?1 AND p.next_attempt_ms IS NOT NULL "
      "AND p.next_attempt_ms <= ?2 ORDER BY p.next_attempt_ms, p.entry_id LIMIT ?3");
  query.bind(1, source_id).bind(2, now_ms).bind(3, std::int64_t{limit});
  std::vector<DuePage> due;
  while (query.step()) {
    due.push_back(DuePage{query.column_int(0), query.column_text(1), query.column_text(2), query.column_text(3),
                          static_cast<int>(query.column_int(4))});
  }
  return due;
}

void record_page_failure(Store& store, std::int64_t entry_id, int attempts, std::optional<std::int64_t> next_ms,
                         const std::string& error, std::optional<std::int64_t> fetched_ms,
                         const std::optional<std::string>& page_content) {
  auto update = store.database().prepare(
      "UPDATE page_contents SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4, "
      "fetched_ms = coalesce(?5, fetched_ms), page_content = coalesce(?6, page_content) WHERE entry_id = ?1");
  update.bind(1, entry_id).bind(2, std::int64_t{attempts}).bind(3, next_ms).bind(4, error).bind(5, fetched_ms);
  if (page_content) {
    update.bind(6, *page_content);
  } else {
    update.bind(6, std::nullopt);
  }
  update.run();
}

void set_feed_content(Store& store, std::int64_t entry_id, const std::string& feed_content) {
  store.database()
      .prepare("UPDATE page_contents SET feed_content = ?2 WHERE entry_id = ?1")
      .bind(1, entry_id)
      .bind(2, feed_content)
      .run();
}

}  // namespace feedd::full_text
