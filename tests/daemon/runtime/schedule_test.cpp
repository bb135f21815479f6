// The scheduling rules on their own, without clocks or a network.
#include <doctest/doctest.h>

#include "daemon/runtime/schedule_policy.h"
#include "daemon/runtime/scheduler.h"

using namespace std::chrono_literals;
using feedd::NextPoll;
using feedd::PollOutcome;
using feedd::ScheduleSettings;

namespace {

const ScheduleSettings fifteen_minutes{15min, false, 6h};

bool within_ten_percent(std::chrono::milliseconds value, std::chrono::milliseconds around) {
  return value >= around * 9 / 10 && value <= around * 11 / 10;
}

}  // namespace

TEST_CASE("A successful poll waits one interval, give or take ten percent") {
  feedd::Random random(1);
  std::chrono::milliseconds low = 1h, high = 0ms;
  for (int i = 0; i < 1000; ++i) {
    const NextPoll next = feedd::next_poll(PollOutcome{200, true, {}, {}}, 3, fifteen_minutes, random);
    REQUIRE(next.delay);
    CHECK(within_ten_percent(*next.delay, 15min));
    low = std::min(low, *next.delay);
    high = std::max(high, *next.delay);
    CHECK(next.consecutive_failures == 0);
    CHECK(next.state == "ok");
  }
  // The jitter really spreads polls out.
  CHECK(high - low > 2min);
}

TEST_CASE("A feed's TTL raises the interval unless the source set its own") {
  feedd::Random random(2);
  const auto ttl_bound = feedd::next_poll(PollOutcome{200, true, {}, 60}, 0, fifteen_minutes, random);
  CHECK(within_ten_percent(*ttl_bound.delay, 60min));
  const ScheduleSettings explicit_interval{15min, true, 6h};
  const auto kept = feedd::next_poll(PollOutcome{200, true, {}, 60}, 0, explicit_interval, random);
  CHECK(within_ten_percent(*kept.delay, 15min));
  const auto shorter_ttl = feedd::next_poll(PollOutcome{200, true, {}, 5}, 0, fifteen_minutes, random);
  CHECK(within_ten_percent(*shorter_ttl.delay, 15min));
}

TEST_CASE("Failures double the wait from the interval up to max_backoff") {
  feedd::Random random(3);
  const std::chrono::milliseconds expected[] = {30min, 60min, 2h, 4h, 6h, 6h, 6h};
  int failures = 0;
  for (const auto wait : expected) {
    const auto next = feedd::next_poll(PollOutcome{500, false, {}, {}}, failures, fifteen_minutes, random);
    CHECK(within_ten_percent(*next.delay, wait));
    CHECK(next.state == "failing");
    failures = next.consecutive_failures;
  }
  CHECK(failures == 7);
  const auto recovered = feedd::next_poll(PollOutcome{200, true, {}, {}}, failures, fifteen_minutes, random);
  CHECK(within_ten_percent(*recovered.delay, 15min));
  CHECK(recovered.consecutive_failures == 0);
}

TEST_CASE("Retry-After on 429 and 503 is honoured, capped at a day") {
  feedd::Random random(4);
  const auto busy = feedd::next_poll(PollOutcome{503, false, 600s, {}}, 0, fifteen_minutes, random);
  CHECK(*busy.delay == 600s);
  const auto throttled = feedd::next_poll(PollOutcome{429, false, 48h, {}}, 0, fifteen_minutes, random);
  CHECK(*throttled.delay == 24h);
  // Retry-After on other statuses means nothing; the backoff applies.
  const auto other = feedd::next_poll(PollOutcome{500, false, 10s, {}}, 0, fifteen_minutes, random);
  CHECK(within_ten_percent(*other.delay, 30min));
}

TEST_CASE("A Retry-After shorter than min_interval waits min_interval: \"Retry-After: 0\" is no tight loop") {
  feedd::Random random(6);
  const auto now = feedd::next_poll(PollOutcome{503, false, 0s, {}}, 0, fifteen_minutes, random);
  CHECK(*now.delay == 1min);
  const ScheduleSettings lowered{15min, false, 6h, 2s};
  const auto soon = feedd::next_poll(PollOutcome{429, false, 0s, {}}, 0, lowered, random);
  CHECK(*soon.delay == 2s);
}

TEST_CASE("410 Gone means no next poll") {
  feedd::Random random(5);
  const auto gone = feedd::next_poll(PollOutcome{410, false, {}, {}}, 0, fifteen_minutes, random);
  CHECK_FALSE(gone.delay);
  CHECK(gone.state == "gone");
}

TEST_CASE("At start-up new sources go first, remembered times are kept, the rest spread over an interval") {
  feedd::Random random(6);
  const std::int64_t now = 1'700'000'000'000;
  CHECK(feedd::first_poll_delay(true, {}, now, 15min, random) == 0ms);
  CHECK(feedd::first_poll_delay(false, now + 120'000, now, 15min, random) == 2min);
  CHECK(feedd::first_poll_delay(false, now + 3'600'000, now, 15min, random) == 1h);  // a backoff survives
  std::chrono::milliseconds low = 1h, high = 0ms;
  for (int i = 0; i < 1000; ++i) {
    const auto delay = feedd::first_poll_delay(false, now - 5000, now, 15min, random);
    CHECK(delay >= 0ms);
    CHECK(delay < 15min);
    low = std::min(low, delay);
    high = std::max(high, delay);
  }
  CHECK(high - low > 10min);
}

TEST_CASE("Delays read like an operator would write them") {
  CHECK(feedd::describe_delay(45s) == "45s");
  CHECK(feedd::describe_delay(10min) == "10m");
  CHECK(feedd::describe_delay(90min) == "1h30m");
  CHECK(feedd::describe_delay(6h) == "6h");
}
