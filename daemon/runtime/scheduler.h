// Decides when each source is polled and keeps doing so: the daemon's heart.
//
// Each source has its own timer on the io_context. A poll's outcome sets the
// next one (interval with jitter, backoff, Retry-After, gone), and the
// schedule is saved through the pipeline's writer so a restart continues it.
// `once` is the same machinery in one-pass mode: every enabled source polled
// at once, nothing re-armed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/schedule_policy.h"

namespace feedd {

class Scheduler {
 public:
  enum class Mode { daemon, one_pass };
  // Called on the io_context's thread after every poll, with the delay until
  // the source's next poll (none: not polled again).
  using ReportHandler = std::function<void(const PollReport&, std::optional<std::chrono::milliseconds> next)>;

  Scheduler(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock, Mode mode, ReportHandler on_report);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Brings the polled sources in line with `config`: added ones start,
  // removed and disabled ones stop, changed ones take their new settings.
  // Polls already running finish either way.
  // REQUIRES: `config` outlives the scheduler or the next apply(), whichever
  // comes first: a poll reads its source's settings there, so 100,000
  // sources are not held twice.
  void apply(const config::Config& config);

  // No new polls from now on; running ones finish.
  void stop();

  // One-pass mode: whether sources resting after a 410, a Retry-After or
  // failures are skipped (the default) or polled anyway (once --force).
  void set_force(bool force) { force_ = force; }
  std::size_t skipped() const { return skipped_; }

  std::size_t sources() const { return sources_.size(); }
  // Polls running, including those of sources removed meanwhile.
  std::size_t in_flight() const { return polls_running_; }
  std::optional<std::int64_t> next_poll_ms() const;  // earliest armed poll
  std::int64_t posts_written() const { return posts_written_; }

  // `feedd poll`: polls the enabled source `name` now, unless a poll of it is
  // running already; `done` hears the report of that poll (the one started
  // or the one running). The schedule goes on from its outcome as after any
  // poll. False when no enabled source has that name.
  using PollWaiter = std::function<void(const PollReport&)>;
  bool poll_now(const std::string& name, PollWaiter done);

  // `feedd sources` while the daemon runs: what the schedule says now.
  struct LiveSource {
    std::string name;
    bool polling = false;
    std::optional<std::int64_t> next_poll_ms;  // none: polling, or not polled again
    std::string state;
    int consecutive_failures = 0;
  };
  std::vector<LiveSource> live_sources() const;

 private:
  struct Tracked;
  using TrackedPtr = std::shared_ptr<Tracked>;

  void start_tracking(const config::Source& source, const config::Config& config);
  void load_new_sources();
  void on_loaded(const TrackedPtr& tracked, const SourceState& loaded);
  void set_next_poll(Tracked& tracked, std::optional<std::int64_t> at_ms);
  void update_tracking(const TrackedPtr& tracked, const config::Source& source, const config::Config& config);
  void stop_tracking(const TrackedPtr& tracked);
  void arm(const TrackedPtr& tracked, std::chrono::milliseconds delay);
  void poll(const TrackedPtr& tracked);
  void on_polled(const TrackedPtr& tracked, const PollReport& report);
  void warn_moved(const Tracked& tracked, const std::string& new_url) const;
  bool resting(const Tracked& tracked, const SourceState& stored);
  void save_schedule(const Tracked& tracked, const SourceSchedule& schedule);
  void flush_schedules();
  void tell_waiters(Tracked& tracked, const PollReport& report);

  boost::asio::io_context& io_;
  Pipeline& pipeline_;
  const Clock& clock_;
  Mode mode_;
  ReportHandler on_report_;
  Random random_;
  std::filesystem::path config_file_;
  const config::Config* config_ = nullptr;  // what apply() was last given
  std::map<std::string, TrackedPtr> sources_;
  // Sources started by apply() whose stored state is still to be read; read
  // in batches, one transaction each.
  std::vector<TrackedPtr> to_load_;
  // Every armed poll by time, so the earliest is found without visiting
  // 100,000 sources after each poll (publish_status asks every time).
  std::set<std::pair<std::int64_t, const Tracked*>> armed_;
  std::int64_t posts_written_ = 0;
  std::size_t polls_running_ = 0;
  bool stopped_ = false;
  bool force_ = false;
  std::size_t skipped_ = 0;
  // Schedules not yet handed to the writer: the latest per source, so polls
  // faster than the disk commits never queue up without bound.
  std::map<std::string, Archive::ScheduleUpdate> unsaved_schedules_;
  bool flushing_schedules_ = false;  // a batch is with the writer
};

// "45s", "10m", "1h30m": how long until a retry, for log lines.
std::string describe_delay(std::chrono::milliseconds delay);

}  // namespace feedd
