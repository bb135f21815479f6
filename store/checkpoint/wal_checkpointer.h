// The writer's WAL copied back into the database by a thread of its own.
//
// SQLite checkpoints on the connection that commits: once the WAL holds
// wal_autocheckpoint frames (1,000), the commit that crossed it reads them
// back, writes them into the database file and syncs both files before it
// returns. With 1,000,000 entries stored that was about a sixth of the
// pipeline writer's CPU and a third of its time in device flushes
// (BENCHMARKS.md, "Store: ingest with 1,000,000 entries stored"). Here the
// writer's commit only wakes another thread once that many frames wait
// beyond those already copied, and the thread's own connection runs a
// PASSIVE checkpoint while the writer goes on committing: SQLite lets one
// checkpoint run beside a writer and copies only committed frames, so what
// a commit makes durable (the WAL's sync, synchronous = FULL) is unchanged,
// and the WAL is restarted only after the database file is synced, as
// before.
//
// Falls back to checkpointing on the writer's connection, as SQLite does by
// itself, when the thread's connection cannot be opened or a checkpoint
// fails, and when the WAL grows to `inline_after` times the threshold
// while the thread is still at its last wake (it falls behind): the WAL
// stays bounded either way.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "store/sqlite.h"

namespace feedd {

class WalCheckpointer {
 public:
  // Takes over the automatic checkpoints of `writer` (its wal_autocheckpoint
  // threshold, none if that is 0 or the database is in memory).
  // REQUIRES: `writer` outlives this object; constructed and destroyed while
  // no statement of `writer` runs (before its thread starts writing, after
  // it stops).
  explicit WalCheckpointer(sqlite::Database& writer);
  // Waits for a checkpoint under way; `writer` checkpoints for itself again.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints the thread ran (for tests).
  int checkpoints_done() const;

  static constexpr int inline_after = 8;

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);
  int committed(sqlite3* db, const char* name, int frames);
  void run();

  sqlite::Database& writer_;
  const int threshold_;  // frames; 0: nothing taken over
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;      // woken, not started yet
  bool running_ = false;  // copying
  bool stopping_ = false;
  bool failed_ = false;  // the thread gave up: the writer checkpoints inline
  // Frames of the WAL already in the database file, as the last checkpoint
  // said: the writer wakes the thread once `threshold_` more are waiting,
  // not at every commit while the WAL keeps its size.
  int backfilled_ = 0;
  int done_ = 0;
  std::thread thread_;  // last: started once everything it uses is ready
};

}  // namespace feedd
