#include "store/archive.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store/atomic_file.h"
#include "store/post_file_name.h"
#include "store/post_format.h"
#include "store/stable_hash.h"

namespace feedd {
namespace {

// From this many entries on, posts are written by a thread of their own
// while the rows are stored (BackgroundStaging); a thread is not worth
// starting for a few.
constexpr std::size_t background_staging_from = 16;

// A group commit's posts are staged by another thread from this many on:
// they are written while later polls' rows are stored and committed, a
// few hundred ms of a first pass's writer per group.
constexpr std::size_t group_staging_from = 32;

std::map<std::string, SourcePresentation> by_name(std::vector<SourcePresentation> sources) {
  std::map<std::string, SourcePresentation> map;
  for (auto& source : sources) {
    auto name = source.name;
    map.emplace(std::move(name), std::move(source));
  }
  return map;
}

}  // namespace

Archive::Archive(const std::filesystem::path& database, std::filesystem::path posts_dir,
                 std::vector<SourcePresentation> sources)
    : store_(database), posts_dir_(std::move(posts_dir)), sources_(by_name(std::move(sources))) {
  std::filesystem::create_directories(posts_dir_);
}

void Archive::set_sources(std::vector<SourcePresentation> sources) {
  sources_ = by_name(std::move(sources));
  fallback_presentations_.clear();
}

const SourcePresentation& Archive::presentation_of(std::int64_t source_id) {
  if (auto cached = fallback_presentations_.find(source_id); cached != fallback_presentations_.end()) {
    return cached->second;
  }
  const std::string name = store_.source_name(source_id).value_or("");
  if (auto configured = sources_.find(name); configured != sources_.end()) {
    return fallback_presentations_.emplace(source_id, configured->second).first->second;
  }
  // A source no longer in the config still owns its posts; present it the
  // way the defaults would.
  return fallback_presentations_.emplace(source_id, SourcePresentation{name, {name}, {name}}).first->second;
}

Archive::Decision Archive::decide(const IncomingEntry& entry, const std::optional<EntryRow>& existing) const {
  if (!existing) return Decision::insert;
  // An adopted post is the old script's file: a feed that still carries the
  // article must neither write a second post nor rewrite that one.
  if (existing->imported) return Decision::unchanged;
  // A recovered document may have cut the entry short; the first complete
  // copy replaces it, whatever the timestamps say.
  if (existing->provisional && !entry.provisional) return Decision::update;
  // Without its own timestamp an entry keeps the time feedd first saw it,
  // so seeing it again never changes it.
  if (!entry.timestamp_ms) return Decision::unchanged;
  if (*entry.timestamp_ms == existing->timestamp_ms) return Decision::unchanged;
  return *entry.timestamp_ms > existing->timestamp_ms ? Decision::update : Decision::older;
}

EntryRow Archive::make_row(const IncomingEntry& entry, std::int64_t source_id, std::int64_t fetched_ms) {
  EntryRow row;
  row.identity = entry.identity;
  row.source_id = source_id;
  row.url = entry.url;
  row.guid = entry.guid;
  row.title = entry.title;
  row.author = entry.author;
  row.has_own_timestamp = entry.timestamp_ms.has_value();
  row.timestamp_ms = entry.timestamp_ms.value_or(fetched_ms);
  row.first_seen_ms = fetched_ms;
  // A timestamp in the future (clock skew, scheduled posts) never dates a
  // post after the moment feedd fetched it.
  row.date_ms = std::min(row.timestamp_ms, fetched_ms);
  row.content = entry.content;
  row.raw_item = entry.raw_item;
  row.provisional = entry.provisional;
  row.search_text = entry.search_text;
  return row;
}

std::string Archive::choose_post_path(const EntryRow& row) {
  // A file no row names is someone else's (a post import-posts left out, a
  // hand-written one): a new post never replaces it. No row's post_path is
  // looked up: every row's url_key is url_key_of(its post_path), so a row
  // holding this name holds this key too, and one index probe an entry is
  // enough.
  const auto free = [&](const std::string& name) {
    const auto key = url_key_of(name);
    std::error_code error;
    return !key.empty() && !store_.url_key_taken(key, row.identity) &&
           !std::filesystem::exists(posts_dir_ / name, error);
  };
  auto name = post_file_name(row.date_ms, row.title);
  if (free(name)) return name;
  // Another entry has this name, or one the site would turn into the same
  // URL: the identity's hash tells them apart, the same way on every run.
  for (int digits = 8; digits <= 16; digits += 4) {
    name = post_file_name(row.date_ms, row.title, stable_hash_hex(row.identity, digits));
    if (free(name)) return name;
  }
  throw std::runtime_error(fmt::format("no free post file name for {}", row.identity));
}

void Archive::keep_version(const EntryRow& shown, EntryRow& row, std::string_view origin, std::int64_t when_ms) {
  store_.record_version(row.id, origin, row.title, row.content, when_ms);
  // A copy read from a broken document may be cut short: the complete one
  // replaces it whatever the rule.
  if (shown.provisional) return;
  if (post_follows(presentation_of(row.source_id).update, shown.content, row.content)) return;
  // The post shows one version whole: the title stays with the content.
  row.title = shown.title;
  row.content = shown.content;
}

std::string Archive::render(const EntryRow& row) {
  const auto& source = presentation_of(row.source_id);
  PostFields fields{row.title, row.timestamp_ms, row.date_ms, source.name, row.url, source.tags,
                    source.categories, content_view_ ? content_view_(row) : row.content};
  if (source.removed_notice && row.id != 0) fields.removed_ms = store_.removed_ms(row.id);
  return render_post(fields);
}

namespace {

// A poll's line in the fetch history: how the fetch went and what it brought.
FetchRow fetch_row(std::int64_t source_id, const FetchReport& fetch, const BatchOutcome& outcome) {
  return FetchRow{source_id,
                  fetch.started_ms,
                  fetch.duration_ms,
                  fetch.http_status,
                  fetch.bytes,
                  outcome.new_entries,
                  outcome.updated_entries,
                  outcome.unchanged_entries + outcome.older_ignored,
                  fetch.error};
}

}  // namespace

BatchOutcome Archive::ingest(const std::string& source_name, const std::string& source_url,
                             std::span<const IncomingEntry> entries, std::int64_t fetched_ms,
                             const FetchReport& fetch, const SourceValidators& validators, BatchOutcome earlier_parts) {
  BatchOutcome outcome = std::move(earlier_parts);
  // Rows first, marked pending and committed with the fetch and the
  // validators; then the posts; then the marks cleared. A crash or a failure
  // at any point leaves pending rows that repair_pending_posts() writes from
  // the row, never a post file without its row: a file renamed into place
  // ahead of a commit that never came would stay forever once the entry's
  // title, and with it the file name, changed.
  store_with_posts(source_name, source_url, entries, fetched_ms, outcome, [&](std::int64_t source_id) {
    store_.record_fetch(fetch_row(source_id, fetch, outcome));
    store_.save_validators(source_id, validators);
  });
  return outcome;
}

void Archive::ingest_part(const std::string& source_name, const std::string& source_url,
                          std::span<const IncomingEntry> entries, std::int64_t fetched_ms, BatchOutcome& outcome) {
  // The same order as ingest(): rows committed pending, then posts, then
  // the marks cleared; only the fetch record and the validators wait for
  // the last part.
  store_with_posts(source_name, source_url, entries, fetched_ms, outcome, [](std::int64_t) {});
}

void Archive::store_with_posts(const std::string& source_name, const std::string& source_url,
                               std::span<const IncomingEntry> entries, std::int64_t fetched_ms,
                               BatchOutcome& outcome, const std::function<void(std::int64_t source_id)>& also) {
  auto* written = outcome.skip_written_paths ? nullptr : &outcome.written_paths;
  if (entries.size() < background_staging_from) {
    sqlite::Transaction transaction(store_.database());
    const std::int64_t source_id = store_.source_id(source_name, source_url);
    std::vector<EntryRow> rows = store_rows(source_id, entries, fetched_ms, outcome);
    also(source_id);
    transaction.commit();
    outcome.posts_written += write_posts(rows, outcome.post_errors, written);
    return;
  }
  // Many posts: each is rendered as its row is stored and written to its
  // temporary file by another thread while the rows are still being stored
  // and committed. Nothing is renamed into place before the commit.
  AtomicBatch files(posts_dir_);
  std::set<std::int64_t> failed;
  std::vector<EntryRow> rows;
  {
    BackgroundStaging staging(files);
    {
      sqlite::Transaction transaction(store_.database());
      const std::int64_t source_id = store_.source_id(source_name, source_url);
      rows = store_rows(source_id, entries, fetched_ms, outcome, [&](const EntryRow& row) {
        try {
          staging.stage(row.id, row.post_path, render(row));
        } catch (const std::exception& error) {
          failed.insert(row.id);
          outcome.post_errors.push_back(error.what());
        }
      });
      also(source_id);
      transaction.commit();
    }
    for (auto& failure : staging.finish()) {
      // A row listed twice whose first post was staged and last was not
      // stays pending: the file may hold the earlier version.
      failed.insert(failure.tag);
      outcome.post_errors.push_back(std::move(failure.error));
    }
  }
  std::vector<std::int64_t> staged;
  for (const auto& row : rows) {
    if (!failed.contains(row.id)) staged.push_back(row.id);
  }
  try {
    files.commit();
  } catch (const std::system_error& error) {
    // As in write_posts(): every row stays pending for the next repair.
    outcome.post_errors.insert(outcome.post_errors.end(), staged.size(), error.what());
    return;
  }
  posts_in_place(rows, staged, written);
  outcome.posts_written += static_cast<int>(staged.size());
}

std::vector<EntryRow> Archive::store_rows(std::int64_t source_id, std::span<const IncomingEntry> entries,
                                          std::int64_t fetched_ms, BatchOutcome& outcome,
                                          const std::function<void(const EntryRow&)>& stored) {
  std::map<std::int64_t, EntryRow> changed;  // by id: an entry listed twice, its last version
  for (const auto& entry : entries) {
    if (store_.is_forgotten(entry.identity)) {
      ++outcome.unchanged_entries;
      continue;
    }
    auto existing = store_.find_entry(entry.identity);
    const Decision decision = decide(entry, existing);
    if (decision == Decision::unchanged) ++outcome.unchanged_entries;
    if (decision == Decision::older) ++outcome.older_ignored;
    if (decision == Decision::unchanged || decision == Decision::older) continue;

    EntryRow row = make_row(entry, source_id, fetched_ms);
    if (decision == Decision::update) {
      // The post keeps its file and its owner: a changed title or date must
      // never leave a second copy behind.
      row.id = existing->id;
      row.source_id = existing->source_id;
      row.first_seen_ms = existing->first_seen_ms;
      row.post_path = existing->post_path;
      if (!entry.timestamp_ms) {
        // Replacing a provisional copy: an undated entry keeps the time it
        // was first seen, and so its date.
        row.timestamp_ms = existing->timestamp_ms;
        row.date_ms = existing->date_ms;
      }
      keep_version(*existing, row, "feed", fetched_ms);
      ++outcome.updated_entries;
    } else {
      row.post_path = choose_post_path(row);
      ++outcome.new_entries;
    }

    row.post_pending = true;
    if (decision == Decision::update) {
      store_.update_entry(row);
    } else {
      store_.insert_entry(row);
    }
    if (stored) stored(row);
    const std::int64_t id = row.id;
    changed.insert_or_assign(id, std::move(row));
  }
  std::vector<EntryRow> rows;
  rows.reserve(changed.size());
  for (auto& [id, row] : changed) rows.push_back(std::move(row));
  return rows;
}

int Archive::write_posts(std::span<const EntryRow> rows, std::vector<std::string>& errors,
                         std::vector<std::filesystem::path>* written) {
  AtomicBatch files(posts_dir_);
  std::vector<std::int64_t> staged;
  for (const auto& row : rows) {
    try {
      files.stage(row.post_path, render(row));
      staged.push_back(row.id);
    } catch (const std::system_error& error) {
      errors.push_back(error.what());
    }
  }
  try {
    files.commit();
  } catch (const std::system_error& error) {
    // Files already renamed are complete; their rows stay pending all the
    // same and are written again, from the row, by the next repair.
    errors.insert(errors.end(), staged.size(), error.what());
    return 0;
  }
  posts_in_place(rows, staged, written);
  return static_cast<int>(staged.size());
}

void Archive::posts_in_place(std::span<const EntryRow> rows, const std::vector<std::int64_t>& staged,
                             std::vector<std::filesystem::path>* written) {
  if (staged.empty()) return;
  sqlite::Transaction transaction(store_.database());
  for (const auto id : staged) store_.set_post_pending(id, false);
  transaction.commit();
  if (written != nullptr) {
    const std::set<std::int64_t> in_place(staged.begin(), staged.end());
    for (const auto& row : rows) {
      if (in_place.contains(row.id)) written->push_back(posts_dir_ / row.post_path);
    }
  }
}

void Archive::record_failure(const std::string& source_name, const std::string& source_url,
                             const FetchReport& fetch) {
  sqlite::Transaction transaction(store_.database());
  const std::int64_t source_id = store_.source_id(source_name, source_url);
  store_.record_fetch(fetch_row(source_id, fetch, BatchOutcome{}));
  transaction.commit();
}

SourceState Archive::prepare_source(const std::string& source_name, const std::string& source_url) {
  sqlite::Transaction transaction(store_.database());
  store_.source_id(source_name, source_url);
  auto state = store_.source_state(source_name);
  transaction.commit();
  return state.value();
}

std::vector<SourceState> Archive::prepare_sources(std::span<const SourceKey> sources) {
  std::vector<SourceState> states;
  states.reserve(sources.size());
  sqlite::Transaction transaction(store_.database());
  for (const auto& source : sources) {
    store_.source_id(source.name, source.url);
    states.push_back(store_.source_state(source.name).value());
  }
  transaction.commit();
  return states;
}

void Archive::save_schedule(const std::string& source_name, const std::string& source_url,
                            const SourceSchedule& schedule) {
  sqlite::Transaction transaction(store_.database());
  store_.save_schedule(store_.source_id(source_name, source_url), schedule);
  transaction.commit();
}

void Archive::save_schedules(std::span<const ScheduleUpdate> updates) {
  if (updates.empty()) return;
  sqlite::Transaction transaction(store_.database());
  for (const auto& update : updates) {
    store_.save_schedule(store_.source_id(update.source_name, update.source_url), update.schedule);
  }
  transaction.commit();
}

Archive::Repair Archive::repair_pending_posts() {
  Repair repair;
  std::vector<EntryRow> owed;
  std::vector<EntryRow> in_place;
  for (auto& row : store_.entries_with_pending_posts()) {
    (synced_if_same(posts_dir_, row.post_path, render(row)) ? in_place : owed).push_back(std::move(row));
  }
  // One sync of the folder for every post found in place; if it fails,
  // they are written again like the others.
  if (!in_place.empty() && !sync_folder(posts_dir_)) {
    std::move(in_place.begin(), in_place.end(), std::back_inserter(owed));
    in_place.clear();
  }
  std::vector<std::int64_t> ids;
  for (const auto& row : in_place) ids.push_back(row.id);
  posts_in_place(in_place, ids, nullptr);
  repair.already_in_place = static_cast<int>(ids.size());
  if (owed.empty()) return repair;
  std::vector<std::string> still_failing;  // those rows stay pending for the next attempt
  repair.written = write_posts(owed, still_failing);
  return repair;
}

int Archive::sweep_temp_files() { return remove_stale_temp_files(posts_dir_); }

std::int64_t Archive::prune_fetch_history(std::int64_t before_ms) {
  // Ids grow with time, so old records come first: windows of ids from the
  // start, until one ends with a record young enough to keep. A record from
  // a clock that ran ahead is not deleted early, and stops the walk only if
  // it happens to end a window (the next walk's windows fall elsewhere).
  constexpr int window_rows = 10'000;
  std::int64_t pruned = 0;
  for (std::int64_t after_id = 0;;) {
    sqlite::Transaction transaction(store_.database());
    const auto window = store_.prune_fetches(after_id, before_ms, window_rows);
    transaction.commit();
    pruned += window.deleted;
    if (window.last_id == 0 || window.last_is_young) return pruned;
    after_id = window.last_id;
  }
}

// Group commit: several polls' rows in one transaction and their posts in
// one batch (Archive::ingest_group, see archive.h).
namespace {

// A savepoint per poll: a poll that fails half-way (a constraint, a full
// disk) takes back only its own changes, and the group goes on.
class PollSavepoint {
 public:
  explicit PollSavepoint(sqlite::Database& db) : db_(db) { db_.execute("SAVEPOINT grouped_poll"); }
  ~PollSavepoint() {
    if (released_) return;
    try {
      db_.execute("ROLLBACK TO grouped_poll");
      db_.execute("RELEASE grouped_poll");
    } catch (...) {
      // The transaction itself is gone; its commit will fail and say so.
    }
  }
  PollSavepoint(const PollSavepoint&) = delete;
  PollSavepoint& operator=(const PollSavepoint&) = delete;
  void release() {
    db_.execute("RELEASE grouped_poll");
    released_ = true;
  }

 private:
  sqlite::Database& db_;
  bool released_ = false;
};

}  // namespace

void Archive::clear_deferred_marks() {
  if (deferred_marks_.empty()) return;
  // Forgotten even when the commit fails: the rows then stay pending (safe,
  // the next repair writes their posts again), and a later clearing must
  // never undo a mark something else set meanwhile.
  const auto marks = std::move(deferred_marks_);
  deferred_marks_.clear();
  sqlite::Transaction transaction(store_.database());
  for (const auto id : marks) store_.set_post_pending(id, false);
  transaction.commit();
}

void Archive::ingest_group(std::span<GroupedPoll> polls) {
  // Rows of each poll stored in the transaction, in poll order.
  std::vector<std::vector<EntryRow>> rows(polls.size());
  // One batch of posts for every poll's rows, in poll order: an entry two
  // polls of the group changed is staged twice, and the later bytes win.
  // A poll's posts are rendered once its savepoint is released (its rows
  // are then the transaction's) and written to temporary files by another
  // thread while the next polls' rows are stored and the transaction
  // commits; nothing is renamed into place before the commit. Each row's
  // text is let go once its post is rendered.
  AtomicBatch files(posts_dir_);
  std::set<std::int64_t> failed;
  std::vector<std::pair<std::size_t, std::int64_t>> staged_rows;  // by staging tag: poll, row id
  {
    BackgroundStaging staging(files, group_staging_from);
    try {
      sqlite::Transaction transaction(store_.database());
      // Before any row of this group is marked pending again: the previous
      // group's posts are in place.
      for (const auto id : deferred_marks_) store_.set_post_pending(id, false);
      for (std::size_t i = 0; i < polls.size(); ++i) {
        GroupedPoll& poll = polls[i];
        // A group of one poll needs no savepoint: its failure rolls the
        // whole transaction back, which takes nothing else with it (the last
        // group's marks stay deferred). Without one SQLite journals a page
        // for the statement that changes it only, not for the whole poll:
        // 30 instead of 35 sub-journal writes an entry into a store of
        // 1,000,000 rows. (The rest: each insert's own statement journal,
        // a file in /var/tmp once one statement passed 64 KiB;
        // BENCHMARKS.md, target 4.)
        std::optional<PollSavepoint> savepoint;
        try {
          if (polls.size() > 1) savepoint.emplace(store_.database());
          const std::int64_t source_id = store_.source_id(poll.source_name, poll.source_url);
          const bool brought_entries = poll.kind == GroupedPoll::Kind::entries;
          if (brought_entries) {
            rows[i] = store_rows(source_id, poll.entries, poll.fetched_ms, poll.outcome);
            // Stored; a post does not show it, and a group holds many rows.
            for (auto& row : rows[i]) std::string().swap(row.raw_item);
          }
          // A 304's or a failure's outcome counts nothing.
          store_.record_fetch(fetch_row(source_id, poll.fetch, poll.outcome));
          if (brought_entries) store_.save_validators(source_id, poll.validators);
          if (savepoint) savepoint->release();
        } catch (const std::exception& error) {
          poll.error = error.what();
          rows[i].clear();
          if (!savepoint) throw;
          // Some errors (a full disk, an I/O error, a trigger's ROLLBACK) end
          // the whole transaction, not only this poll's savepoint: the polls
          // before it lost their rows too, the next would store theirs
          // outside any transaction, and the commit would only say that none
          // is active. So every poll of the group fails, naming the cause.
          if (sqlite3_get_autocommit(store_.database().handle()) != 0) {
            throw std::runtime_error(fmt::format("the group's transaction was rolled back when source {}'s rows failed: {}",
                                                 poll.source_name, error.what()));
          }
          continue;
        }
        for (auto& row : rows[i]) {
          try {
            staging.stage(static_cast<std::int64_t>(staged_rows.size()), row.post_path, render(row));
            staged_rows.emplace_back(i, row.id);
          } catch (const std::exception& error) {
            failed.insert(row.id);
            poll.outcome.post_errors.push_back(error.what());
          }
          std::string().swap(row.content);
        }
      }
      transaction.commit();
      deferred_marks_.clear();
    } catch (const std::exception& error) {
      // Nothing of the group is stored (the marks left by the last group stay
      // deferred: their rows are still pending, which is safe), and no post
      // staged for it is renamed into place (`files` removes them).
      for (auto& poll : polls) {
        if (poll.error.empty()) poll.error = error.what();
      }
      return;
    }
    for (auto& failure : staging.finish()) {
      const auto& [poll, id] = staged_rows[static_cast<std::size_t>(failure.tag)];
      failed.insert(id);
      polls[poll].outcome.post_errors.push_back(std::move(failure.error));
    }
  }
  try {
    files.commit();
  } catch (const std::system_error& error) {
    // As in write_posts(): every row stays pending for the next repair.
    for (std::size_t i = 0; i < polls.size(); ++i) {
      for (const auto& row : rows[i]) {
        if (!failed.contains(row.id)) polls[i].outcome.post_errors.push_back(error.what());
      }
    }
    return;
  }
  for (std::size_t i = 0; i < polls.size(); ++i) {
    BatchOutcome& outcome = polls[i].outcome;
    for (const auto& row : rows[i]) {
      if (failed.contains(row.id)) continue;
      deferred_marks_.push_back(row.id);
      ++outcome.posts_written;
      if (!outcome.skip_written_paths) outcome.written_paths.push_back(posts_dir_ / row.post_path);
    }
  }
}

}  // namespace feedd
