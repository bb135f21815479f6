#include "daemon/cli/commands/run/run_command.h"

#include <algorithm>
#include <chrono>
#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <exception>
#include <map>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/control_socket.h"
#include "daemon/cli/commands/run/admin_service.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/load_config.h"
#include "daemon/runtime/http_endpoint.h"
#include "daemon/runtime/writable_store.h"
#include "daemon/runtime/metrics.h"
#include "daemon/runtime/pipeline/posts_dir_guard.h"
#include "daemon/runtime/publish/publish_backlog.h"
#include "daemon/runtime/publish/publisher.h"
#include "daemon/runtime/scheduler.h"
#include "daemon/runtime/systemd_notify.h"
#include "daemon/runtime/watch/page_watcher.h"
#include "daemon/runtime/watch/wayback_submitter.h"
#include "fetchers/feed/dates.h"
#include "store/archive.h"
#include "store/lists/unpublished.h"

namespace feedd {
namespace {

constexpr std::chrono::milliseconds prune_every = std::chrono::hours(1);

PublishSettings publish_settings(const config::Config& config) {
  return {config.publish.command, config.publish.min_interval, config.publish.timeout};
}

class Daemon {
 public:
  Daemon(config::Config config, Archive& archive, const Clock& clock)
      : config_(std::move(config)), clock_(clock), metrics_(clock.now_ms()), pipeline_(io_, config_, archive, clock),
        scheduler_(io_, pipeline_, clock, Scheduler::Mode::daemon,
                   [this](const PollReport& report, auto next) { on_report(report, next); }),
        publisher_(io_, publish_settings(config_)), admin_(pipeline_, scheduler_, config_),
        watcher_(io_, pipeline_, clock, config_), wayback_(io_, pipeline_, clock, config_),
        signals_(io_, SIGHUP, SIGTERM, SIGINT), watchdog_(io_),
        grace_(io_), repair_(io_) {
    pipeline_.on_feed_stored(watch::feed_drop_observer(clock));
    publisher_.on_published([this](const std::vector<std::filesystem::path>& done) {
      pipeline_.write([done](Archive& writer_archive) { forget_published(writer_archive.store().database(), done); });
    });
  }

  int run() {
    // Buffers of a MiB or more (a /metrics page for 100,000 sources is 8 MB)
    // are mapped and unmapped on their own: glibc's moving threshold would
    // otherwise keep them in the heap, where RSS never shrinks back.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    if (!config_.http.listen.empty()) {
      endpoint_ = std::make_unique<HttpEndpoint>(io_, config_.http.listen,
                                                 [this](std::string_view path) { return serve(path); });
      spdlog::info("serving /metrics and /healthz on {} (port {})", config_.http.listen, endpoint_->port());
    }
    scheduler_.apply(config_);
    drop_config_lines();
    seed_source_gauges();
    offer_publish_backlog();
    open_control_socket();
    listen_for_signals();
    arm_watchdog();
    arm_repair();
    start_watching();
    notifier_.ready();
    publish_status();
    spdlog::info("feedd {} running: {} source(s) from {}", FEEDD_VERSION, scheduler_.sources(), config_.file.string());
    // Handlers contain their own failures; this is the last line of defence
    // so that one unexpected exception cannot end months of uptime.
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception& error) {
        spdlog::critical("event loop: unexpected error, continuing: {}", error.what());
      }
    }
    spdlog::info("feedd stopped; {} post(s) written since start", scheduler_.posts_written());
    return exit_ok;
  }

 private:
  // Without it the daemon still polls; the commands then refuse with exit 4
  // as they did before the socket existed.
  void open_control_socket() {
    const auto path = control_socket_path(config_.storage.database);
    try {
      control_ = std::make_unique<ControlServer>(
          io_, path, [this](const nlohmann::json& request, std::shared_ptr<ControlSession> session) {
            admin_.handle(request, std::move(session));
          });
      spdlog::info("control socket {}: rebuild, reprocess, forget, poll and sources reach this daemon",
                   path.string());
    } catch (const std::exception& error) {
      spdlog::error("{}; rebuild, reprocess, forget and poll cannot reach this daemon", error.what());
    }
  }

  // Rechecks and Save Page Now run beside the polls on the same client
  // (daemon/runtime/watch); /metrics counts what they do.
  void start_watching() {
    watcher_.start([this](const watch::RecheckTally& tally) {
      metrics_.record_rechecks(tally.checked - tally.removed - tally.transient, tally.removed, tally.transient);
      hand_to_publisher(tally.rewritten);
    });
    wayback_.start([this](const watch::WaybackTally& tally) {
      metrics_.set_wayback(static_cast<std::uint64_t>(tally.saved), static_cast<std::uint64_t>(tally.retried),
                           static_cast<std::uint64_t>(tally.dropped));
    });
  }

  void listen_for_signals() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
      if (error) return;  // cancelled at shutdown
      if (signal_number == SIGHUP) {
        reload();
      } else {
        begin_shutdown(signal_number);
      }
      if (!finished_) listen_for_signals();
    });
  }

  void reload() {
    notifier_.reloading();
    try {
      auto fresh = load_checked_config(config_.file);
      if (fresh.storage.database != config_.storage.database || fresh.storage.posts_dir != config_.storage.posts_dir) {
        spdlog::warn("reload: [storage] changes take effect after a restart; keeping {} and {}",
                     config_.storage.database.string(), config_.storage.posts_dir.string());
        fresh.storage = config_.storage;
      }
      config_ = std::move(fresh);
      pipeline_.write([presentations = presentations_of(config_)](Archive& archive) mutable {
        archive.set_sources(std::move(presentations));
      });
      pipeline_.reconfigure(config_);
      publisher_.reconfigure(publish_settings(config_));
      watcher_.reconfigure(config_);
      wayback_.reconfigure(config_);
      if (!stopping_) scheduler_.apply(config_);
      drop_config_lines();
      seed_source_gauges();
      spdlog::info("reloaded {}: {} source(s)", config_.file.string(), scheduler_.sources());
    } catch (const std::exception& error) {
      spdlog::error("reload rejected, the running config stays: {}", error.what());
    }
    notifier_.ready();
    publish_status();
  }

  // Where each key was written serves the checks made while loading; with
  // 100,000 sources the map is some 35 MB, so it goes once they passed. And
  // reading the file took twice what it leaves behind (the TOML tree): give
  // those pages back instead of holding them for months.
  void drop_config_lines() {
    std::map<std::string, int>().swap(config_.lines);
    malloc_trim(0);
  }

  void begin_shutdown(int signal_number) {
    if (stopping_) {
      spdlog::warn("second {}: aborting transfers now", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
      pipeline_.abort();
      return;
    }
    stopping_ = true;
    notifier_.stopping();
    spdlog::info("stopping: {} poll(s) in flight, up to {} ms to finish", scheduler_.in_flight(),
                 config_.daemon.shutdown_grace.count());
    admin_.stop();
    if (control_) control_->stop();
    scheduler_.stop();
    watcher_.stop();
    wayback_.stop();
    if (endpoint_) endpoint_->stop();
    grace_.expires_after(config_.daemon.shutdown_grace);
    grace_.async_wait([this](const boost::system::error_code& error) {
      if (error || finished_) return;
      spdlog::warn("shutdown grace over: aborting {} transfer(s)", scheduler_.in_flight());
      pipeline_.abort();
    });
    maybe_finish_shutdown();
  }

  // Once nothing is in flight, drop the loop's own timers and signal wait so
  // io_context::run() returns after the writer's last commit.
  void maybe_finish_shutdown() {
    if (!stopping_ || finished_ || scheduler_.in_flight() > 0) return;
    // Posts written since the last publish run go out before the exit; the
    // publisher's own timeout bounds how long that takes.
    publisher_.flush();
    finished_ = true;
    // No poll is left: what still runs on the client is a recheck or a Save
    // Page Now request, kept in the store for the next start.
    pipeline_.http().abort_all();
    grace_.cancel();
    watchdog_.cancel();
    repair_.cancel();
    signals_.cancel();
  }

  // /metrics counts every configured source from the first scrape, as the
  // store knows it, not only those this process has polled (a source with a
  // long ttl may not be polled for hours after a restart). Queued behind the
  // scheduler's own reads, so every row exists by then.
  void seed_source_gauges() {
    metrics_.set_source_series(static_cast<std::size_t>(config_.http.source_series));
    std::vector<std::string> names;
    for (const auto& source : config_.sources) {
      if (source.enabled) names.push_back(source.name);
    }
    auto stored = std::make_shared<std::vector<SourceState>>();
    pipeline_.write(
        [names, stored](Archive& archive) {
          for (const auto& name : names) {
            if (auto state = archive.store().source_state(name)) stored->push_back(std::move(*state));
          }
        },
        [this, names, stored] {
          metrics_.keep_sources(names);
          for (const auto& state : *stored) {
            metrics_.seed_source(state.name, state.never_polled() ? "new" : state.state, state.last_success_ms);
          }
          stored->clear();
          stored->shrink_to_fit();
          malloc_trim(0);  // the rows read for 100,000 sources: tens of MB no longer needed
        });
  }

  // What an earlier `once` or `run` wrote and could not publish goes with
  // the first batch (or at once, when nothing new comes).
  void offer_publish_backlog() {
    if (!publisher_.enabled()) return;
    auto owed = std::make_shared<std::vector<std::filesystem::path>>();
    pipeline_.write([owed](Archive& archive) { *owed = take_publish_backlog(archive); },
                    [this, owed] { publisher_.add(*owed); });
  }

  // Remembered before the hook sees them; the writer runs jobs in order, so
  // a quick hook's success is recorded after this.
  void hand_to_publisher(const std::vector<std::filesystem::path>& written) {
    if (!publisher_.enabled() || written.empty()) return;
    pipeline_.write([written, now = clock_.now_ms()](Archive& archive) {
      remember_unpublished(archive.store().database(), written, now);
    });
    publisher_.add(written);
  }

  void arm_watchdog() {
    const auto period = notifier_.watchdog_period();
    if (!period || finished_) return;
    watchdog_.expires_after(*period);
    watchdog_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      notifier_.watchdog();
      arm_watchdog();
    });
  }

  // Posts whose write failed (unwritable folder, full disk, file size
  // limit) are pending in the store. Nothing else writes them while the
  // daemon runs (their entries come back unchanged, or as 304s), so retry
  // them every interval, at most every minute; with nothing pending this is
  // one indexed query. Once an hour the same turn deletes poll records older
  // than [storage] fetch_history.
  void arm_repair() {
    if (stopping_) return;
    repair_.expires_after(std::min<std::chrono::milliseconds>(config_.schedule.interval, std::chrono::minutes(1)));
    repair_.async_wait([this](const boost::system::error_code& error) {
      if (error || stopping_) return;
      // Hourly by the steady clock: a wall clock stepped back must not stop
      // it. What is old is judged by the wall clock the records carry.
      const auto now = std::chrono::steady_clock::now();
      std::optional<std::int64_t> prune_before;
      if (!last_prune_ || now - *last_prune_ >= prune_every) {
        last_prune_ = now;
        prune_before = clock_.now_ms() - config_.storage.fetch_history.count();
      }
      pipeline_.write(
          [prune_before](Archive& archive) {
            restore_missing_posts_dir(archive);
            if (const int repaired = archive.repair_pending_posts().written; repaired > 0) {
              spdlog::info("wrote {} post(s) that could not be written before", repaired);
            }
            if (prune_before) prune_old_poll_records(archive, *prune_before);
          },
          [this] { arm_repair(); });
    });
  }

  EndpointResponse serve(std::string_view path) {
    if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()};
    if (path == "/healthz") {
      if (const auto problem = health_problem()) return {503, "text/plain; charset=utf-8", *problem + "\n"};
      return {200, "text/plain; charset=utf-8", "ok\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /metrics or /healthz\n"};
  }

  // The loop answering proves it runs; the store must also take writes.
  std::optional<std::string> health_problem() const {
    if (!last_store_error_.empty()) return "store: " + last_store_error_;
    std::error_code ignored;
    if (!std::filesystem::is_directory(config_.storage.posts_dir, ignored) ||
        ::access(config_.storage.posts_dir.c_str(), W_OK) != 0) {
      return "posts_dir not writable: " + config_.storage.posts_dir.string();
    }
    return std::nullopt;
  }

  void on_report(const PollReport& report, std::optional<std::chrono::milliseconds> next) {
    if (report.aborted) {
      spdlog::info("source {} ({}): poll stopped by the shutdown; not counted as a failure", report.source_name,
                   report.url);
      maybe_finish_shutdown();
      return;
    }
    metrics_.record(report);
    metrics_.set_source_state(report.source_name, report.http_status == 410 ? "gone" : report.ok() ? "ok" : "failing");
    if (report.failed_at == PollReport::Stage::store) {
      last_store_error_ = report.error;
    } else if (report.ok() && !report.not_modified) {
      last_store_error_.clear();
    }
    hand_to_publisher(report.written_posts);
    if (report.new_entries > 0) wayback_.nudge();
    const std::string retry = next ? fmt::format(", next poll in {}", describe_delay(*next)) : std::string();
    if (!report.ok()) {
      const std::string when = next ? fmt::format(", retry in {}", describe_delay(*next)) : std::string();
      if (report.http_status == 410) {
        spdlog::error("source {}; not polled again until its url changes in {}", describe(report),
                      config_.file.string());
      } else {
        spdlog::warn("source {}{}", describe(report), when);
      }
    } else if (report.recovered) {
      spdlog::warn("{}{}", describe(report), retry);
    } else if (report.new_entries > 0 || report.updated_entries > 0) {
      spdlog::info("{}{}", describe(report), retry);
    } else {
      spdlog::debug("{}{}", describe(report), retry);
    }
    publish_status();
    maybe_finish_shutdown();
  }

  void publish_status() {
    std::string next = "none";
    if (const auto at = scheduler_.next_poll_ms()) {
      next = describe_delay(std::chrono::milliseconds(std::max<std::int64_t>(*at - clock_.now_ms(), 0)));
    }
    notifier_.status(fmt::format("{} source(s), {} in flight, next poll in {}, {} post(s) written",
                                 scheduler_.sources(), scheduler_.in_flight(), next, scheduler_.posts_written()));
  }

  config::Config config_;
  const Clock& clock_;
  SystemdNotifier notifier_;
  Metrics metrics_;
  std::string last_store_error_;
  boost::asio::io_context io_;
  Pipeline pipeline_;
  Scheduler scheduler_;
  Publisher publisher_;
  AdminService admin_;
  watch::PageWatcher watcher_;
  watch::WaybackSubmitter wayback_;
  std::unique_ptr<ControlServer> control_;  // after admin_: its handler calls admin_
  std::unique_ptr<HttpEndpoint> endpoint_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_;
  boost::asio::steady_timer grace_;
  boost::asio::steady_timer repair_;
  std::optional<std::chrono::steady_clock::time_point> last_prune_;  // none yet: the first turn prunes
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace

int command_run(const CommandContext& context) {
  setup_logging(context.verbosity);
  config::Config config;
  try {
    config = load_checked_config(context.config_path);
  } catch (const config::ConfigError& error) {
    spdlog::error("{}", error.what());
    return exit_usage;
  }

  int exit_status = exit_ok;
  auto store = open_writable_store(config, exit_status);
  if (!store) return exit_status;

  // A publish command that exits before reading its stdin must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  const SystemClock clock;
  try {
    Daemon daemon(std::move(config), *store->archive, clock);
    return daemon.run();
  } catch (const std::exception& error) {
    spdlog::error("cannot start: {}", error.what());
    return exit_source_failed;
  }
}

}  // namespace feedd
