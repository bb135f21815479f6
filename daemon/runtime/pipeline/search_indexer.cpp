#include "daemon/runtime/pipeline/search_indexer.h"

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

// Runs read ahead of the writer: while one waits for the writer (behind a
// group's store, a few hundred ms in a first pass), the next is read, so
// the indexer keeps up with a pass instead of leaving most of it to `once`'s
// catch-up. Each run holds its lists until written (a few MiB).
constexpr int runs_ahead = 2;

}  // namespace

SearchIndexer::SearchIndexer(Store& store, ToWriter to_writer)
    : store_(store), to_writer_(std::move(to_writer)), database_(store.database().path()) {
  // Another connection to an in-memory database would see another database.
  if (database_.empty() || database_ == ":memory:") disabled_ = true;
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
  // The writer's job for a run in flight starts the next turn.
  if (in_flight_ >= runs_ahead) return;
  std::shared_ptr<postings::PreparedRun> run;
  try {
    if (!reader_) {
      reader_ = std::make_unique<sqlite::Database>(database_);
      // It reads each row once, in order: a page cache would only hold memory.
      reader_->execute("PRAGMA cache_size = -256");
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
    // A run still waiting for the writer starts another turn when written.
    if (in_flight_ == 0) busy_ = false;
    return;
  }
  after_id_ = run->last_id();
  ++in_flight_;
  to_writer_([this, run]() mutable {
    try {
      store_.write_search_run(*run);
    } catch (const std::exception& error) {
      spdlog::warn("search index: {}; will retry", error.what());
    }
    run.reset();  // the lists can be large: freed here, not when the job is
    --in_flight_;
    if (stopping_) {
      busy_ = false;
      return;
    }
    boost::asio::post(thread_, [this] { turn(); });
  });
  if (in_flight_ < runs_ahead) boost::asio::post(thread_, [this] { turn(); });
}

}  // namespace feedd
