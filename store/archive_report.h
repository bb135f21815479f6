// Read-only views of the store for people and scripts: per-source health,
// totals and daily counts, the posts rows point to, and integrity checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.h"
#include "store/store.h"

namespace feedd {

// A sources row with what it has stored.
struct SourceRecord : SourceState {
  std::int64_t entries = 0;  // rows it delivered first
  std::int64_t posts = 0;    // of those, rows whose post is written
};

// Every source row, by name.
std::vector<SourceRecord> source_records(sqlite::Database& db);

// Rows in the store, of one source when `source_id` is given.
std::int64_t entry_count(sqlite::Database& db, std::optional<std::int64_t> source_id = std::nullopt);

struct StoreTotals {
  std::int64_t sources = 0;
  std::int64_t entries = 0;
  std::int64_t posts_pending = 0;
  std::int64_t search_backlog = 0;  // entries not in the search indexes yet
  std::int64_t fetches = 0;
  std::int64_t failed_fetches = 0;
  std::optional<std::int64_t> oldest_post_ms;  // by post date
  std::optional<std::int64_t> newest_post_ms;
};

StoreTotals store_totals(sqlite::Database& db);

struct DayCount {
  std::int64_t day_start_ms = 0;  // 00:00 UTC
  std::int64_t entries = 0;
};

inline constexpr std::int64_t day_ms = 86'400'000;

// Entries by the UTC day of their post date, for `days` days ending with the
// day of `now_ms`; oldest first, days without entries included.
std::vector<DayCount> entries_per_day(sqlite::Database& db, std::int64_t now_ms, int days);

// The post file a row points to, without the row's content.
struct PostRef {
  std::int64_t id = 0;
  std::int64_t source_id = 0;
  std::string title;
  std::string post_path;
  bool pending = false;
};

std::vector<PostRef> post_refs(sqlite::Database& db);

// What PRAGMA integrity_check and the search indexes' own checks find; empty
// when all is well.
std::vector<std::string> integrity_problems(sqlite::Database& db);

}  // namespace feedd
