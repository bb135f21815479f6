#include "daemon/runtime/schedule_policy.h"

#include <algorithm>

namespace feedd {

using std::chrono::milliseconds;

milliseconds with_jitter(milliseconds delay, Random& random) {
  const auto spread = delay.count() / 10;
  if (spread <= 0) return delay;
  std::uniform_int_distribution<std::int64_t> offset(-spread, spread);
  return milliseconds(delay.count() + offset(random));
}

milliseconds effective_interval(const ScheduleSettings& settings, std::optional<std::int64_t> ttl_minutes) {
  if (settings.interval_explicit || !ttl_minutes || *ttl_minutes <= 0) return settings.interval;
  // A TTL of days is a feed's way of saying "rarely"; still poll daily.
  const auto ttl = std::chrono::duration_cast<milliseconds>(std::chrono::minutes(std::min<std::int64_t>(*ttl_minutes, 24 * 60)));
  return std::max(settings.interval, ttl);
}

NextPoll next_poll(const PollOutcome& outcome, int previous_failures, const ScheduleSettings& settings,
                   Random& random) {
  if (outcome.ok) {
    return {with_jitter(effective_interval(settings, outcome.ttl_minutes), random), 0, "ok"};
  }
  if (outcome.http_status == 410) return {std::nullopt, previous_failures + 1, "gone"};

  const int failures = previous_failures + 1;
  const bool throttled = outcome.http_status == 429 || outcome.http_status == 503;
  if (throttled && outcome.retry_after) {
    const auto wait = std::min<milliseconds>(*outcome.retry_after, max_retry_after);
    return {std::max(wait, settings.min_interval), failures, "failing"};
  }
  // Doubling from the interval: 2x, 4x, 8x ... up to max_backoff.
  const int doublings = std::min(failures, 30);
  const auto uncapped = settings.interval.count() * (std::int64_t{1} << std::min(doublings, 20));
  const auto backoff = milliseconds(std::min<std::int64_t>(uncapped, settings.max_backoff.count()));
  return {with_jitter(std::max(backoff, settings.interval), random), failures, "failing"};
}

milliseconds first_poll_delay(bool never_polled, std::optional<std::int64_t> remembered_next_poll_ms,
                              std::int64_t now_ms, milliseconds interval, Random& random) {
  if (never_polled) return milliseconds(0);
  if (remembered_next_poll_ms && *remembered_next_poll_ms > now_ms) {
    // Backoff and Retry-After survive a restart; a remembered time beyond
    // what any rule can impose is a clock jump, not a plan.
    return std::min<milliseconds>(milliseconds(*remembered_next_poll_ms - now_ms), max_retry_after);
  }
  std::uniform_int_distribution<std::int64_t> offset(0, std::max<std::int64_t>(interval.count() - 1, 0));
  return milliseconds(offset(random));
}

}  // namespace feedd
