#include "store/store.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace feedd {
namespace {

// Each step takes the schema from version i to i+1. Steps are never edited
// once released: a database of any earlier version must upgrade in place.
constexpr std::array<std::string_view, Store::schema_version> migrations = {
    // 0 -> 1: the first schema.
    R"sql(
    CREATE TABLE sources (
      id                   INTEGER PRIMARY KEY,
      name                 TEXT NOT NULL UNIQUE,
      url                  TEXT NOT NULL,
      polled_url           TEXT,
      etag                 TEXT,
      last_modified        TEXT,
      next_poll_ms         INTEGER,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      state                TEXT NOT NULL DEFAULT 'ok',
      last_success_ms      INTEGER,
      last_error           TEXT,
      last_error_ms        INTEGER
    );
    CREATE TABLE entries (
      id                INTEGER PRIMARY KEY,
      identity          TEXT NOT NULL UNIQUE,
      source_id         INTEGER NOT NULL REFERENCES sources(id),
      url               TEXT NOT NULL,
      guid              TEXT NOT NULL,
      title             TEXT NOT NULL,
      author            TEXT NOT NULL,
      timestamp_ms      INTEGER NOT NULL,
      has_own_timestamp INTEGER NOT NULL,
      first_seen_ms     INTEGER NOT NULL,
      date_ms           INTEGER NOT NULL,
      content           TEXT NOT NULL,
      post_path         TEXT NOT NULL UNIQUE,
      post_pending      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX entries_by_source ON entries(source_id, timestamp_ms);
    CREATE INDEX entries_pending ON entries(post_pending) WHERE post_pending != 0;
    CREATE TABLE fetches (
      id                INTEGER PRIMARY KEY,
      source_id         INTEGER NOT NULL REFERENCES sources(id),
      started_ms        INTEGER NOT NULL,
      duration_ms       INTEGER NOT NULL,
      http_status       INTEGER NOT NULL,
      bytes             INTEGER NOT NULL,
      new_entries       INTEGER NOT NULL,
      updated_entries   INTEGER NOT NULL,
      unchanged_entries INTEGER NOT NULL,
      error             TEXT
    );
    CREATE INDEX fetches_by_source ON fetches(source_id, started_ms);
    )sql",
};

constexpr std::string_view entry_columns =
    "id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, "
    "date_ms, content, post_path, post_pending";

int user_version(sqlite::Database& db) {
  auto statement = db.prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

sqlite::Database open_migrated(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  sqlite::Database db(path);
  db.execute("PRAGMA journal_mode = WAL");
  // WAL with synchronous=FULL makes every commit durable before it returns:
  // a commit is feedd's promise that the post it names is on disk.
  db.execute("PRAGMA synchronous = FULL");
  db.execute("PRAGMA foreign_keys = ON");

  const int found = user_version(db);
  if (found > Store::schema_version) {
    throw sqlite::SqliteError(
        fmt::format("database {}: schema version {} is newer than this feedd understands ({})", path.string(),
                    found, Store::schema_version),
        0);
  }
  if (found < Store::schema_version) {
    sqlite::Transaction transaction(db);
    for (int version = found; version < Store::schema_version; ++version) {
      db.execute(migrations[static_cast<std::size_t>(version)]);
    }
    db.execute(fmt::format("PRAGMA user_version = {}", Store::schema_version));
    transaction.commit();
  }
  return db;
}

}  // namespace

Store::Store(const std::filesystem::path& database)
    : db_(open_migrated(database)),
      find_entry_(db_.prepare(fmt::format("SELECT {} FROM entries WHERE identity = ?1", entry_columns))),
      post_path_taken_(db_.prepare("SELECT 1 FROM entries WHERE post_path = ?1 AND identity != ?2")),
      insert_entry_(db_.prepare(
          "INSERT INTO entries (identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, "
          "first_seen_ms, date_ms, content, post_path, post_pending) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")),
      update_entry_(db_.prepare(
          "UPDATE entries SET url = ?2, guid = ?3, title = ?4, author = ?5, timestamp_ms = ?6, "
          "has_own_timestamp = ?7, date_ms = ?8, content = ?9, post_pending = ?10 WHERE id = ?1")),
      set_post_pending_(db_.prepare("UPDATE entries SET post_pending = ?2 WHERE id = ?1")),
      insert_fetch_(db_.prepare(
          "INSERT INTO fetches (source_id, started_ms, duration_ms, http_status, bytes, new_entries, "
          "updated_entries, unchanged_entries, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")) {}

std::int64_t Store::source_id(const std::string& name, const std::string& url) {
  auto upsert = db_.prepare(
      "INSERT INTO sources (name, url) VALUES (?1, ?2) "
      "ON CONFLICT(name) DO UPDATE SET url = excluded.url RETURNING id");
  upsert.bind(1, name).bind(2, url);
  upsert.step();
  const std::int64_t id = upsert.column_int(0);
  upsert.reset();
  return id;
}

std::optional<std::string> Store::source_name(std::int64_t source_id) {
  auto query = db_.prepare("SELECT name FROM sources WHERE id = ?1");
  query.bind(1, source_id);
  if (!query.step()) return std::nullopt;
  return query.column_text(0);
}

EntryRow Store::read_entry(const sqlite::Statement& statement) const {
  EntryRow row;
  row.id = statement.column_int(0);
  row.identity = statement.column_text(1);
  row.source_id = statement.column_int(2);
  row.url = statement.column_text(3);
  row.guid = statement.column_text(4);
  row.title = statement.column_text(5);
  row.author = statement.column_text(6);
  row.timestamp_ms = statement.column_int(7);
  row.has_own_timestamp = statement.column_int(8) != 0;
  row.first_seen_ms = statement.column_int(9);
  row.date_ms = statement.column_int(10);
  row.content = statement.column_text(11);
  row.post_path = statement.column_text(12);
  row.post_pending = statement.column_int(13) != 0;
  return row;
}

std::optional<EntryRow> Store::find_entry(const std::string& identity) {
  find_entry_.bind(1, identity);
  std::optional<EntryRow> row;
  if (find_entry_.step()) row = read_entry(find_entry_);
  find_entry_.reset();
  return row;
}

bool Store::post_path_taken(const std::string& post_path, const std::string& identity) {
  post_path_taken_.bind(1, post_path).bind(2, identity);
  const bool taken = post_path_taken_.step();
  post_path_taken_.reset();
  return taken;
}

void Store::insert_entry(EntryRow& row) {
  insert_entry_.bind(1, row.identity)
      .bind(2, row.source_id)
      .bind(3, row.url)
      .bind(4, row.guid)
      .bind(5, row.title)
      .bind(6, row.author)
      .bind(7, row.timestamp_ms)
      .bind(8, std::int64_t{row.has_own_timestamp})
      .bind(9, row.first_seen_ms)
      .bind(10, row.date_ms)
      .bind(11, row.content)
      .bind(12, row.post_path)
      .bind(13, std::int64_t{row.post_pending});
  insert_entry_.run();
  row.id = db_.last_insert_rowid();
}

void Store::update_entry(const EntryRow& row) {
  update_entry_.bind(1, row.id)
      .bind(2, row.url)
      .bind(3, row.guid)
      .bind(4, row.title)
      .bind(5, row.author)
      .bind(6, row.timestamp_ms)
      .bind(7, std::int64_t{row.has_own_timestamp})
      .bind(8, row.date_ms)
      .bind(9, row.content)
      .bind(10, std::int64_t{row.post_pending});
  update_entry_.run();
}

void Store::set_post_pending(std::int64_t entry_id, bool pending) {
  set_post_pending_.bind(1, entry_id).bind(2, std::int64_t{pending});
  set_post_pending_.run();
}

std::vector<EntryRow> Store::entries_with_pending_posts() {
  auto query = db_.prepare(fmt::format("SELECT {} FROM entries WHERE post_pending != 0 ORDER BY id", entry_columns));
  std::vector<EntryRow> rows;
  while (query.step()) rows.push_back(read_entry(query));
  return rows;
}

std::int64_t Store::count_entries() {
  auto query = db_.prepare("SELECT count(*) FROM entries");
  query.step();
  return query.column_int(0);
}

void Store::record_fetch(const FetchRow& fetch) {
  insert_fetch_.bind(1, fetch.source_id)
      .bind(2, fetch.started_ms)
      .bind(3, fetch.duration_ms)
      .bind(4, std::int64_t{fetch.http_status})
      .bind(5, fetch.bytes)
      .bind(6, std::int64_t{fetch.new_entries})
      .bind(7, std::int64_t{fetch.updated_entries})
      .bind(8, std::int64_t{fetch.unchanged_entries});
  if (fetch.error.empty()) {
    insert_fetch_.bind(9, std::nullopt);
  } else {
    insert_fetch_.bind(9, fetch.error);
  }
  insert_fetch_.run();
}

}  // namespace feedd
