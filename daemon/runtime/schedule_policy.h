// When to poll a source next: the politeness rules, as pure functions so
// they can be tested without a clock or a network.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace feedd {

using Random = std::mt19937_64;

struct ScheduleSettings {
  std::chrono::milliseconds interval{15 * 60 * 1000};
  bool interval_explicit = false;  // the source set its own interval
  std::chrono::milliseconds max_backoff{6 * 3600 * 1000};
  // No wait is shorter, whatever a server's Retry-After says ([schedule]
  // min_interval): "Retry-After: 0" must not become a tight loop.
  std::chrono::milliseconds min_interval{60 * 1000};
};

// What a poll came to, as far as the schedule cares.
struct PollOutcome {
  long http_status = 0;  // 0: no HTTP answer
  bool ok = false;       // fetched (200/304) and stored
  std::optional<std::chrono::seconds> retry_after;
  std::optional<std::int64_t> ttl_minutes;  // the feed's own <ttl>/sy:updatePeriod
};

struct NextPoll {
  std::optional<std::chrono::milliseconds> delay;  // none: never again (gone)
  int consecutive_failures = 0;
  std::string state;  // ok, failing, gone
};

// Longest wait a Retry-After can impose: a server's mistake must not silence
// a source for weeks.
inline constexpr std::chrono::hours max_retry_after{24};

// ±10% so sources configured alike drift apart instead of polling in step.
std::chrono::milliseconds with_jitter(std::chrono::milliseconds delay, Random& random);

// The interval a successful poll waits: the configured one, raised to the
// feed's own TTL unless the source set its interval explicitly.
std::chrono::milliseconds effective_interval(const ScheduleSettings& settings,
                                             std::optional<std::int64_t> ttl_minutes);

NextPoll next_poll(const PollOutcome& outcome, int previous_failures, const ScheduleSettings& settings,
                   Random& random);

// The first poll after start-up: at once for a source never polled; at its
// remembered time when that is still ahead; otherwise somewhere in the first
// interval, so a restart does not hit every server at the same moment.
std::chrono::milliseconds first_poll_delay(bool never_polled, std::optional<std::int64_t> remembered_next_poll_ms,
                                           std::int64_t now_ms, std::chrono::milliseconds interval, Random& random);

}  // namespace feedd
