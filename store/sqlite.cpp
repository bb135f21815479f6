#include "store/sqlite.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace feedd::sqlite {

void Database::Closer::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

Database::Database(const std::filesystem::path& path) : path_(path) {
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 hands back a handle even on failure; own it before throwing.
  db_.reset(raw);
  if (code != SQLITE_OK) {
    throw SqliteError(fmt::format("database {}: cannot open: {}", path.string(),
                                  raw ? sqlite3_errmsg(raw) : sqlite3_errstr(code)),
                      code);
  }
  sqlite3_extended_result_codes(raw, 1);
  // Another process (a second feedd, a backup) may hold the lock briefly.
  sqlite3_busy_timeout(raw, 5000);
}

void Database::fail(std::string_view what, int code) const {
  throw SqliteError(fmt::format("database {}: {}: {}", path_.string(), what, sqlite3_errmsg(db_.get())), code);
}

void Database::execute(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int code = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (code != SQLITE_OK) {
    const std::string detail = message ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    throw SqliteError(fmt::format("database {}: {}: {}", path_.string(), text.substr(0, 60), detail), code);
  }
}

Statement Database::prepare(std::string_view sql) { return Statement(*this, sql); }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

int Database::changes() const { return sqlite3_changes(db_.get()); }

void Statement::Finalizer::operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }

Statement::Statement(const Database& db, std::string_view sql) : db_(&db) {
  sqlite3_stmt* raw = nullptr;
  const int code = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  statement_.reset(raw);
  if (code != SQLITE_OK) db.fail(fmt::format("prepare \"{}\"", sql.substr(0, 60)), code);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int code = sqlite3_bind_int64(statement_.get(), index, value);
  if (code != SQLITE_OK) db_->fail("bind", code);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  const int code = sqlite3_bind_text64(statement_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
  if (code != SQLITE_OK) db_->fail("bind", code);
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  const int code = sqlite3_bind_null(statement_.get(), index);
  if (code != SQLITE_OK) db_->fail("bind", code);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind(index, std::nullopt);
}

Statement& Statement::bind_pointer(int index, void* pointer, const char* type) {
  const int code = sqlite3_bind_pointer(statement_.get(), index, pointer, type, nullptr);
  if (code != SQLITE_OK) db_->fail("bind", code);
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(statement_.get());
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(statement_.get());
  sqlite3_reset(statement_.get());
  db_->fail(fmt::format("step \"{}\"", sql.substr(0, 60)), code);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::column_int(int column) const { return sqlite3_column_int64(statement_.get(), column); }

std::optional<std::int64_t> Statement::column_optional_int(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_int(column);
}

std::string Statement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_.get(), column));
  const int size = sqlite3_column_bytes(statement_.get(), column);
  return text ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

Transaction::Transaction(Database& db) : db_(db) { db_.execute("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (done_) return;
  try {
    db_.execute("ROLLBACK");
  } catch (...) {
    // The connection is already unusable or the transaction was rolled back
    // by SQLite itself; nothing more can be done in a destructor.
  }
}

void Transaction::commit() {
  db_.execute("COMMIT");
  done_ = true;
}

}  // namespace feedd::sqlite
