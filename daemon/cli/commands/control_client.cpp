#include "daemon/cli/commands/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/control_socket.h"

namespace feedd {
namespace {

using nlohmann::json;

// How long a command waits for a daemon that holds the lock but does not
// answer yet: start-up (opening the store, writing pending posts) takes
// this long at most on a healthy machine.
constexpr auto wait_for_starting_daemon = std::chrono::seconds(10);

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A connected socket, or nullopt when nobody listens at `path`.
std::optional<int> connect_to(const std::filesystem::path& path) {
  sockaddr_un address{};
  if (path.string().size() >= sizeof address.sun_path) return std::nullopt;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.string().size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == ENOENT || error == ECONNREFUSED) return std::nullopt;
    throw CommandFailure(exit_store, fmt::format("control socket {}: {}", path.string(), std::strerror(error)));
  }
  return fd;
}

void send_all(int fd, const std::string& bytes, const std::filesystem::path& path) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t size = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (size < 0 && errno == EINTR) continue;
    if (size < 0) {
      throw CommandFailure(exit_store, fmt::format("control socket {}: {}", path.string(), std::strerror(errno)));
    }
    sent += static_cast<std::size_t>(size);
  }
}

// Passes one message on; returns the exit status when it is the last.
std::optional<int> dispatch(const json& message, CommandOutput& output,
                            const std::function<void(const json&)>& on_message) {
  if (message.contains("done")) return message["done"].get<int>();
  if (message.contains("out")) {
    output.out(message["out"].get<std::string>());
  } else if (message.contains("err")) {
    output.err(message["err"].get<std::string>());
  } else if (message.contains("progress")) {
    output.progress_start(message["progress"].get<std::string>(), message.value("total", std::size_t{0}));
  } else if (message.contains("advance")) {
    output.progress_advance(message["advance"].get<std::size_t>());
  } else if (message.contains("progress_end")) {
    output.progress_finish();
  } else if (on_message) {
    on_message(message);
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> ask_daemon(const config::Config& config, const json& request, CommandOutput& output,
                              const std::function<void(const json&)>& on_message) {
  const auto path = control_socket_path(config.storage.database);
  const auto fd = connect_to(path);
  if (!fd) return std::nullopt;
  Socket socket(*fd);
  send_all(socket.fd(), request.dump() + "\n", path);
  std::string buffer;
  char chunk[4096];
  for (;;) {
    for (auto end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n')) {
      const std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      json message;
      try {
        message = json::parse(line);
      } catch (const json::exception& error) {
        throw CommandFailure(exit_store, fmt::format("control socket {}: unreadable answer: {}", path.string(),
                                                     error.what()));
      }
      if (const auto status = dispatch(message, output, on_message)) {
        output.progress_finish();
        return status;
      }
    }
    const ssize_t size = ::recv(socket.fd(), chunk, sizeof chunk, 0);
    if (size < 0 && errno == EINTR) continue;
    if (size <= 0) {
      output.progress_finish();
      throw CommandFailure(exit_store, fmt::format("feedd run hung up on {} before it was done (did it stop?); "
                                                   "run the command again",
                                                   path.string()));
    }
    buffer.append(chunk, static_cast<std::size_t>(size));
  }
}

DaemonOrLock hand_to_daemon_or_lock(const config::Config& config, const json& request, CommandOutput& output) {
  const auto deadline = std::chrono::steady_clock::now() + wait_for_starting_daemon;
  for (;;) {
    if (auto status = ask_daemon(config, request, output)) return {status, std::nullopt};
    const auto lock_path = config.storage.database.string() + ".lock";
    std::string holder;
    if (auto lock = InstanceLock::try_acquire(lock_path, holder)) return {std::nullopt, std::move(*lock)};
    if (std::chrono::steady_clock::now() >= deadline) {
      throw CommandFailure(
          exit_already_running,
          fmt::format("feedd (pid {}) holds the lock {} but does not answer on {}: a `feedd once` still running, "
                      "or a feedd older than this one; try again when it has ended",
                      holder.empty() ? "?" : holder, lock_path, control_socket_path(config.storage.database).string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace feedd
