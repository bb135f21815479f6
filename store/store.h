// feedd's SQLite schema and the queries on it. One Store per database file;
// not thread-safe (feedd writes through one writer).
//
// The schema version lives in PRAGMA user_version; open() migrates older
// databases forward step by step inside one transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.h"

namespace feedd {

struct EntryRow {
  std::int64_t id = 0;
  std::string identity;         // canonical URL, else guid, else content hash
  std::int64_t source_id = 0;   // the source that first delivered it
  std::string url;
  std::string guid;
  std::string title;            // plain text
  std::string author;           // as the feed names it
  std::int64_t timestamp_ms = 0;  // T
  bool has_own_timestamp = false; // false: T is when feedd first saw it
  std::int64_t first_seen_ms = 0;
  std::int64_t date_ms = 0;       // D as last written
  std::string content;            // HTML as the content mode carries it
  std::string post_path;          // file name inside posts_dir
  bool post_pending = false;      // row saved but its post not yet written
};

struct FetchRow {
  std::int64_t source_id = 0;
  std::int64_t started_ms = 0;
  std::int64_t duration_ms = 0;
  long http_status = 0;
  std::int64_t bytes = 0;
  int new_entries = 0;
  int updated_entries = 0;
  int unchanged_entries = 0;
  std::string error;  // empty on success
};

class Store {
 public:
  static constexpr int schema_version = 1;

  // Opens or creates the database, enables WAL, migrates. Creates the
  // parent folder. Throws sqlite::SqliteError with the path.
  explicit Store(const std::filesystem::path& database);

  sqlite::Database& database() { return db_; }

  // The id of the source row named `name`, created when missing; keeps the
  // configured URL current.
  std::int64_t source_id(const std::string& name, const std::string& url);
  std::optional<std::string> source_name(std::int64_t source_id);

  std::optional<EntryRow> find_entry(const std::string& identity);
  // True when a row other than `identity` owns the post file `post_path`.
  bool post_path_taken(const std::string& post_path, const std::string& identity);
  void insert_entry(EntryRow& row);  // sets row.id
  void update_entry(const EntryRow& row);
  void set_post_pending(std::int64_t entry_id, bool pending);
  std::vector<EntryRow> entries_with_pending_posts();
  std::int64_t count_entries();

  void record_fetch(const FetchRow& fetch);

 private:
  void migrate();
  EntryRow read_entry(const sqlite::Statement& statement) const;

  sqlite::Database db_;
  sqlite::Statement find_entry_;
  sqlite::Statement post_path_taken_;
  sqlite::Statement insert_entry_;
  sqlite::Statement update_entry_;
  sqlite::Statement set_post_pending_;
  sqlite::Statement insert_fetch_;
};

}  // namespace feedd
