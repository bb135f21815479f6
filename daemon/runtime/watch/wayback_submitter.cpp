#include "daemon/runtime/watch/wayback_submitter.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/runtime/watch/page_watcher.h"
#include "fetchers/http/url.h"
#include "fetchers/redact/redact_url.h"

namespace feedd::watch {
namespace {

using std::chrono::milliseconds;

constexpr int max_tries = 12;
constexpr milliseconds max_backoff = std::chrono::hours(6);
constexpr milliseconds idle_period = std::chrono::minutes(1);

milliseconds backoff(milliseconds interval, int tries_before) {
  milliseconds wait = interval;
  for (int i = 0; i <= tries_before && wait < max_backoff; ++i) wait *= 2;
  return std::min(wait, max_backoff);
}

std::string snapshot_from(const HttpResponse& response, const std::string& requested) {
  const std::string base = response.effective_url.empty() ? requested : response.effective_url;
  if (!response.content_location.empty()) {
    if (auto resolved = url::resolve(base, response.content_location)) return *resolved;
  }
  return base != requested ? base : std::string();
}

}  // namespace

WaybackOutcome judge_wayback(const HttpResponse& response, const std::string& requested, int tries_before,
                             milliseconds interval) {
  WaybackOutcome outcome;
  if (response.error.empty() && response.status >= 200 && response.status < 300) {
    outcome.snapshot_url = snapshot_from(response, requested);
    return outcome;
  }
  outcome.error = response.error.empty() ? fmt::format("HTTP {}", response.status) : response.error;
  const bool transient = response.status == 0 || response.status == 429 || response.status >= 500;
  if (!transient || tries_before + 1 >= max_tries) {
    outcome.kind = WaybackOutcome::Kind::drop;
    return outcome;
  }
  outcome.kind = WaybackOutcome::Kind::retry;
  outcome.retry_in = response.retry_after ? std::max<milliseconds>(*response.retry_after, interval)
                                          : backoff(interval, tries_before);
  return outcome;
}

WaybackSubmitter::WaybackSubmitter(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock,
                                   const config::Config& config)
    : io_(io), pipeline_(pipeline), clock_(clock), interval_(config.archive.archive_org_interval), timer_(io) {
  reconfigure(config);
}

void WaybackSubmitter::reconfigure(const config::Config& config) {
  endpoint_ = config.archive.archive_org_endpoint;
  interval_ = config.archive.archive_org_interval;
  policies_ = source_policies(config);
  fetch_ = config.fetch.source_defaults;
  allow_private_ = config.fetch.allow_private;
}

void WaybackSubmitter::drain(std::function<void(WaybackTally)> done) {
  drained_ = std::move(done);
  step();
}

void WaybackSubmitter::start(std::function<void(const WaybackTally&)> on_result) {
  daemon_ = true;
  on_result_ = std::move(on_result);
  step();
}

void WaybackSubmitter::nudge() {
  if (stopped_) return;
  if (busy_) {
    // The look under way may have run before the new entries were stored.
    nudged_ = true;
    return;
  }
  timer_.cancel();
  step();
}

void WaybackSubmitter::stop() {
  stopped_ = true;
  timer_.cancel();
}

void WaybackSubmitter::arm(milliseconds delay) {
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && !stopped_) step();
  });
}

void WaybackSubmitter::idle() {
  busy_ = false;
  if (!daemon_) {
    if (auto done = std::move(drained_)) {
      drained_ = nullptr;
      done(tally_);
    }
  }
}

void WaybackSubmitter::step() {
  if (busy_ || stopped_) return;
  busy_ = true;
  nudged_ = false;
  auto job = std::make_shared<std::optional<WaybackJob>>();
  auto next = std::make_shared<std::optional<std::int64_t>>();
  pipeline_.write(
      [job, next, policies = policies_, now = clock_.now_ms()](Archive& archive) {
        auto& db = archive.store().database();
        enrol_new_entries(db, policies, now);
        *job = next_wayback_job(db, now);
        if (!*job) *next = next_wayback_ms(db);
      },
      [this, job, next] {
        if (stopped_) return idle();
        if (!*job) {
          idle();
          if (nudged_) return step();
          if (daemon_) {
            const auto wait = *next ? milliseconds(std::max<std::int64_t>(**next - clock_.now_ms(), 0)) : idle_period;
            arm(std::min(wait, idle_period));
          }
          return;
        }
        // At most one request per interval, counted from the last one's
        // answer: the service sees them that far apart however long each
        // took to reach it (counted from the start, a request that waited in
        // the client's queue could arrive right behind the one before).
        const auto now = std::chrono::steady_clock::now();
        const auto due = last_request_ ? *last_request_ + interval_ : now;
        if (due <= now) return send(std::move(**job));
        timer_.expires_after(due - now);
        timer_.async_wait([this, job](const boost::system::error_code& error) {
          if (error || stopped_) return idle();
          send(std::move(**job));
        });
      });
}

void WaybackSubmitter::send(WaybackJob job) {
  HttpRequest request;
  request.url = endpoint_ + job.url;
  request.allow_private = allow_private_;
  request.trust_url_host = true;  // the configured endpoint
  request.proxy = fetch_.proxy;
  request.user_agent = fetch_.user_agent;
  pipeline_.http().fetch(request, [this, job, requested = request.url](HttpResponse response) {
    last_request_ = std::chrono::steady_clock::now();
    if (response.error == "aborted") return idle();
    const WaybackOutcome outcome = judge_wayback(response, requested, job.tries, interval_);
    pipeline_.write(
        [job, outcome, now = clock_.now_ms()](Archive& archive) {
          auto& db = archive.store().database();
          switch (outcome.kind) {
            case WaybackOutcome::Kind::saved: record_snapshot(db, job.entry_id, outcome.snapshot_url, now); break;
            case WaybackOutcome::Kind::retry:
              retry_wayback(db, job.entry_id, now + outcome.retry_in.count(), outcome.error);
              break;
            case WaybackOutcome::Kind::drop: drop_wayback(db, job.entry_id); break;
          }
        },
        [this, job, outcome] {
          switch (outcome.kind) {
            case WaybackOutcome::Kind::saved:
              ++tally_.saved;
              spdlog::info("wayback: saved {}{}", url::redact(job.url),
                           outcome.snapshot_url.empty() ? "" : " as " + outcome.snapshot_url);
              break;
            case WaybackOutcome::Kind::retry:
              ++tally_.retried;
              spdlog::warn("wayback: {}: {}; tried again in {} s", url::redact(job.url), outcome.error,
                           std::chrono::duration_cast<std::chrono::seconds>(outcome.retry_in).count());
              break;
            case WaybackOutcome::Kind::drop:
              ++tally_.dropped;
              spdlog::warn("wayback: {}: {} after {} tries; given up", url::redact(job.url), outcome.error,
                           job.tries + 1);
              break;
          }
          if (on_result_) on_result_(tally_);
          busy_ = false;
          step();
        });
  });
}

}  // namespace feedd::watch
