// Runs the real feedd binary as a child process, the way a user or systemd
// would, with its output captured.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace feedd::test {

struct ProcessResult {
  int exit_status = -1;  // -1: killed after the timeout or by a signal
  std::string out;
  std::string err;
};

// A running child. Its stdout and stderr go to files so a chatty child can
// never block on a full pipe. Killed (SIGKILL) on destruction if still alive.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // The exit status once the child has ended within `timeout`, else nullopt.
  // A child ended by a signal reports 128 + the signal number.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;

 private:
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs the child to completion (killing it after `timeout`).
ProcessResult run_process(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          std::vector<std::pair<std::string, std::string>> extra_env = {});

// `feedd run --config CONFIG` and `more_args` (--verbose, say): the daemon
// under test, started the way systemd starts it and killed if still running
// when the owner goes.
std::unique_ptr<ChildProcess> start_daemon(const std::filesystem::path& config, std::vector<std::string> more_args = {},
                                           std::vector<std::pair<std::string, std::string>> extra_env = {});

// The feedd binary under test, with `args`.
ProcessResult run_feedd(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(60));

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view bytes);
// Swaps two paths in one step (renameat2 RENAME_EXCHANGE): a running feedd
// never sees either missing, as it would between two renames (it recreates a
// missing posts folder). Throws std::runtime_error.
void exchange_paths(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace feedd::test
