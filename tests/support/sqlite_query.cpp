#include "tests/support/sqlite_query.h"

#include <sqlite3.h>

#include <doctest/doctest.h>

#include <memory>

namespace feedd::test {

TestDatabase::TestDatabase(const std::filesystem::path& path, bool writable) : db_(nullptr, sqlite3_close) {
  sqlite3* raw = nullptr;
  const int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  const int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  REQUIRE_MESSAGE(code == SQLITE_OK, "cannot open ", path.string());
  sqlite3_busy_timeout(raw, 10000);
}

std::vector<std::vector<std::string>> TestDatabase::rows(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int code = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, sqlite3_finalize);
  if (code != SQLITE_OK) return {{std::string("error: ") + sqlite3_errmsg(db_.get())}};
  std::vector<std::vector<std::string>> result;
  for (;;) {
    const int step = sqlite3_step(raw);
    if (step != SQLITE_ROW) {
      if (step != SQLITE_DONE) result.push_back({std::string("error: ") + sqlite3_errmsg(db_.get())});
      break;
    }
    std::vector<std::string> row;
    for (int column = 0; column < sqlite3_column_count(raw); ++column) {
      const auto* text = sqlite3_column_text(raw, column);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    result.push_back(std::move(row));
  }
  return result;
}

std::string TestDatabase::text(const std::string& sql) {
  const auto result = rows(sql);
  return result.empty() || result.front().empty() ? "" : result.front().front();
}

int TestDatabase::exec(const std::string& sql) {
  return sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
}

namespace {

// One prepared statement over a read-only connection, both closed at scope end.
class Query {
 public:
  Query(const std::filesystem::path& database, const std::string& sql) : database_(database) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(database_.handle(), sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    statement_.reset(statement);
  }

  sqlite3_stmt* statement() const { return statement_.get(); }

 private:
  TestDatabase database_;
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement_{nullptr, sqlite3_finalize};
};

}  // namespace

SqliteTable sqlite_rows(const std::filesystem::path& database, const std::string& sql) {
  const Query query(database, sql);
  sqlite3_stmt* statement = query.statement();
  SqliteTable rows;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
      row.emplace_back(text == nullptr ? "NULL" : text);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::int64_t sqlite_count(const std::filesystem::path& database, const std::string& sql) {
  const Query query(database, sql);
  sqlite3_stmt* statement = query.statement();
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  return sqlite3_column_int64(statement, 0);
}

std::string sqlite_text(const std::filesystem::path& database, const std::string& sql) {
  const Query query(database, sql);
  sqlite3_stmt* statement = query.statement();
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  if (text == nullptr) FAIL("NULL where text was expected: " << sql);
  return text;
}

std::string sqlite_text_or_empty(const std::filesystem::path& database, const std::string& sql) {
  const Query query(database, sql);
  sqlite3_stmt* statement = query.statement();
  if (sqlite3_step(statement) != SQLITE_ROW) return "";
  const auto* text = sqlite3_column_text(statement, 0);
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace feedd::test
