// The store's side of removal watching (tables `watched`, `removals` and
// `watch_cursor`, made by store/store.cpp's migration 8 -> 9). Called on the
// pipeline's writer thread (or by a command holding the store).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/runtime/watch/removal_evidence.h"
#include "store/archive.h"
#include "store/sqlite.h"

namespace feedd::watch {

// What a source asks for, by source name (config::Source's effective values).
struct SourcePolicy {
  std::optional<std::int64_t> watch_ms;  // unset: not rechecked
  bool archive_org = false;
};

struct Enrolment {
  int watched = 0;  // entries given a recheck schedule
  int queued = 0;   // entries queued for Save Page Now
};

// Every entry stored since the last call (an id above the cursor; never an
// imported one) gets its recheck schedule when its source watches and it was
// first seen less than `watch` ago, and its URL queued for Save Page Now when
// its source has archive_org. Moves the cursor past them in the same
// transaction, so each entry is considered exactly once.
Enrolment enrol_new_entries(sqlite::Database& db, const std::map<std::string, SourcePolicy>& policies,
                            std::int64_t now_ms);

struct DueCheck {
  std::int64_t entry_id = 0;
  std::string source_name;
  std::string url;
  std::int64_t first_seen_ms = 0;
  std::int64_t until_ms = 0;
  int checks_done = 0;
  std::int64_t baseline_chars = 0;
};

// Up to `limit` entries whose next recheck is at or before `now_ms`, the
// most overdue first.
std::vector<DueCheck> due_rechecks(sqlite::Database& db, std::int64_t now_ms, int limit);

// The earliest recheck still to come; nullopt when none is.
std::optional<std::int64_t> next_recheck_ms(sqlite::Database& db);

// Records one check's outcome and schedules the next (none after a
// removal). Returns true when this check found a removal.
bool record_check(sqlite::Database& db, const DueCheck& check, const Verdict& verdict, std::int64_t now_ms);

// The entry's source no longer watches (config changed): no more checks.
void stop_watching(sqlite::Database& db, std::int64_t entry_id);

// After a poll of `source` brought its whole feed: each watched entry of it
// that is missing from `feed` while an entry older than it is still there
// (so it did not just scroll off the end) is noted as removed with strength
// "feed", a weaker signal than the page's; its rechecks go on, and a page
// verdict later replaces the note. Returns the entries newly noted.
std::vector<std::string> note_dropped_from_feed(sqlite::Database& db, const std::string& source,
                                                const std::vector<IncomingEntry>& feed, std::int64_t now_ms);

struct RemovedEntry {
  std::int64_t entry_id = 0;
  std::int64_t removed_ms = 0;
  std::string strength;  // "page": the page's evidence; "feed": it only dropped out of its feed
  std::string source;
  std::string url;
  std::string title;
  std::string post_path;
  std::string evidence;
  long http_status = 0;
  std::string final_url;
  std::int64_t chars_before = 0;
  std::int64_t chars_after = 0;
};

// Removals noticed at or after `since_ms` (every one without it), newest first.
std::vector<RemovedEntry> removed_entries(sqlite::Database& db, std::optional<std::int64_t> since_ms);

}  // namespace feedd::watch
