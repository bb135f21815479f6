#include "daemon/runtime/publish/publisher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

extern char** environ;

namespace feedd {
namespace {

// The kernel refuses a single environment string over 128 KiB (E2BIG);
// larger batches are published in several runs.
constexpr std::size_t max_paths_bytes = 96 * 1024;

std::string substitute_count(std::string argument, std::size_t count) {
  const std::string placeholder = "{count}";
  for (auto at = argument.find(placeholder); at != std::string::npos; at = argument.find(placeholder, at)) {
    const auto number = std::to_string(count);
    argument.replace(at, placeholder.size(), number);
    at += number.size();
  }
  return argument;
}

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "ended abnormally";
}

class SpawnAttributes {
 public:
  SpawnAttributes() { posix_spawnattr_init(&attributes_); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

}  // namespace

Publisher::Publisher(boost::asio::io_context& io, PublishSettings settings)
    : io_(io), settings_(std::move(settings)), delay_(io), deadline_(io) {}

Publisher::~Publisher() {
  if (child_ > 0) {
    signal_group(SIGKILL);
    int ignored = 0;
    ::waitpid(child_, &ignored, 0);
  }
}

void Publisher::reconfigure(PublishSettings settings) { settings_ = std::move(settings); }

void Publisher::add(const std::vector<std::filesystem::path>& written) {
  if (settings_.command.empty() || written.empty()) return;
  pending_.insert(written.begin(), written.end());
  maybe_start(false);
}

void Publisher::flush() {
  if (delay_armed_) delay_.cancel();
  maybe_start(true);
}

void Publisher::maybe_start(bool ignore_interval) {
  if (child_ > 0 || pending_.empty() || settings_.command.empty()) return;
  const auto since_last = std::chrono::steady_clock::now() - last_start_;
  if (!ignore_interval && last_start_.time_since_epoch().count() != 0 && since_last < settings_.min_interval) {
    if (delay_armed_) return;
    delay_armed_ = true;
    delay_.expires_after(settings_.min_interval - since_last);
    delay_.async_wait([this](const boost::system::error_code&) {
      delay_armed_ = false;
      maybe_start(true);
    });
    return;
  }
  start();
}

void Publisher::start() {
  running_paths_.clear();
  std::string paths;
  for (auto it = pending_.begin(); it != pending_.end() && paths.size() < max_paths_bytes;) {
    paths += it->string() + "\n";
    running_paths_.push_back(*it);
    it = pending_.erase(it);
  }

  std::vector<std::string> argv;
  for (const auto& argument : settings_.command) argv.push_back(substitute_count(argument, running_paths_.size()));
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "FEEDD_POSTS=", 12) != 0) env.emplace_back(*entry);
  }
  env.push_back("FEEDD_POSTS=" + paths.substr(0, paths.size() - 1));  // without the last newline
  std::vector<char*> argv_pointers, env_pointers;
  for (auto& argument : argv) argv_pointers.push_back(argument.data());
  argv_pointers.push_back(nullptr);
  for (auto& variable : env) env_pointers.push_back(variable.data());
  env_pointers.push_back(nullptr);

  int stdin_pipe[2];
  if (::pipe2(stdin_pipe, O_CLOEXEC) != 0) {
    spdlog::error("publish: cannot create a pipe: {}", std::strerror(errno));
    pending_.insert(running_paths_.begin(), running_paths_.end());
    return;
  }
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), stdin_pipe[0], STDIN_FILENO);
  // Its own process group (pgid = its pid), so the timeout reaches whatever
  // it started as well.
  SpawnAttributes attributes;
  posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(attributes.get(), 0);
  // SIGCHLD must be watched before the child can exit.
  child_signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGCHLD);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0].c_str(), actions.get(), attributes.get(), argv_pointers.data(),
                                  env_pointers.data());
  ::close(stdin_pipe[0]);
  if (spawned != 0) {
    ::close(stdin_pipe[1]);
    child_signals_.reset();
    spdlog::error("publish: cannot run {}: {}; {} post(s) wait for the next batch", argv[0], std::strerror(spawned),
                  running_paths_.size());
    pending_.insert(running_paths_.begin(), running_paths_.end());
    return;
  }
  child_ = pid;
  last_start_ = std::chrono::steady_clock::now();
  escalated_ = false;
  spdlog::info("publish: running {} for {} post(s)", argv[0], running_paths_.size());

  // The list can outgrow the pipe's buffer; write it asynchronously so a
  // command that reads slowly, or never, cannot block the daemon. A command
  // that exits without reading ends the write with EPIPE (SIGPIPE ignored).
  auto input = std::make_shared<boost::asio::posix::stream_descriptor>(io_, stdin_pipe[1]);
  auto text = std::make_shared<std::string>(std::move(paths));
  boost::asio::async_write(*input, boost::asio::buffer(*text),
                           [input, text](const boost::system::error_code&, std::size_t) {
                             boost::system::error_code ignored;
                             input->close(ignored);
                           });

  deadline_.expires_after(settings_.timeout);
  deadline_.async_wait([this](const boost::system::error_code& error) {
    if (error || child_ < 0) return;
    spdlog::warn("publish: {} still running after {} ms, stopping it", settings_.command.front(),
                 settings_.timeout.count());
    signal_group(escalated_ ? SIGKILL : SIGTERM);
    escalated_ = true;
    deadline_.expires_after(std::chrono::seconds(5));
    deadline_.async_wait([this](const boost::system::error_code& again) {
      if (!again && child_ > 0) signal_group(SIGKILL);
    });
  });
  on_child_signal();
}

void Publisher::on_child_signal() {
  child_signals_->async_wait([this](const boost::system::error_code& error, int) {
    if (error || child_ < 0) return;
    int status = 0;
    const pid_t done = ::waitpid(child_, &status, WNOHANG);
    if (done == child_) {
      finished(status);
    } else {
      on_child_signal();  // another child of this process
    }
  });
}

// The group's id is the command's pid. Until every member is gone the
// kernel does not reuse that id, so signalling it after the command itself
// was reaped reaches only what it left behind.
void Publisher::signal_group(int signal_number) const {
  if (child_ > 0) ::kill(-child_, signal_number);
}

void Publisher::finished(int status) {
  // Children of a command stopped at its timeout go with it, even those that
  // ignored SIGTERM.
  if (escalated_) signal_group(SIGKILL);
  child_ = -1;
  deadline_.cancel();
  child_signals_->cancel();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    spdlog::info("publish: {} published {} post(s)", settings_.command.front(), running_paths_.size());
    if (on_published_) on_published_(running_paths_);
  } else {
    spdlog::error("publish: {} {}; {} post(s) will be offered again with the next batch", settings_.command.front(),
                  describe_status(status), running_paths_.size());
    pending_.insert(running_paths_.begin(), running_paths_.end());
    running_paths_.clear();
    return;  // retried at the next batch, not in a loop
  }
  running_paths_.clear();
  // A large first run is split; carry on with the rest under the interval.
  maybe_start(false);
}

}  // namespace feedd
