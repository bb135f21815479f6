#include "store/postings/search_backlog.h"

namespace feedd::postings {

// CROSS JOIN keeps the backlog as the outer loop: a few ids looked up in
// entries by rowid, never entries walked for its few backlog rows.
Statement backlog_rows(sqlite3* db) {
  return Statement(db,
                   "SELECT b.id, e.search_text FROM search_backlog AS b CROSS JOIN entries AS e ON e.id = b.id "
                   "WHERE b.id > ?1 ORDER BY b.id LIMIT ?2");
}

Statement backlog_text(sqlite3* db) {
  return Statement(
      db, "SELECT e.search_text FROM search_backlog AS b CROSS JOIN entries AS e ON e.id = b.id WHERE b.id = ?1");
}

void leave_backlog(sqlite3* db, const std::vector<std::int64_t>& ids) {
  auto remove = Statement(db, "DELETE FROM search_backlog WHERE id = ?1");
  for (const auto id : ids) remove.bind(1, id).run();
}

void every_row_to_backlog(sqlite3* db) {
  Statement(db, "INSERT OR IGNORE INTO search_backlog (id) SELECT id FROM entries").run();
}

IdSet backlog_ids(sqlite3* db) {
  IdSet ids;
  auto backlog = Statement(db, "SELECT id FROM search_backlog");
  while (backlog.step()) ids.insert(backlog.column_int(0));
  return ids;
}

std::int64_t backlog_after(sqlite3* db, std::int64_t after_id) {
  auto count = Statement(db, "SELECT count(*) FROM search_backlog WHERE id > ?1");
  count.bind(1, after_id);
  return count.step() ? count.column_int(0) : 0;
}

}  // namespace feedd::postings
