// A store's SQLite file read from outside feedd, the way any other program
// would, to check what feedd wrote. The free functions open the file, run one
// statement and close it; failing to open or prepare fails the test (REQUIRE).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace feedd::test {

// One connection to a store that a running feedd may be writing: waits up
// to 10 s for its locks. Failing to open fails the test (REQUIRE); a query
// that fails comes back as one row "error: <message>", for polls that try
// again while the daemon migrates or holds the lock.
class TestDatabase {
 public:
  explicit TestDatabase(const std::filesystem::path& path, bool writable = false);
  // Every row of `sql`, every column as text (NULL as "").
  std::vector<std::vector<std::string>> rows(const std::string& sql);
  // The first column of the first row, or "".
  std::string text(const std::string& sql);
  // The SQLite result code of running `sql` (BEGIN EXCLUSIVE, say).
  int exec(const std::string& sql);
  sqlite3* handle() const { return db_.get(); }

 private:
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
};

using SqliteTable = std::vector<std::vector<std::string>>;

// Every row, every column as text; NULL reads as "NULL".
SqliteTable sqlite_rows(const std::filesystem::path& database, const std::string& sql);

// The first column of the first row; a missing row fails the test.
std::int64_t sqlite_count(const std::filesystem::path& database, const std::string& sql);
std::string sqlite_text(const std::filesystem::path& database, const std::string& sql);

// The first column of the first row, or "" when there is no row or it is NULL.
std::string sqlite_text_or_empty(const std::filesystem::path& database, const std::string& sql);

}  // namespace feedd::test
