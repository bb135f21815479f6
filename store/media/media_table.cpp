#include "store/media/media_table.h"

#include <set>

namespace feedd::media {

void set_references(Store& store, std::int64_t entry_id, std::int64_t source_id, const std::vector<std::string>& urls,
                    std::int64_t now_ms) {
  auto& db = store.database();
  sqlite::Transaction transaction(db);
  const std::set<std::string> wanted(urls.begin(), urls.end());
  std::vector<std::string> stale;
  {
    auto existing = db.prepare("SELECT url FROM media_references WHERE entry_id = ?1");
    existing.bind(1, entry_id);
    while (existing.step()) {
      std::string url = existing.column_text(0);
      if (!wanted.contains(url)) stale.push_back(std::move(url));
    }
  }
  auto drop = db.prepare("DELETE FROM media_references WHERE entry_id = ?1 AND url = ?2");
  for (const auto& url : stale) {
    drop.bind(1, entry_id).bind(2, url);
    drop.run();
  }
  auto refer = db.prepare("INSERT OR IGNORE INTO media_references (entry_id, url) VALUES (?1, ?2)");
  auto download = db.prepare(
      "INSERT OR IGNORE INTO media_downloads (url, source_id, state, attempts, next_attempt_ms) "
      "VALUES (?1, ?2, 'waiting', 0, ?3)");
  for (const auto& url : urls) {
    refer.bind(1, entry_id).bind(2, url);
    refer.run();
    download.bind(1, url).bind(2, source_id).bind(3, now_ms);
    download.run();
  }
  transaction.commit();
}

std::vector<std::string> due_downloads(Store& store, std::int64_t source_id, std::int64_t now_ms, int limit) {
  auto query = store.database().prepare(
      "SELECT url FROM media_downloads WHERE source_id = ?1 AND state = 'waiting' AND next_attempt_ms <= ?2 "
      "ORDER BY next_attempt_ms, url LIMIT ?3");
  query.bind(1, source_id).bind(2, now_ms).bind(3, std::int64_t{limit});
  std::vector<std::string> urls;
  while (query.step()) urls.push_back(query.column_text(0));
  return urls;
}

std::uint64_t source_media_bytes(Store& store, std::int64_t source_id) {
  auto query = store.database().prepare(
      "SELECT COALESCE(SUM(bytes), 0) FROM media_files WHERE name IN "
      "(SELECT file FROM media_downloads WHERE source_id = ?1 AND state = 'done')");
  query.bind(1, source_id);
  query.step();
  return static_cast<std::uint64_t>(query.column_int(0));
}

bool media_file_known(Store& store, const std::string& name) {
  auto query = store.database().prepare("SELECT 1 FROM media_files WHERE name = ?1");
  query.bind(1, name);
  return query.step();
}

int record_download(Store& store, const std::string& url, const std::string& name, std::uint64_t bytes,
                    std::int64_t now_ms) {
  auto& db = store.database();
  sqlite::Transaction transaction(db);
  auto file = db.prepare("INSERT OR IGNORE INTO media_files (name, bytes, stored_ms) VALUES (?1, ?2, ?3)");
  file.bind(1, name).bind(2, static_cast<std::int64_t>(bytes)).bind(3, now_ms);
  file.run();
  auto done = db.prepare(
      "UPDATE media_downloads SET state = 'done', file = ?2, attempts = attempts + 1, last_error = NULL "
      "WHERE url = ?1");
  done.bind(1, url).bind(2, name);
  done.run();
  auto pending = db.prepare(
      "INSERT OR IGNORE INTO post_backlog (id) SELECT id FROM entries WHERE NOT imported AND id IN "
      "(SELECT entry_id FROM media_references WHERE url = ?1)");
  pending.bind(1, url);
  pending.run();
  const int marked = db.changes();
  transaction.commit();
  return marked;
}

int record_failed_download(Store& store, const std::string& url, const std::string& error, std::int64_t retry_ms) {
  auto update = store.database().prepare(
      "UPDATE media_downloads SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE url = ?1");
  update.bind(1, url).bind(2, error).bind(3, retry_ms);
  update.run();
  return attempts_of(store, url);
}

int attempts_of(Store& store, const std::string& url) {
  auto query = store.database().prepare("SELECT attempts FROM media_downloads WHERE url = ?1");
  query.bind(1, url);
  return query.step() ? static_cast<int>(query.column_int(0)) : 0;
}

std::map<std::string, std::string> local_files_of(Store& store, std::int64_t entry_id) {
  return LocalFilesQuery(store)(entry_id);
}

std::map<std::string, std::string> LocalFilesQuery::operator()(std::int64_t entry_id) {
  if (!query_) {
    query_.emplace(store_.database().prepare(
        "SELECT d.url, d.file FROM media_references r JOIN media_downloads d ON d.url = r.url "
        "WHERE r.entry_id = ?1 AND d.state = 'done'"));
  }
  auto& query = *query_;
  query.bind(1, entry_id);
  std::map<std::string, std::string> files;
  while (query.step()) files.emplace(query.column_text(0), query.column_text(1));
  query.reset();  // ready to be bound again, and no read left open
  return files;
}

}  // namespace feedd::media
