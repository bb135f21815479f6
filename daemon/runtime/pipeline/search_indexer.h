// Indexes stored rows for search while polls are still running, on a thread
// of its own with a connection of its own, so that a busy writer (a first
// pass stores every entry) is not left with the whole index after the last
// poll. The thread reads a batch of unindexed rows, builds their posting
// lists and packs them into chunks (most of indexing's CPU); the writer only
// checks the rows and inserts the chunks (Store::write_search_run), between
// two polls' stores. One batch is in flight at a time; a batch the writer
// finds stale is dropped and its rows left to the writer's idle-time
// indexing or `once`'s catch-up. A ready run is handed to the writer as a
// job of its own and is also written by write_ready_run() at the start of
// the writer's next group, whichever comes first: on a busy pass the job
// waited behind every poll queued before it, and most rows were left for
// the catch-up after the pass (BENCHMARKS.md).
//
// Threads: rows_stored() and write_ready_run() on the writer thread; the
// rest is internal.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include <boost/asio/thread_pool.hpp>

#include "store/sqlite.h"
#include "store/store.h"

namespace feedd {

class SearchIndexer {
 public:
  using ToWriter = std::function<void(std::function<void()>)>;
  // `store` is the writer's (used only in jobs given to `to_writer`).
  SearchIndexer(Store& store, ToWriter to_writer);
  ~SearchIndexer();
  SearchIndexer(const SearchIndexer&) = delete;
  SearchIndexer& operator=(const SearchIndexer&) = delete;

  // On the writer thread, after rows were stored: starts a turn unless one
  // is running.
  void rows_stored();
  // On the writer thread: writes the run waiting for it, if there is one.
  void write_ready_run();
  // A batch is being read or waits for the writer: the writer's own idle
  // indexing would only make it stale.
  bool busy() const { return busy_; }
  // No new batch; waits for the one being read. Jobs already given to the
  // writer still run (they only touch the store).
  void stop();

 private:
  void turn();  // on the indexer's thread

  Store& store_;
  ToWriter to_writer_;
  std::filesystem::path database_;
  std::unique_ptr<sqlite::Database> reader_;  // the indexer thread's
  std::int64_t after_id_ = 0;                 // the indexer thread's
  std::atomic<bool> busy_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> disabled_{false};  // a reader could not be used: the writer indexes alone
  std::mutex ready_mutex_;
  std::shared_ptr<postings::PreparedRun> ready_;  // read and built, not written yet
  boost::asio::thread_pool thread_{1};
};

}  // namespace feedd
