#include "store/lists/forgotten.h"

namespace feedd {
namespace {

ForgottenEntry read_forgotten(const sqlite::Statement& row) {
  return ForgottenEntry{row.column_text(0), row.column_text(1), row.column_int(2)};
}

}  // namespace

std::vector<ForgottenEntry> forgotten_entries(sqlite::Database& db) {
  std::vector<ForgottenEntry> entries;
  auto query = db.prepare("SELECT identity, url, forgotten_ms FROM forgotten ORDER BY forgotten_ms DESC, identity");
  while (query.step()) entries.push_back(read_forgotten(query));
  return entries;
}

std::vector<ForgottenEntry> unforget(sqlite::Database& db, const std::vector<std::string>& keys) {
  sqlite::Transaction transaction(db);
  std::vector<ForgottenEntry> restored;
  auto find = db.prepare("SELECT identity, url, forgotten_ms FROM forgotten WHERE identity = ?1 OR url = ?1");
  auto remove = db.prepare("DELETE FROM forgotten WHERE identity = ?1");
  for (const auto& key : keys) {
    find.bind(1, key);
    std::vector<ForgottenEntry> found;
    while (find.step()) found.push_back(read_forgotten(find));
    find.reset();
    for (auto& entry : found) {
      remove.bind(1, entry.identity).run();
      restored.push_back(std::move(entry));
    }
  }
  if (!restored.empty()) db.execute("UPDATE sources SET etag = NULL, last_modified = NULL");
  transaction.commit();
  return restored;
}

}  // namespace feedd
