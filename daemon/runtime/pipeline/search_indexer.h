// Indexes stored rows for search while polls are still running, on a thread
// of its own with a connection of its own, so that a busy writer (a first
// pass stores every entry) is not left with the whole index after the last
// poll. The thread reads a batch of unindexed rows and builds their posting
// lists (most of indexing's CPU); the writer only checks the rows and writes
// the run (Store::write_search_run), between two polls' stores. Two batches
// are in flight at most (one waiting for the writer, the next being read);
// a batch the writer finds stale is dropped and its rows left to the
// writer's idle-time indexing or `once`'s catch-up.
//
// Threads: rows_stored() on the writer thread; the rest is internal.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

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
  std::atomic<int> in_flight_{0};  // runs given to the writer, not yet written
  std::atomic<bool> stopping_{false};
  std::atomic<bool> disabled_{false};  // a reader could not be used: the writer indexes alone
  boost::asio::thread_pool thread_{1};
};

}  // namespace feedd
