#include "daemon/runtime/scheduler.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "fetchers/feed/dates.h"
#include "fetchers/redact/redact_url.h"

namespace feedd {

using std::chrono::milliseconds;

// What the scheduler itself reads of a source; the rest of its settings stay
// in the config apply() was given, at `index`.
struct TrackedSource {
  std::string name;
  std::string url;
  std::optional<milliseconds> interval;
  int line = 0;
  std::size_t index = 0;
};

struct Scheduler::Tracked {
  explicit Tracked(boost::asio::io_context& io) : timer(io) {}

  TrackedSource source;
  ScheduleSettings settings;
  SourceValidators validators;
  int consecutive_failures = 0;
  std::string state = "ok";
  bool ready = false;      // state loaded from the store
  bool in_flight = false;
  bool removed = false;
  bool poll_asked = false;  // `feedd poll` before the state was loaded
  std::vector<PollWaiter> waiters;  // `feedd poll` clients of the next report
  std::optional<std::int64_t> next_poll_ms;
  boost::asio::steady_timer timer;
};

namespace {

ScheduleSettings settings_for(const config::Source& source, const config::Config& config) {
  return ScheduleSettings{source.interval.value_or(config.schedule.interval), source.interval.has_value(),
                          config.schedule.max_backoff, config.schedule.min_interval};
}

bool same_polling(const TrackedSource& a, const config::Source& b) {
  return a.url == b.url && a.interval == b.interval;
}

TrackedSource tracked_source(const config::Source& source, const config::Config& config) {
  return TrackedSource{source.name, source.url, source.interval, source.line,
                       static_cast<std::size_t>(&source - config.sources.data())};
}

// A pass's sources in the order their polls start: one of each host in
// turn, the hosts with the most sources first. A host gets fetch.per_host
// transfers at once, so its sources take rounds of their own; in name order
// the hosts named first were served first and a pass ended with only the
// others' polls left (1,000 sources on 50 hosts, named so that 25 hosts come
// first: the last 0.4 s of a pass of 304s ran 50 transfers of 64).
template <typename Item, typename UrlOf>
std::vector<Item> in_turn_by_host(std::vector<Item> items, UrlOf url_of) {
  std::map<std::string, std::vector<Item>> by_host;
  for (auto& item : items) by_host[host_group(url_of(item))].push_back(std::move(item));
  std::vector<std::vector<Item>*> hosts;
  for (auto& [host, queue] : by_host) hosts.push_back(&queue);
  std::stable_sort(hosts.begin(), hosts.end(), [](const auto* a, const auto* b) { return a->size() > b->size(); });
  std::vector<Item> order;
  order.reserve(items.size());
  for (std::size_t round = 0; !hosts.empty() && round < hosts.front()->size(); ++round) {
    for (auto* queue : hosts) {
      if (round >= queue->size()) break;  // the hosts after it have fewer still
      order.push_back(std::move((*queue)[round]));
    }
  }
  return order;
}

}  // namespace

std::string describe_delay(milliseconds delay) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(delay + milliseconds(500)).count();
  if (seconds < 60) return fmt::format("{}s", seconds);
  const auto hours = seconds / 3600;
  const auto minutes = (seconds % 3600) / 60;
  if (hours == 0) return fmt::format("{}m", minutes);
  return minutes == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, minutes);
}

Scheduler::Scheduler(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock, Mode mode,
                     ReportHandler on_report)
    : io_(io), pipeline_(pipeline), clock_(clock), mode_(mode), on_report_(std::move(on_report)),
      random_(std::random_device{}()) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::apply(const config::Config& config) {
  config_file_ = config.file;
  config_ = &config;
  std::map<std::string, const config::Source*> wanted;
  for (const auto& source : config.sources) {
    if (source.enabled) wanted.emplace(source.name, &source);
  }
  for (auto it = sources_.begin(); it != sources_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    stop_tracking(it->second);
    it = sources_.erase(it);
  }
  for (const auto& [name, source] : wanted) {
    if (auto found = sources_.find(name); found != sources_.end()) {
      update_tracking(found->second, *source, config);
    } else {
      start_tracking(*source, config);
    }
  }
  load_new_sources();
}

void Scheduler::start_tracking(const config::Source& source, const config::Config& config) {
  auto tracked = std::make_shared<Tracked>(io_);
  tracked->source = tracked_source(source, config);
  tracked->settings = settings_for(source, config);
  sources_[source.name] = tracked;
  to_load_.push_back(tracked);
}

// The store is the writer's; ask it, then arm on the io thread. A batch is
// one transaction and one job, small enough that polls and other writes
// queued behind it do not wait long.
void Scheduler::load_new_sources() {
  constexpr std::size_t batch_size = 1000;
  if (mode_ == Mode::one_pass) {
    to_load_ = in_turn_by_host(std::move(to_load_), [](const TrackedPtr& tracked) { return tracked->source.url; });
  }
  for (std::size_t first = 0; first < to_load_.size(); first += batch_size) {
    auto batch = std::make_shared<std::vector<TrackedPtr>>(
        to_load_.begin() + static_cast<std::ptrdiff_t>(first),
        to_load_.begin() + static_cast<std::ptrdiff_t>(std::min(first + batch_size, to_load_.size())));
    std::vector<Archive::SourceKey> keys;
    keys.reserve(batch->size());
    for (const auto& tracked : *batch) keys.push_back({tracked->source.name, tracked->source.url});
    auto loaded = std::make_shared<std::vector<SourceState>>();
    pipeline_.write([keys = std::move(keys), loaded](Archive& archive) { *loaded = archive.prepare_sources(keys); },
                    [this, batch, loaded] {
                      for (std::size_t i = 0; i < batch->size() && i < loaded->size(); ++i) {
                        on_loaded((*batch)[i], (*loaded)[i]);
                      }
                    });
  }
  to_load_.clear();
}

void Scheduler::on_loaded(const TrackedPtr& tracked, const SourceState& loaded) {
  if (tracked->removed) return;
  tracked->ready = true;
  tracked->validators = {loaded.polled_url, loaded.etag, loaded.last_modified};
  tracked->consecutive_failures = loaded.consecutive_failures;
  tracked->state = loaded.state;
  if (mode_ == Mode::one_pass || tracked->poll_asked) {
    // A poll asked for now goes whatever the stored state says;
    // a pass leaves resting sources (410, Retry-After, backoff).
    if (tracked->poll_asked || !resting(*tracked, loaded)) arm(tracked, milliseconds(0));
  } else if (tracked->state == "gone") {
    spdlog::warn("source {} ({}): gone (HTTP 410) and not polled; change its url in {} to poll again",
                 tracked->source.name, url::redact(tracked->source.url), config_file_.string());
  } else {
    arm(tracked, first_poll_delay(loaded.never_polled(), loaded.next_poll_ms, clock_.now_ms(),
                                  tracked->settings.interval, random_));
  }
}

// `once` from a timer must be as polite as `run`: a source the server said
// is gone, or asked to wait (Retry-After), or that is backing off after
// failures, keeps resting unless --force.
bool Scheduler::resting(const Tracked& tracked, const SourceState& stored) {
  if (force_) return false;
  const auto& source = tracked.source;
  if (stored.state == "gone") {
    ++skipped_;
    spdlog::warn("source {} ({}): skipped: gone (HTTP 410); not polled until its url changes in {} (once --force "
                 "polls it anyway)",
                 source.name, source.url, config_file_.string());
    return true;
  }
  const std::int64_t now = clock_.now_ms();
  if (stored.state == "failing" && stored.next_poll_ms && *stored.next_poll_ms > now) {
    ++skipped_;
    spdlog::info("source {} ({}): skipped: waiting after {} failure(s) (last: {}); due at {}, in {} (once --force "
                 "polls it now)",
                 source.name, source.url, stored.consecutive_failures, stored.last_error,
                 dates::format_rfc3339(*stored.next_poll_ms),
                 describe_delay(milliseconds(*stored.next_poll_ms - now)));
    return true;
  }
  return false;
}

void Scheduler::update_tracking(const TrackedPtr& tracked, const config::Source& source,
                                const config::Config& config) {
  if (!same_polling(tracked->source, source)) {
    // A new URL or interval starts the source afresh (the store resets what
    // belonged to the old URL).
    stop_tracking(tracked);
    start_tracking(source, config);
    return;
  }
  tracked->source = tracked_source(source, config);
  tracked->settings = settings_for(source, config);
}

void Scheduler::stop_tracking(const TrackedPtr& tracked) {
  tracked->removed = true;
  tracked->timer.cancel();
  set_next_poll(*tracked, std::nullopt);
  if (!tracked->in_flight) {
    PollReport report;
    report.source_name = tracked->source.name;
    report.url = tracked->source.url;
    report.error = "not polled: the source was removed or changed by a config reload";
    tell_waiters(*tracked, report);
  }
}

void Scheduler::arm(const TrackedPtr& tracked, milliseconds delay) {
  if (stopped_ || tracked->removed) return;
  set_next_poll(*tracked, clock_.now_ms() + delay.count());
  tracked->timer.expires_after(delay);
  tracked->timer.async_wait([this, tracked](const boost::system::error_code& error) {
    if (error || stopped_ || tracked->removed) return;  // cancelled: stopped or reconfigured
    poll(tracked);
  });
}

void Scheduler::poll(const TrackedPtr& tracked) {
  if (tracked->in_flight) return;
  const auto& sources = config_->sources;
  if (tracked->source.index >= sources.size() || sources[tracked->source.index].name != tracked->source.name) {
    // Only a config replaced without apply() can get here; a bug, not a poll.
    spdlog::error("source {}: not polled: the scheduler's config is out of date", tracked->source.name);
    return;
  }
  tracked->in_flight = true;
  ++polls_running_;
  set_next_poll(*tracked, std::nullopt);
  pipeline_.poll(sources[tracked->source.index], tracked->validators,
                 [this, tracked](PollReport report) { on_polled(tracked, report); });
}

void Scheduler::warn_moved(const Tracked& tracked, const std::string& new_url) const {
  spdlog::warn("source {} ({}): moved permanently to {}; feedd polls the new URL from now on. Update url on line {} "
               "of {} to match.",
               tracked.source.name, url::redact(tracked.source.url), url::redact(new_url), tracked.source.line,
               config_file_.string());
}

void Scheduler::on_polled(const TrackedPtr& tracked, const PollReport& report) {
  tracked->in_flight = false;
  --polls_running_;
  posts_written_ += report.posts_written;
  if (report.aborted) {
    // Shutdown's doing, not the source's: no failure counted, no backoff, and
    // the stored schedule stays as it was.
    if (on_report_) on_report_(report, std::nullopt);
    return;
  }
  if (report.ok() && !report.not_modified) {
    if (report.moved_to && *report.moved_to != tracked->validators.polled_url) warn_moved(*tracked, *report.moved_to);
    tracked->validators = report.validators;
  }

  const PollOutcome outcome{report.http_status, report.ok(), report.retry_after, report.ttl_minutes};
  const NextPoll next = next_poll(outcome, tracked->consecutive_failures, tracked->settings, random_);
  tracked->consecutive_failures = next.consecutive_failures;
  tracked->state = next.state;

  const bool rearm = mode_ == Mode::daemon && !stopped_ && !tracked->removed && next.delay;
  const std::int64_t now = clock_.now_ms();
  SourceSchedule schedule;
  schedule.next_poll_ms = next.delay ? std::optional<std::int64_t>(now + next.delay->count()) : std::nullopt;
  schedule.consecutive_failures = next.consecutive_failures;
  schedule.state = next.state;
  if (report.ok()) {
    schedule.last_success_ms = now;
  } else {
    schedule.last_error = report.error;
    schedule.last_error_ms = now;
  }
  save_schedule(*tracked, schedule);

  if (on_report_) on_report_(report, rearm ? next.delay : std::nullopt);
  tell_waiters(*tracked, report);
  if (rearm) arm(tracked, *next.delay);
}

void Scheduler::tell_waiters(Tracked& tracked, const PollReport& report) {
  auto waiters = std::move(tracked.waiters);
  tracked.waiters.clear();
  for (auto& waiter : waiters) {
    try {
      waiter(report);
    } catch (const std::exception& error) {
      spdlog::warn("feedd poll: cannot answer for source {}: {}", tracked.source.name, error.what());
    }
  }
}

bool Scheduler::poll_now(const std::string& name, PollWaiter done) {
  const auto found = sources_.find(name);
  if (found == sources_.end() || stopped_) return false;
  const TrackedPtr& tracked = found->second;
  tracked->waiters.push_back(std::move(done));
  if (tracked->in_flight) return true;
  if (!tracked->ready) {
    tracked->poll_asked = true;
    return true;
  }
  tracked->timer.cancel();
  poll(tracked);
  return true;
}

std::vector<Scheduler::LiveSource> Scheduler::live_sources() const {
  std::vector<LiveSource> live;
  for (const auto& [name, tracked] : sources_) {
    live.push_back({name, tracked->in_flight, tracked->next_poll_ms, tracked->state, tracked->consecutive_failures});
  }
  return live;
}

void Scheduler::save_schedule(const Tracked& tracked, const SourceSchedule& schedule) {
  unsaved_schedules_.insert_or_assign(tracked.source.name,
                                      Archive::ScheduleUpdate{tracked.source.name, tracked.source.url, schedule});
  flush_schedules();
}

// One batch of schedules with the writer at a time, in one transaction; what
// arrives meanwhile waits for the next. The writer's work guard keeps the
// loop (and so this scheduler) alive until `then` has run.
void Scheduler::flush_schedules() {
  if (flushing_schedules_ || unsaved_schedules_.empty()) return;
  flushing_schedules_ = true;
  std::vector<Archive::ScheduleUpdate> batch;
  batch.reserve(unsaved_schedules_.size());
  for (auto& [name, update] : unsaved_schedules_) batch.push_back(std::move(update));
  unsaved_schedules_.clear();
  pipeline_.write_beside_posts([batch = std::move(batch)](Archive& archive) { archive.save_schedules(batch); },
                  [this] {
                    flushing_schedules_ = false;
                    flush_schedules();
                  });
}

void Scheduler::stop() {
  stopped_ = true;
  for (auto& [name, tracked] : sources_) {
    tracked->timer.cancel();
    if (tracked->in_flight) continue;
    PollReport report;
    report.source_name = name;
    report.url = tracked->source.url;
    report.error = "not polled: feedd run is stopping";
    tell_waiters(*tracked, report);
  }
}

std::optional<std::int64_t> Scheduler::next_poll_ms() const {
  if (armed_.empty()) return std::nullopt;
  return armed_.begin()->first;
}

void Scheduler::set_next_poll(Tracked& tracked, std::optional<std::int64_t> at_ms) {
  if (tracked.next_poll_ms) armed_.erase({*tracked.next_poll_ms, &tracked});
  tracked.next_poll_ms = at_ms;
  if (at_ms) armed_.emplace(*at_ms, &tracked);
}

}  // namespace feedd
