#include "tests/support/sqlite_query.h"

#include <sqlite3.h>

#include <doctest/doctest.h>

#include <memory>

namespace feedd::test {
namespace {

// One prepared statement over a read-only connection, both closed at scope end.
class Query {
 public:
  Query(const std::filesystem::path& database, const std::string& sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(database.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    db_.reset(raw);
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    statement_.reset(statement);
  }

  sqlite3_stmt* statement() const { return statement_.get(); }

 private:
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db_{nullptr, sqlite3_close};
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
