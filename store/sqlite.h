// Thin RAII owners for SQLite's C handles. Errors throw SqliteError with the
// database path and the statement that failed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace feedd::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database at `path`.
  explicit Database(const std::filesystem::path& path);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  void execute(std::string_view sql);  // one or more statements, no results
  Statement prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }

  [[noreturn]] void fail(std::string_view what, int code) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  std::filesystem::path path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

// A prepared statement, reset and rebound for each use. Parameters are
// 1-based as in SQLite; columns 0-based.
class Statement {
 public:
  Statement(const Database& db, std::string_view sql);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::nullopt_t);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  // A C++ object handed to an SQL function for the statement's run
  // (sqlite3_bind_pointer); `type` names what the function expects.
  Statement& bind_pointer(int index, void* pointer, const char* type);

  // Steps once: true while a row is available.
  bool step();
  // Steps to completion of a statement that returns no rows, then resets.
  void run();
  void reset();

  std::int64_t column_int(int column) const;
  std::optional<std::int64_t> column_optional_int(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  const Database* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit()
// ran, so an exception anywhere in a batch leaves the database untouched.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace feedd::sqlite
