#include "store/lists/unpublished.h"

namespace feedd {

void remember_unpublished(sqlite::Database& db, const std::vector<std::filesystem::path>& paths,
                          std::int64_t now_ms) {
  if (paths.empty()) return;
  sqlite::Transaction transaction(db);
  auto insert = db.prepare("INSERT OR IGNORE INTO unpublished (path, since_ms) VALUES (?1, ?2)");
  for (const auto& path : paths) insert.bind(1, path.string()).bind(2, now_ms).run();
  transaction.commit();
}

void forget_published(sqlite::Database& db, const std::vector<std::filesystem::path>& paths) {
  if (paths.empty()) return;
  sqlite::Transaction transaction(db);
  auto remove = db.prepare("DELETE FROM unpublished WHERE path = ?1");
  for (const auto& path : paths) remove.bind(1, path.string()).run();
  transaction.commit();
}

std::vector<std::filesystem::path> unpublished_posts(sqlite::Database& db) {
  std::vector<std::filesystem::path> paths;
  auto query = db.prepare("SELECT path FROM unpublished ORDER BY since_ms, path");
  while (query.step()) paths.emplace_back(query.column_text(0));
  return paths;
}

}  // namespace feedd
