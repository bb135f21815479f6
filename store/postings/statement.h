// The few SQLite calls the index's tables need, each handle owned. This
// room sits below the store, so it cannot use store/sqlite.h's wrappers;
// errors are std::runtime_error naming the database and the statement.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace feedd::postings {

[[noreturn]] inline void fail(sqlite3* db, std::string_view what) {
  const char* file = sqlite3_db_filename(db, "main");
  throw std::runtime_error(std::string("database ") + (file != nullptr ? file : "") + ": " + std::string(what) + ": " +
                           sqlite3_errmsg(db));
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
      fail(db, std::string("prepare \"") + std::string(sql.substr(0, 60)) + "\"");
    }
    statement_.reset(raw);
  }
  Statement& bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_.get(), index, value) != SQLITE_OK) fail(db_, "bind");
    return *this;
  }
  Statement& bind_blob(int index, std::string_view bytes) {
    if (sqlite3_bind_blob64(statement_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
      fail(db_, "bind");
    }
    return *this;
  }
  bool step() {
    const int code = sqlite3_step(statement_.get());
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    const std::string sql = sqlite3_sql(statement_.get());
    sqlite3_reset(statement_.get());
    fail(db_, "step \"" + sql.substr(0, 60) + "\"");
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() { sqlite3_reset(statement_.get()); }
  std::int64_t column_int(int column) const { return sqlite3_column_int64(statement_.get(), column); }
  // Valid until the next step or reset.
  std::string_view column_blob(int column) const {
    const void* bytes = sqlite3_column_blob(statement_.get(), column);
    const int size = sqlite3_column_bytes(statement_.get(), column);
    return bytes ? std::string_view(static_cast<const char*>(bytes), static_cast<std::size_t>(size)) : std::string_view();
  }
  std::string_view column_text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_.get(), column));
    const int size = sqlite3_column_bytes(statement_.get(), column);
    return text ? std::string_view(text, static_cast<std::size_t>(size)) : std::string_view();
  }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
};

}  // namespace feedd::postings
