// The store's side of Wayback copies (tables `wayback_queue` and
// `wayback_snapshots`, migration 8 -> 9): entries waiting for Save Page Now,
// and the snapshot each one got. The queue lives in the store so that a
// restart loses nothing; watch_tables.h's enrolment fills it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/sqlite.h"

namespace feedd::watch {

struct WaybackJob {
  std::int64_t entry_id = 0;
  std::string url;
  int tries = 0;  // failed tries so far
};

// The queued entry due first, if it is due at `now_ms`.
std::optional<WaybackJob> next_wayback_job(sqlite::Database& db, std::int64_t now_ms);
// When the next queued entry comes due; nullopt when the queue is empty.
std::optional<std::int64_t> next_wayback_ms(sqlite::Database& db);

// Saved: off the queue, its snapshot (may be "" when the answer named none)
// recorded.
void record_snapshot(sqlite::Database& db, std::int64_t entry_id, const std::string& snapshot_url, std::int64_t now_ms);
// Failed for now: tried again at `next_try_ms`.
void retry_wayback(sqlite::Database& db, std::int64_t entry_id, std::int64_t next_try_ms, const std::string& error);
// Failed for good (refused, or too many tries): off the queue.
void drop_wayback(sqlite::Database& db, std::int64_t entry_id);

// The Wayback Machine copy recorded for an entry (`feedd removed`, `feedd
// history`); nullopt when none was made or it named no URL.
std::optional<std::string> snapshot_of(sqlite::Database& db, std::int64_t entry_id);

}  // namespace feedd::watch
