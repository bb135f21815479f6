#include "daemon/runtime/watch/wayback_tables.h"

namespace feedd::watch {

std::optional<WaybackJob> next_wayback_job(sqlite::Database& db, std::int64_t now_ms) {
  auto query = db.prepare(
      "SELECT entry_id, url, tries FROM wayback_queue WHERE next_try_ms <= ?1 ORDER BY next_try_ms, entry_id LIMIT 1");
  query.bind(1, now_ms);
  std::optional<WaybackJob> job;
  if (query.step()) job = WaybackJob{query.column_int(0), query.column_text(1), static_cast<int>(query.column_int(2))};
  query.reset();
  return job;
}

std::optional<std::int64_t> next_wayback_ms(sqlite::Database& db) {
  auto query = db.prepare("SELECT min(next_try_ms) FROM wayback_queue");
  query.step();
  auto next = query.column_optional_int(0);
  query.reset();
  return next;
}

void record_snapshot(sqlite::Database& db, std::int64_t entry_id, const std::string& snapshot_url, std::int64_t now_ms) {
  sqlite::Transaction transaction(db);
  db.prepare("DELETE FROM wayback_queue WHERE entry_id = ?1").bind(1, entry_id).run();
  db.prepare("INSERT OR REPLACE INTO wayback_snapshots (entry_id, snapshot_url, saved_ms) VALUES (?1, ?2, ?3)")
      .bind(1, entry_id)
      .bind(2, snapshot_url)
      .bind(3, now_ms)
      .run();
  transaction.commit();
}

void retry_wayback(sqlite::Database& db, std::int64_t entry_id, std::int64_t next_try_ms, const std::string& error) {
  db.prepare("UPDATE wayback_queue SET tries = tries + 1, next_try_ms = ?2, last_error = ?3 WHERE entry_id = ?1")
      .bind(1, entry_id)
      .bind(2, next_try_ms)
      .bind(3, error)
      .run();
}

void drop_wayback(sqlite::Database& db, std::int64_t entry_id) {
  db.prepare("DELETE FROM wayback_queue WHERE entry_id = ?1").bind(1, entry_id).run();
}

std::optional<std::string> snapshot_of(sqlite::Database& db, std::int64_t entry_id) {
  auto query = db.prepare("SELECT snapshot_url FROM wayback_snapshots WHERE entry_id = ?1 AND snapshot_url != ''");
  query.bind(1, entry_id);
  std::optional<std::string> url;
  if (query.step()) url = query.column_text(0);
  query.reset();
  return url;
}

}  // namespace feedd::watch
