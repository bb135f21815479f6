// What `feedd run` counts, in the Prometheus text exposition format. Updated
// and read on the io_context's thread only, so it needs no locks.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/runtime/pipeline/ingest.h"

namespace feedd {

class Metrics {
 public:
  explicit Metrics(std::int64_t started_ms) : started_ms_(started_ms) {}

  void record(const PollReport& report);
  void set_source_state(const std::string& source, const std::string& state);
  void forget_source(const std::string& source);
  // Drops every source not in `names` (removed by a reload).
  void keep_sources(const std::vector<std::string>& names);
  // What the store remembers of a source, for gauges that are right from the
  // first scrape after a restart; a poll already reported takes precedence.
  void seed_source(const std::string& source, const std::string& state, std::optional<std::int64_t> last_success_ms);

  // Removal watching and Wayback copies (daemon/runtime/watch): rechecks by
  // outcome added, and the Save Page Now totals since start.
  void record_rechecks(int alive, int removed, int retry);
  void set_wayback(std::uint64_t saved, std::uint64_t retried, std::uint64_t dropped);
  // Per-source series are written while at most `limit` sources are known
  // ([http] source_series); above it only totals and the oldest success.
  void set_source_series(std::size_t limit) { source_series_ = limit; }

  // The whole /metrics page.
  std::string render() const;

 private:
  static constexpr std::array<double, 10> duration_buckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  std::int64_t started_ms_;
  std::map<std::string, std::uint64_t> fetches_by_result_;
  std::uint64_t entries_new_ = 0;
  std::uint64_t entries_updated_ = 0;
  std::uint64_t posts_written_ = 0;
  std::uint64_t full_text_articles_ = 0;
  std::uint64_t full_text_failures_ = 0;
  std::uint64_t media_files_ = 0;
  std::uint64_t media_failures_ = 0;
  std::uint64_t media_bytes_ = 0;
  std::uint64_t parse_errors_ = 0;
  std::uint64_t recovered_feeds_ = 0;
  std::uint64_t rechecks_alive_ = 0;
  std::uint64_t rechecks_retry_ = 0;
  std::uint64_t removals_ = 0;
  std::uint64_t wayback_saved_ = 0;
  std::uint64_t wayback_retried_ = 0;
  std::uint64_t wayback_dropped_ = 0;
  std::array<std::uint64_t, duration_buckets.size()> duration_counts_{};
  std::uint64_t duration_count_ = 0;
  double duration_sum_seconds_ = 0;
  std::map<std::string, std::string> source_state_;
  std::map<std::string, std::int64_t> last_success_ms_;
  std::size_t source_series_ = 1000;
};

// `result` label of a poll: ok, not_modified, http_error, network_error,
// parse_error, store_error.
std::string poll_result(const PollReport& report);

}  // namespace feedd
