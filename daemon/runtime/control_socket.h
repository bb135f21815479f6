// The daemon's control socket: a Unix stream socket beside the database
// (<database>.sock, mode 0600) through which `feedd rebuild`, `reprocess`,
// `forget`, `poll` and `sources` reach a running `feedd run`.
//
// Protocol: the client sends one JSON object on one line ({"command":
// "forget", ...}); the daemon answers with JSON lines, each one message
// ({"out": text}, {"err": text}, {"progress": label, "total": n},
// {"advance": n}, {"status": ...}), and ends with {"done": exit_status},
// after which it closes the connection. Why a socket rather than sharing the
// store: README.md, "Administration while the daemon runs".
//
// Only the daemon's own user and root may connect: the file's mode, and the
// peer's credentials (SO_PEERCRED) checked on every connection.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

namespace feedd {

// The control socket of the store whose database is `database`.
std::filesystem::path control_socket_path(const std::filesystem::path& database);

// One client's request, as the daemon answers it. Thread-safe: send and
// finish may be called from the writer thread; the writes happen on the
// io_context's thread, in order.
class ControlSession {
 public:
  virtual ~ControlSession() = default;
  virtual void send(nlohmann::json message) = 0;
  // Sends {"done": status} and closes; later sends are dropped.
  virtual void finish(int exit_status) = 0;
  // The client hung up or the daemon is stopping: a long job stops at its
  // next slice.
  virtual bool cancelled() const = 0;
};

class ControlServer {
 public:
  // Called on the io_context's thread with each request; the handler keeps
  // the session for as long as it works on it.
  using Handler = std::function<void(const nlohmann::json& request, std::shared_ptr<ControlSession> session)>;

  // Binds `path` (a leftover file there is replaced: the caller holds the
  // store's lock, so no other daemon owns it). Throws std::runtime_error
  // naming the path when it cannot.
  ControlServer(boost::asio::io_context& io, const std::filesystem::path& path, Handler handler);
  ~ControlServer();  // removes the socket file
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Stops accepting, cancels running sessions (they finish their current
  // slice and end) and closes idle connections.
  void stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd
