// The archive: the SQLite store and the posts folder kept in step. This is
// the store library's public face: the daemon hands it each fetched feed's
// normalised entries and it decides, per entry, new / updated / unchanged,
// commits the rows marked pending, writes the posts atomically, then clears
// the marks: a row may name a post not yet in place only while it is
// pending, and no post file ever exists without its row.
//
// Dedup contract: an entry's identity is global across sources. Same
// identity and same timestamp: nothing is written. A newer timestamp: the
// row is updated and the same post file rewritten in place. An older one:
// ignored. An entry adopted by `feedd import-posts` is never rewritten, and
// a new post never takes the name of a file no row names. An update that
// changes the title or content is kept as a version (Store::record_version)
// whether or not the post shows it (SourcePresentation::update).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "store/versions/update_rule.h"

namespace feedd {

// What a post shows about its source.
struct SourcePresentation {
  std::string name;
  std::vector<std::string> tags;
  std::vector<std::string> categories;
  UpdateRule update{};  // which version of an edited entry the post shows
  bool removed_notice = false;  // a removed entry's post says so (PostFields::removed_ms)
};

// One entry as the normaliser made it: ready to store and render.
// An enclosure as the feed lists it (store/enclosures keeps them).
struct EnclosureRecord {
  std::string url;
  std::string type;                    // "" when the feed gives none
  std::optional<std::int64_t> length;  // bytes, as the feed claims
};

struct IncomingEntry {
  std::string identity;
  std::string url;
  std::string guid;
  std::string title;    // plain text
  std::string author;
  std::optional<std::int64_t> timestamp_ms;  // the entry's own; none: first seen
  std::string content;  // HTML as the content mode carries it
  std::string raw_item;  // the item as received (FeedEntry::raw), kept for reprocess
  bool provisional = false;  // from a document read in recover mode (EntryRow::provisional)
  std::vector<EnclosureRecord> enclosures;  // stored by store/enclosures, beside the row
  PreparedSearchText search_text;  // made by the parsing thread, so the writer need not
};

// What the fetcher saw, for the fetches table.
struct FetchReport {
  std::int64_t started_ms = 0;
  std::int64_t duration_ms = 0;
  long http_status = 0;
  std::int64_t bytes = 0;
  std::string error;
};

struct BatchOutcome {
  int new_entries = 0;
  int updated_entries = 0;
  int unchanged_entries = 0;
  int older_ignored = 0;
  int posts_written = 0;
  std::vector<std::filesystem::path> written_paths;  // what a publish hook commits
  // Set by a caller with no publish hook: written_paths stays empty (a path
  // costs about 300 bytes, 30 MB for a feed of 100,000 entries).
  bool skip_written_paths = false;
  // Posts that could not be written; their rows are kept, marked pending,
  // and written by a later repair_pending_posts().
  std::vector<std::string> post_errors;
};

// One poll's share of a group write (Archive::ingest_group): the entries
// of a feed fetched whole, or a 304, or a failure, each recorded for its
// source exactly as ingest(), record_not_modified() and record_failure()
// record it alone.
struct GroupedPoll {
  enum class Kind { entries, not_modified, failure };
  Kind kind = Kind::entries;
  std::string source_name;
  std::string source_url;
  std::span<const IncomingEntry> entries;  // Kind::entries only
  std::int64_t fetched_ms = 0;
  FetchReport fetch;
  SourceValidators validators;  // Kind::entries only: saved with its rows
  BatchOutcome outcome;         // in: earlier parts (and skip_written_paths); out: this poll's
  std::string error;            // out: this poll was not stored (rolled back alone)
};

class Archive {
 public:
  // Opens the store and creates the posts folder. Throws with the path.
  Archive(const std::filesystem::path& database, std::filesystem::path posts_dir,
          std::vector<SourcePresentation> sources);

  // After a config reload: how each source's posts present it.
  void set_sources(std::vector<SourcePresentation> sources);

  // Everything one fetched feed brought, in one transaction. The validators
  // commit with the entries: saved alone, a crash could leave an ETag that
  // answers 304 for entries that were never stored.
  BatchOutcome ingest(const std::string& source_name, const std::string& source_url,
                      std::span<const IncomingEntry> entries, std::int64_t fetched_ms, const FetchReport& fetch,
                      const SourceValidators& validators = {}, BatchOutcome earlier_parts = {});

  // A feed too large to hold at once arrives in parts (the pipeline streams
  // it from the parser): every part but the last comes here, which commits
  // its rows (pending), writes their posts and clears the marks, adding to
  // `outcome`; the last part is an ordinary ingest() given that outcome, so
  // the fetch record counts every part and the validators are saved only
  // once every entry is stored. A crash between parts keeps the old
  // validators: the next poll reads the whole feed again and finds the
  // entries stored so far unchanged.
  void ingest_part(const std::string& source_name, const std::string& source_url,
                   std::span<const IncomingEntry> entries, std::int64_t fetched_ms, BatchOutcome& outcome);

  // The source's row, created or brought in line with its configured URL,
  // and what feedd remembers about it.
  SourceState prepare_source(const std::string& source_name, const std::string& source_url);
  // The same for several sources in one transaction: a daemon starting with
  // 100,000 sources must not commit (and sync) once per source.
  struct SourceKey {
    std::string name;
    std::string url;
  };
  std::vector<SourceState> prepare_sources(std::span<const SourceKey> sources);

  // Where the schedule stands after a poll (kept across restarts).
  void save_schedule(const std::string& source_name, const std::string& source_url, const SourceSchedule& schedule);
  struct ScheduleUpdate {
    std::string source_name;
    std::string source_url;
    SourceSchedule schedule;
  };
  // Several sources' schedules, in one transaction.
  void save_schedules(std::span<const ScheduleUpdate> updates);

  // A fetch that brought nothing (network, HTTP or parse failure).
  void record_failure(const std::string& source_name, const std::string& source_url, const FetchReport& fetch);

  // A 304: the source answered and nothing changed. Recorded like any poll,
  // so the fetch history shows when a source last answered.
  void record_not_modified(const std::string& source_name, const std::string& source_url, const FetchReport& fetch) {
    record_failure(source_name, source_url, fetch);
  }

  // Writes posts whose rows are marked pending (an earlier write failed,
  // or a crash came before a group's marks were cleared). A post already in
  // place byte for byte is synced and kept, not written again, so that the
  // start-up log counts only posts that were missing or stale. Throws
  // nothing for a single failure.
  struct Repair {
    int written = 0;
    int already_in_place = 0;
  };
  Repair repair_pending_posts();

  // Temporary files left by a crash, removed; returns how many.
  int sweep_temp_files();

  // Deletes the records of polls started before `before_ms`
  // ([storage] fetch_history); returns how many.
  std::int64_t prune_fetch_history(std::int64_t before_ms);

  // The post file for a row, byte for byte. Ingestion, repair, rebuild and
  // reprocess all write through this one function, so a rebuilt post is the
  // post ingestion wrote.
  std::string render(const EntryRow& row);
  // The content a row's post shows, when a stage keeps it apart from the
  // row's (store/media: images pointed at their local copies). render()
  // applies it, so ingestion, repair and rebuild agree. Unset: the row's.
  using ContentView = std::function<std::string(const EntryRow&)>;
  void set_content_view(ContentView view) { content_view_ = std::move(view); }
  // Writes the posts of `rows` (committed, marked pending) and clears the
  // mark of those now in place. Failures are appended to `errors`; their
  // rows stay pending. Returns how many were written.
  int write_posts(std::span<const EntryRow> rows, std::vector<std::string>& errors,
                  std::vector<std::filesystem::path>* written = nullptr);

  // Group commit: every poll of `polls` in one transaction (each in a
  // savepoint of its own, so one poll's failure is its own), then one post
  // batch for all their rows (one sync of the posts folder), so that one
  // WAL commit and one folder sync serve several hundred entries. The marks
  // of the rows whose posts are now in place are not cleared here: the
  // next group's transaction clears them, or clear_deferred_marks(). Until
  // then a crash leaves them pending, and the next start writes those posts
  // again from their rows, in place, byte for byte: nothing is lost, nothing
  // doubled. A poll's outcome (and its rows) counts as stored once this
  // returns without a poll error and without post_errors.
  void ingest_group(std::span<GroupedPoll> polls);
  // The marks ingest_group() left, cleared in a transaction of their own.
  // REQUIRES: called before anything else marks rows pending or reads
  // pending rows (the pipeline's writer does so before every other job).
  void clear_deferred_marks();
  std::size_t deferred_marks() const { return deferred_marks_.size(); }

  Store& store() { return store_; }
  const std::filesystem::path& posts_dir() const { return posts_dir_; }

 private:
  enum class Decision { insert, update, unchanged, older };
  Decision decide(const IncomingEntry& entry, const std::optional<EntryRow>& existing) const;
  EntryRow make_row(const IncomingEntry& entry, std::int64_t source_id, std::int64_t fetched_ms);
  // Inside an open transaction: the rows of `entries` inserted or updated,
  // marked pending; returns them (an entry listed twice, its last version).
  // `stored`, when given, is told of each row as it is stored.
  std::vector<EntryRow> store_rows(std::int64_t source_id, std::span<const IncomingEntry> entries,
                                   std::int64_t fetched_ms, BatchOutcome& outcome,
                                   const std::function<void(const EntryRow&)>& stored = {});
  // ingest() and ingest_part(): the rows of `entries` committed (pending)
  // in one transaction with what `also` adds to it (given the source's id),
  // then their posts written and the marks cleared.
  void store_with_posts(const std::string& source_name, const std::string& source_url,
                        std::span<const IncomingEntry> entries, std::int64_t fetched_ms, BatchOutcome& outcome,
                        const std::function<void(std::int64_t source_id)>& also);
  // The marks of the rows of `staged` ids cleared, and their paths kept in
  // `written` when given, once their posts are in place.
  void posts_in_place(std::span<const EntryRow> rows, const std::vector<std::int64_t>& staged,
                      std::vector<std::filesystem::path>* written);
  std::string choose_post_path(const EntryRow& row);
  // Before an update of the row `shown` to `row` is written: row's title
  // and content kept as a version from `origin` ("feed", or "page" for the
  // full-text stage) at `when_ms`; `row` then shows the version its
  // source's update rule picks. Inside the update's transaction.
  void keep_version(const EntryRow& shown, EntryRow& row, std::string_view origin, std::int64_t when_ms);
  const SourcePresentation& presentation_of(std::int64_t source_id);

  Store store_;
  std::filesystem::path posts_dir_;
  std::map<std::string, SourcePresentation> sources_;
  std::map<std::int64_t, SourcePresentation> fallback_presentations_;
  ContentView content_view_;
  std::vector<std::int64_t> deferred_marks_;  // ingest_group(): posts in place, rows still pending
};

}  // namespace feedd
