#include "daemon/runtime/watch/recheck_schedule.h"

#include <array>

namespace feedd::watch {
namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::array<std::int64_t, 5> steps_ms = {hour_ms, 6 * hour_ms, 24 * hour_ms, 72 * hour_ms, 168 * hour_ms};

// A stable spread in [0, span): splitmix64 of the id and the step.
std::int64_t jitter(std::int64_t entry_id, int step, std::int64_t span) {
  if (span <= 0) return 0;
  std::uint64_t x = static_cast<std::uint64_t>(entry_id) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(step);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<std::int64_t>(x % static_cast<std::uint64_t>(span));
}

}  // namespace

std::optional<std::int64_t> recheck_time(std::int64_t entry_id, std::int64_t first_seen_ms, std::int64_t until_ms,
                                         int checks_done) {
  const std::int64_t window = until_ms - first_seen_ms;
  int index = 0;
  for (const std::int64_t step : steps_ms) {
    if (step >= window) break;
    if (index == checks_done) return first_seen_ms + step + jitter(entry_id, index, step / 10);
    ++index;
  }
  // The window's end closes the schedule (7d: the last step is the end).
  if (index == checks_done && window > 0) return until_ms + jitter(entry_id, index, window / 10);
  return std::nullopt;
}

std::optional<std::int64_t> retry_time(std::int64_t entry_id, std::int64_t now_ms, std::int64_t until_ms) {
  if (now_ms > until_ms + 24 * hour_ms) return std::nullopt;
  return now_ms + hour_ms + jitter(entry_id, -1, hour_ms / 10);
}

}  // namespace feedd::watch
