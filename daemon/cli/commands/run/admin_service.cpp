#include "daemon/cli/commands/run/admin_service.h"

#include <unistd.h>

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/cli/commands/admin_job.h"
#include "daemon/cli/output/command_output.h"
#include "daemon/runtime/exit_status.h"

namespace feedd {
namespace {

using nlohmann::json;

// A job's words, sent to the client that asked for it.
class SessionOutput : public CommandOutput {
 public:
  explicit SessionOutput(std::shared_ptr<ControlSession> session) : session_(std::move(session)) {}
  void out(const std::string& text) override { session_->send(json{{"out", text}}); }
  void err(const std::string& text) override { session_->send(json{{"err", text}}); }
  void progress_start(const std::string& label, std::size_t total) override {
    session_->send(json{{"progress", label}, {"total", total}});
  }
  void progress_advance(std::size_t items) override { session_->send(json{{"advance", items}}); }
  void progress_finish() override { session_->send(json{{"progress_end", true}}); }

 private:
  std::shared_ptr<ControlSession> session_;
};

void refuse(ControlSession& session, int status, const std::string& problem) {
  session.send(json{{"err", problem + "\n"}});
  session.finish(status);
}

}  // namespace

// Lives until its last slice has run; touched by one thread at a time (the
// writer during a slice, the io thread in between).
struct AdminService::RunningJob {
  std::string command;
  config::Config config;  // a copy: a reload must not change it under the writer
  ArchiveCommandOptions options;
  std::shared_ptr<ControlSession> session;
  SessionOutput output;
  std::unique_ptr<AdminJob> job;
  std::size_t slices = 0;
  bool more = true;
  int status = exit_ok;
};

AdminService::AdminService(Pipeline& pipeline, Scheduler& scheduler, const config::Config& config)
    : pipeline_(pipeline), scheduler_(scheduler), config_(config) {}

void AdminService::handle(const json& request, std::shared_ptr<ControlSession> session) {
  const std::string command = request.value("command", "");
  if (stopping_) {
    refuse(*session, exit_already_running, fmt::format("feedd {}: feedd run is stopping; try again once it has "
                                                       "stopped (the command then runs by itself)",
                                                       command));
    return;
  }
  if (command == "rebuild" || command == "reprocess" || command == "forget") {
    start_job(command, request, std::move(session));
  } else if (command == "poll") {
    poll(request, session);
  } else if (command == "status") {
    status(session);
  } else {
    refuse(*session, exit_usage, fmt::format("feedd run does not know the request \"{}\"", command));
  }
}

void AdminService::start_job(const std::string& command, const json& request,
                             std::shared_ptr<ControlSession> session) {
  auto running = std::make_shared<RunningJob>(
      RunningJob{command, config_, admin_options(request), session, SessionOutput(session), nullptr});
  spdlog::info("control socket: {} asked for by a client", command);
  run_slice(running);
}

// One slice per writer turn: a poll's write that arrives meanwhile waits for
// one page of rows at most.
void AdminService::run_slice(const std::shared_ptr<RunningJob>& running) {
  pipeline_.write(
      [running](Archive& archive) {
        RunningJob& run = *running;
        try {
          if (!run.job) {
            run.job = make_admin_job(run.command, archive, run.config, run.options, run.output, JobPlace::daemon);
          }
          if (run.session->cancelled()) {
            run.output.progress_finish();
            run.output.err(fmt::format("feedd {}: stopped after {} slice(s): the client hung up or feedd run is "
                                       "stopping; what was done is kept, run it again for the rest\n",
                                       run.command, run.slices));
            run.status = exit_already_running;
            run.more = false;
            return;
          }
          ++run.slices;
          run.more = run.job->step(archive);
          if (!run.more) run.status = run.job->finish(archive);
        } catch (const std::exception& error) {
          run.status = report_job_failure(run.command, error, run.output);
          run.more = false;
        }
      },
      [this, running] {
        if (running->more) {
          run_slice(running);
          return;
        }
        spdlog::info("control socket: {} done, exit status {}", running->command, running->status);
        running->session->finish(running->status);
      });
}

void AdminService::poll(const json& request, const std::shared_ptr<ControlSession>& session) {
  auto names = request.value("sources", std::vector<std::string>{});
  std::set<std::string> known;
  for (const auto& live : scheduler_.live_sources()) known.insert(live.name);
  if (names.empty()) names.assign(known.begin(), known.end());
  for (const auto& name : names) {
    if (!known.contains(name)) {
      refuse(*session, exit_usage,
             fmt::format("feedd poll: no enabled source named \"{}\" in the config feedd run has loaded ({}); "
                         "after editing it, reload first (systemctl reload feedd, or SIGHUP)",
                         name, config_.file.string()));
      return;
    }
  }
  if (names.empty()) {
    refuse(*session, exit_ok, "feedd poll: feedd run has no enabled source to poll");
    return;
  }
  struct Tally {
    std::size_t waiting = 0;
    int failed = 0;
  };
  auto tally = std::make_shared<Tally>(Tally{names.size(), 0});
  for (const auto& name : names) {
    const bool started = scheduler_.poll_now(name, [session, tally](const PollReport& report) {
      if (report.ok()) {
        session->send(json{{"out", describe(report) + "\n"}});
      } else {
        ++tally->failed;
        session->send(json{{"err", "source " + describe(report) + "\n"}});
      }
      if (--tally->waiting == 0) session->finish(tally->failed > 0 ? exit_source_failed : exit_ok);
    });
    if (!started) {
      ++tally->failed;
      session->send(json{{"err", fmt::format("source {}: not polled: feedd run is stopping\n", name)}});
      if (--tally->waiting == 0) session->finish(exit_source_failed);
    }
  }
}

void AdminService::status(const std::shared_ptr<ControlSession>& session) {
  auto sources = json::array();
  for (const auto& live : scheduler_.live_sources()) {
    sources.push_back({{"name", live.name},
                       {"polling", live.polling},
                       {"next_poll_ms", live.next_poll_ms ? json(*live.next_poll_ms) : json(nullptr)},
                       {"state", live.state},
                       {"consecutive_failures", live.consecutive_failures}});
  }
  session->send(json{{"status", {{"pid", ::getpid()}, {"config", config_.file.string()}, {"sources", sources}}}});
  session->finish(exit_ok);
}

}  // namespace feedd
