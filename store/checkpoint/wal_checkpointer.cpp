#include "store/checkpoint/wal_checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <exception>
#include <memory>

namespace feedd {
namespace {

int autocheckpoint_of(sqlite::Database& db) {
  const auto& path = db.path();
  // Another connection to an in-memory database would see another database.
  if (path.empty() || path == ":memory:") return 0;
  auto query = db.prepare("PRAGMA wal_autocheckpoint");
  return query.step() ? static_cast<int>(query.column_int(0)) : 0;
}

}  // namespace

WalCheckpointer::WalCheckpointer(sqlite::Database& writer)
    : writer_(writer), threshold_(autocheckpoint_of(writer)) {
  if (threshold_ <= 0) return;
  thread_ = std::thread([this] { run(); });
  // Replaces SQLite's own hook, the one that checkpoints inline.
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  if (threshold_ <= 0) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_wal_autocheckpoint(writer_.handle(), threshold_);
}

int WalCheckpointer::checkpoints_done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* name, int frames) {
  return static_cast<WalCheckpointer*>(self)->committed(db, name, frames);
}

// On the writer's thread, inside its commit, which has succeeded: what this
// returns is not the commit's result, so a failed inline checkpoint is not
// reported (SQLite's own hook ignores it the same way).
int WalCheckpointer::committed(sqlite3* db, const char* name, int frames) {
  if (frames < threshold_) return SQLITE_OK;
  bool inline_checkpoint = false;
  {
    std::lock_guard lock(mutex_);
    // The WAL was restarted since the last checkpoint: all of it is new.
    if (frames < backfilled_) backfilled_ = 0;
    // Past the bound the writer copies for itself only while the thread has
    // not got to its last wake yet: one group of 1,000 entries commits more
    // than the bound's frames at once, and an idle thread copies them as
    // well as the writer would, off its critical path (13% of main's writer
    // CPU in a round of 10 x 1,000 entries into a store of 1,000,000 rows).
    inline_checkpoint = failed_ || ((due_ || running_) && frames >= threshold_ * inline_after);
    // A checkpoint of a few frames would cost two device flushes all the same.
    if (!inline_checkpoint && frames - backfilled_ < threshold_) return SQLITE_OK;
    if (!inline_checkpoint) due_ = true;
  }
  if (inline_checkpoint) {
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else {
    wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  pthread_setname_np(pthread_self(), "feedd-wal");
  std::unique_ptr<sqlite::Database> own;
  try {
    own = std::make_unique<sqlite::Database>(writer_.path());
    // A checkpoint syncs the database file before the WAL may be reused;
    // the same setting as the writer's (store.cpp), never less.
    own->execute("PRAGMA synchronous = FULL");
  } catch (const std::exception&) {
    std::lock_guard lock(mutex_);
    failed_ = true;
    return;
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    running_ = true;
    lock.unlock();
    // PASSIVE: copies what it can without waiting for readers or the
    // writer; SQLITE_BUSY only means another checkpoint is running.
    int copied = 0;
    const int code = sqlite3_wal_checkpoint_v2(own->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied);
    lock.lock();
    running_ = false;
    if (code == SQLITE_OK) {
      ++done_;
      backfilled_ = copied;
    } else if (code != SQLITE_BUSY) {
      failed_ = true;
      return;
    }
  }
}

}  // namespace feedd
