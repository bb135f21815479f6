// Archive::ingest_group: group commit, several polls' rows in one
// transaction and their posts in one batch (see archive.h).
#include <set>
#include <system_error>

#include "store/archive.h"
#include "store/atomic_file.h"

namespace feedd {
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
  try {
    sqlite::Transaction transaction(store_.database());
    // Before any row of this group is marked pending again: the previous
    // group's posts are in place.
    for (const auto id : deferred_marks_) store_.set_post_pending(id, false);
    for (std::size_t i = 0; i < polls.size(); ++i) {
      GroupedPoll& poll = polls[i];
      try {
        PollSavepoint savepoint(store_.database());
        const std::int64_t source_id = store_.source_id(poll.source_name, poll.source_url);
        const FetchReport& fetch = poll.fetch;
        if (poll.kind == GroupedPoll::Kind::entries) {
          rows[i] = store_rows(source_id, poll.entries, poll.fetched_ms, poll.outcome);
          const BatchOutcome& outcome = poll.outcome;
          store_.record_fetch(FetchRow{source_id, fetch.started_ms, fetch.duration_ms, fetch.http_status, fetch.bytes,
                                       outcome.new_entries, outcome.updated_entries,
                                       outcome.unchanged_entries + outcome.older_ignored, fetch.error});
          store_.save_validators(source_id, poll.validators);
        } else {
          store_.record_fetch(FetchRow{source_id, fetch.started_ms, fetch.duration_ms, fetch.http_status,
                                       fetch.bytes, 0, 0, 0, fetch.error});
        }
        savepoint.release();
      } catch (const std::exception& error) {
        poll.error = error.what();
        rows[i].clear();
      }
    }
    transaction.commit();
    deferred_marks_.clear();
  } catch (const std::exception& error) {
    // Nothing of the group is stored (the marks left by the last group stay
    // deferred: their rows are still pending, which is safe).
    for (auto& poll : polls) {
      if (poll.error.empty()) poll.error = error.what();
    }
    return;
  }

  // One batch of posts for every poll's rows, in poll order: an entry two
  // polls of the group changed is staged twice, and the later bytes win.
  AtomicBatch files(posts_dir_);
  std::set<std::int64_t> failed;
  std::map<std::int64_t, std::size_t> poll_of_row;  // for a failure's report
  {
    BackgroundStaging staging(files);
    for (std::size_t i = 0; i < polls.size(); ++i) {
      for (const auto& row : rows[i]) {
        poll_of_row[row.id] = i;
        try {
          staging.stage(row.id, row.post_path, render(row));
        } catch (const std::exception& error) {
          failed.insert(row.id);
          polls[i].outcome.post_errors.push_back(error.what());
        }
      }
    }
    for (auto& failure : staging.finish()) {
      failed.insert(failure.tag);
      polls[poll_of_row[failure.tag]].outcome.post_errors.push_back(std::move(failure.error));
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
