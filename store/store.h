// feedd's SQLite schema and the queries on it. One Store per database file;
// not thread-safe (feedd writes through one writer).
//
// The schema version lives in PRAGMA user_version; open() migrates older
// databases forward step by step inside one transaction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postings/prepared_run.h"
#include "store/search.h"
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
  // Row saved but its post not yet written: its id is in post_backlog
  // (schema 15; the column of the same name is no longer read or written).
  bool post_pending = false;
  // Read from a broken document in recover mode: it may be cut short, so the
  // same entry from a well-formed document replaces it even at the same
  // timestamp.
  bool provisional = false;
  std::string raw_item;           // the item as received (FeedEntry::raw), for
                                  // reprocess; "" for rows from before schema 2
  // Adopted by `feedd import-posts`: the post file is the old script's, and
  // feedd never writes it (only `rebuild --rewrite-imported` does).
  bool imported = false;
  // Made on a parsing thread for a new row (IncomingEntry::search_text);
  // used by insert_entry/update_entry while the title and content match.
  PreparedSearchText search_text;
};

// One version of an entry's title and content (table entry_versions,
// schema 8). Versions are numbered from 1 per entry, in the order feedd saw
// them; the row in entries is what the post shows, one of them.
struct EntryVersion {
  int number = 0;
  std::string origin;  // where it came from: "feed", or "page" (the article's own page)
  std::int64_t recorded_ms = 0;
  std::string title;
  std::string content;  // HTML as the content mode carries it
};

// What record_version did.
struct RecordedVersion {
  int number = 0;         // the entry's latest version afterwards
  bool recorded = false;  // false: title and content were the latest's already
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

// What feedd remembers about a source between polls and across restarts.
struct SourceState {
  std::int64_t id = 0;
  std::string name;
  std::string url;            // as configured when last seen
  std::string polled_url;     // after permanent redirects; empty: url
  std::string etag;
  std::string last_modified;
  std::optional<std::int64_t> next_poll_ms;
  int consecutive_failures = 0;
  std::string state = "ok";   // ok, failing, gone
  std::optional<std::int64_t> last_success_ms;
  std::string last_error;
  std::optional<std::int64_t> last_error_ms;

  bool never_polled() const { return !last_success_ms && !last_error_ms; }
};

// The sources columns SourceState is read from, in the order
// read_source_state expects them, for queries that add columns of their own
// after these.
inline constexpr std::string_view source_state_columns =
    "id, name, url, polled_url, etag, last_modified, next_poll_ms, consecutive_failures, state, "
    "last_success_ms, last_error, last_error_ms";
inline constexpr int source_state_column_count =
    1 + static_cast<int>(std::count(source_state_columns.begin(), source_state_columns.end(), ','));
SourceState read_source_state(const sqlite::Statement& statement);

// HTTP validators and the URL to poll, saved with the entries they cover.
struct SourceValidators {
  std::string polled_url;
  std::string etag;
  std::string last_modified;
};

// The schedule's view of a source after a poll.
struct SourceSchedule {
  std::optional<std::int64_t> next_poll_ms;
  int consecutive_failures = 0;
  std::string state = "ok";
  std::optional<std::int64_t> last_success_ms;
  std::string last_error;
  std::optional<std::int64_t> last_error_ms;
};

class Store {
 public:
  static constexpr int schema_version = 16;

  // Opens or creates the database, enables WAL, migrates. Creates the
  // parent folder. Throws sqlite::SqliteError with the path.
  explicit Store(const std::filesystem::path& database);

  sqlite::Database& database() { return db_; }

  // The id of the source row named `name`, created when missing; keeps the
  // configured URL current.
  std::int64_t source_id(const std::string& name, const std::string& url);
  std::optional<std::string> source_name(std::int64_t source_id);
  // The id of the source row named `name`, created without a URL when
  // missing (a source only imported posts name); an existing row is left
  // exactly as it is.
  std::int64_t ensure_source(const std::string& name);
  // A changed configured URL starts the source afresh: redirects, validators
  // and a "gone" verdict belonged to the old URL.
  std::optional<SourceState> source_state(const std::string& name);
  void save_validators(std::int64_t source_id, const SourceValidators& validators);
  void save_schedule(std::int64_t source_id, const SourceSchedule& schedule);

  std::optional<EntryRow> find_entry(const std::string& identity);
  // True when a row other than `identity` owns the post file `post_path`.
  bool post_path_taken(const std::string& post_path, const std::string& identity);
  // True when a row other than `identity` has a post whose name reduces to
  // the same url_key_of (store/post_file_name.h): the site would give both
  // one URL.
  bool url_key_taken(const std::string& url_key, const std::string& identity);
  // Entries removed with `feedd forget` stay out: a takedown must survive
  // the next poll of a feed that still carries the entry.
  bool is_forgotten(const std::string& identity);
  void remember_forgotten(const std::string& identity, const std::string& url, std::int64_t when_ms);
  // Both also put the row in the post backlog, or take it out, as
  // row.post_pending says.
  void insert_entry(EntryRow& row);  // sets row.id
  void update_entry(const EntryRow& row);
  // The post backlog (table post_backlog, schema 15): the entries whose post
  // is owed, the rows that repair writes from. A small table of ids, so that
  // marking a post done does not write the entry's row again.
  void set_post_pending(std::int64_t entry_id, bool pending);
  // Every entry's post owed again (the posts folder was lost).
  void mark_every_post_pending();
  // After `rebuild --rewrite-imported` wrote the post in feedd's format, the
  // file is feedd's like any other.
  void clear_imported(std::int64_t entry_id);
  std::vector<EntryRow> entries_with_pending_posts();
  std::int64_t count_entries();
  // The row whose link is `url` exactly (when its identity is not the URL).
  std::optional<EntryRow> find_entry_by_url(const std::string& url);
  // Up to `limit` rows with an id above `after_id`, in id order, of one
  // source when `source_id` is given: a walk over the archive in pages.
  std::vector<EntryRow> entries_after(std::int64_t after_id, int limit,
                                      std::optional<std::int64_t> source_id = std::nullopt);
  // When the entry's page was found removed (table `removals`, written by
  // daemon/runtime/watch), for the post's removed_notice; nullopt when not,
  // or only as the weak sign of dropping out of its feed.
  std::optional<std::int64_t> removed_ms(std::int64_t entry_id);

  // Removes the row; the search indexes and the post backlog follow it
  // (triggers).
  void delete_entry(std::int64_t entry_id);

  // Keeps `title` and `content` as the entry's next version, from `origin`
  // ("feed" or "page") at `when_ms`, unless they are its latest version's.
  // Versions are stored lazily: an entry that never changes has none, its
  // row being version 1; the first change first stores what the row holds
  // as version 1 (at the row's first_seen_ms, from the feed). Every change
  // of title or content, by ingest or the full-text stage, goes through here
  // before the row is written.
  // REQUIRES: inside a transaction; while the entry has no version stored,
  // its row still holds what it held before this change.
  RecordedVersion record_version(std::int64_t entry_id, std::string_view origin, const std::string& title,
                                 const std::string& content, std::int64_t when_ms);
  // Every version of the entry, oldest first; one (built from the row) when
  // none is stored.
  std::vector<EntryVersion> versions_of(std::int64_t entry_id);

  void record_fetch(const FetchRow& fetch);
  // One window of fetch-record pruning: among the `max_rows` records with
  // ids above `after_id`, deletes those started before `before_ms`.
  struct PruneWindow {
    int deleted = 0;
    std::int64_t last_id = 0;      // the window's last id; 0 when it was empty
    bool last_is_young = false;    // the window's last record is one to keep
  };
  PruneWindow prune_fetches(std::int64_t after_id, std::int64_t before_ms, int max_rows);

  // Rows reach the search indexes after they are stored, in batches, so that
  // ingest never waits for the index (store/search.h). Indexes up to `max_rows`
  // of the oldest unindexed rows in one transaction; returns how many.
  int index_search_backlog(int max_rows);
  std::int64_t search_backlog();  // rows not in the search indexes yet
  // The same in two steps, so the writer does not spend the CPU of reading
  // the grams (store/postings/prepared_run.h): a run made on another thread
  // from `reader`, a connection of its own to this database, then written
  // here in one transaction (0: empty, or stale and left in the backlog).
  static postings::PreparedRun prepare_search_run(sqlite::Database& reader, std::int64_t after_id, int max_rows);
  // Rows of the backlog with ids above `after_id`, counted on `reader`.
  static std::int64_t search_backlog_after(sqlite::Database& reader, std::int64_t after_id);
  int write_search_run(postings::PreparedRun& run);

 private:
  void migrate();
  EntryRow read_entry(const sqlite::Statement& statement) const;

  sqlite::Database db_;
  sqlite::Statement find_entry_;
  // Asked for every entry of every fetched feed: prepared once.
  sqlite::Statement post_path_taken_;
  sqlite::Statement url_key_taken_;
  sqlite::Statement is_forgotten_;
  sqlite::Statement insert_entry_;
  sqlite::Statement update_entry_;
  sqlite::Statement to_search_backlog_;
  sqlite::Statement post_owed_;
  sqlite::Statement post_done_;
  sqlite::Statement insert_fetch_;
  sqlite::Statement latest_version_;
  sqlite::Statement insert_version_;
  // Used for every poll and every schedule saved (preparing the upsert cost
  // more than running it: 60% of a 304 pass's writer).
  sqlite::Statement upsert_source_;
  sqlite::Statement source_state_;
  sqlite::Statement save_validators_;
  sqlite::Statement save_schedule_;
};

}  // namespace feedd
