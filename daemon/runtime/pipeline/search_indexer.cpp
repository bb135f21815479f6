#include "daemon/runtime/pipeline/search_indexer.h"

#include <pthread.h>

#include <exception>
#include <utility>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace feedd {
namespace {

// Rows per batch: about 25 ms of the indexer's CPU and a few MiB of lists
// (a gram-row pair costs 12 bytes while the run is made); the writer spends
// a fraction of that writing them.
constexpr int rows_per_batch = 256;

}  // namespace

SearchIndexer::SearchIndexer(Store& store, ToWriter to_writer)
    : store_(store), to_writer_(std::move(to_writer)), database_(store.database().path()) {
  // Another connection to an in-memory database would see another database.
  if (database_.empty() || database_ == ":memory:") disabled_ = true;
  boost::asio::post(thread_, [] { pthread_setname_np(pthread_self(), "feedd-index"); });
}

SearchIndexer::~SearchIndexer() { stop(); }

void SearchIndexer::stop() {
  stopping_ = true;
  thread_.join();
}

void SearchIndexer::rows_stored() {
  if (disabled_ || stopping_ || busy_.exchange(true)) return;
  boost::asio::post(thread_, [this] { turn(); });
}

void SearchIndexer::turn() {
  if (stopping_) {
    busy_ = false;
    return;
  }
  std::shared_ptr<postings::PreparedRun> run;
  try {
    if (!reader_) {
      reader_ = std::make_unique<sqlite::Database>(database_);
      // It reads each row once, in order: a page cache would only hold memory.
      reader_->execute("PRAGMA cache_size = -256");
    }
    // A run of fewer rows costs the writer nearly as much (its commit, a
    // share of the merges): wait for a whole batch. The few rows waiting
    // meanwhile go to the writer's own batches when it is idle (the empty
    // job gives it the turn it would otherwise have left to this run) or to
    // `once`'s catch-up.
    if (Store::search_backlog_after(*reader_, after_id_) < rows_per_batch) {
      busy_ = false;
      to_writer_([] {});
      return;
    }
    run = std::make_shared<postings::PreparedRun>(Store::prepare_search_run(*reader_, after_id_, rows_per_batch));
  } catch (const std::exception& error) {
    // The writer's idle-time indexing and `once`'s catch-up still index
    // every row; this is only a head start.
    spdlog::debug("search index: reading ahead of the writer stopped: {}", error.what());
    disabled_ = true;
    busy_ = false;
    return;
  }
  if (run->ids.empty()) {
    busy_ = false;
    return;
  }
  after_id_ = run->last_id();
  {
    const std::lock_guard lock(ready_mutex_);
    ready_ = std::move(run);
  }
  to_writer_([this] { write_ready_run(); });
}

void SearchIndexer::write_ready_run() {
  std::shared_ptr<postings::PreparedRun> run;
  {
    const std::lock_guard lock(ready_mutex_);
    run = std::move(ready_);
  }
  if (!run) return;  // written already, by the job or before a group
  try {
    const int written = store_.write_search_run(*run);
    spdlog::debug("search index: run of {} rows up to id {} {}", run->ids.size(), run->last_id(),
                  written > 0 ? "written" : "stale, left to the writer's own batches");
  } catch (const std::exception& error) {
    spdlog::warn("search index: {}; will retry", error.what());
  }
  run.reset();  // the chunks can be large: freed here, not when the job is
  if (stopping_) {
    busy_ = false;
    return;
  }
  boost::asio::post(thread_, [this] { turn(); });
}

}  // namespace feedd
