#include "tests/support/process.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace feedd::test {
namespace {

std::filesystem::path capture_path(std::string_view stream) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() /
         ("feedd-child-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "." + std::string(stream));
}

// Everything exec needs is built before fork: the child of a threaded test
// may only call async-signal-safe functions.
struct ExecPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<char*> argv_pointers;
  std::vector<char*> env_pointers;
};

ExecPlan plan_exec(std::vector<std::string> argv, const std::vector<std::pair<std::string, std::string>>& extra_env) {
  ExecPlan plan;
  plan.argv = std::move(argv);
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    bool overridden = false;
    for (const auto& [name, value] : extra_env) overridden |= text.starts_with(name + "=");
    if (!overridden) plan.env.emplace_back(text);
  }
  for (const auto& [name, value] : extra_env) plan.env.push_back(name + "=" + value);
  for (auto& arg : plan.argv) plan.argv_pointers.push_back(arg.data());
  plan.argv_pointers.push_back(nullptr);
  for (auto& var : plan.env) plan.env_pointers.push_back(var.data());
  plan.env_pointers.push_back(nullptr);
  return plan;
}

[[noreturn]] void exec_child(const ExecPlan& plan, const std::filesystem::path& out, const std::filesystem::path& err) {
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) ::_exit(126);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  // Nothing else of the test's (its servers' listening sockets, other
  // children's capture files) leaks into the child: fd counts stay its own.
  ::close_range(3, ~0U, 0);
  ::execve(plan.argv_pointers[0], plan.argv_pointers.data(), plan.env_pointers.data());
  ::_exit(127);
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void exchange_paths(const std::filesystem::path& a, const std::filesystem::path& b) {
  if (::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
    throw std::runtime_error("cannot exchange " + a.string() + " and " + b.string() + ": " + std::strerror(errno));
  }
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> extra_env)
    : out_path_(capture_path("out")), err_path_(capture_path("err")) {
  const ExecPlan plan = plan_exec(std::move(argv), extra_env);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) exec_child(plan, out_path_, err_path_);
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int ignored = 0;
    ::waitpid(pid_, &ignored, 0);
  }
  std::error_code ignored;
  std::filesystem::remove(out_path_, ignored);
  std::filesystem::remove(err_path_, ignored);
}

void ChildProcess::signal(int signal_number) const { ::kill(pid_, signal_number); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ChildProcess::out() const { return read_file(out_path_); }
std::string ChildProcess::err() const { return read_file(err_path_); }

ProcessResult run_process(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                          std::vector<std::pair<std::string, std::string>> extra_env) {
  ChildProcess child(std::move(argv), std::move(extra_env));
  const auto status = child.wait(timeout);
  ProcessResult result;
  result.exit_status = status.value_or(-1);
  if (!status) {
    child.signal(SIGKILL);
    child.wait(std::chrono::seconds(5));
  }
  result.out = child.out();
  result.err = child.err();
  return result;
}

std::unique_ptr<ChildProcess> start_daemon(const std::filesystem::path& config, std::vector<std::string> more_args,
                                           std::vector<std::pair<std::string, std::string>> extra_env) {
  std::vector<std::string> argv{FEEDD_BINARY, "run", "--config", config.string()};
  argv.insert(argv.end(), more_args.begin(), more_args.end());
  return std::make_unique<ChildProcess>(std::move(argv), std::move(extra_env));
}

ProcessResult run_feedd(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), FEEDD_BINARY);
  return run_process(std::move(args), timeout);
}

}  // namespace feedd::test
