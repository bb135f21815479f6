#include "daemon/runtime/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <deque>
#include <set>
#include <stdexcept>
#include <system_error>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace feedd {
namespace {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;
using nlohmann::json;

// A request is one short line; anything longer is not a feedd client.
constexpr std::size_t max_request_bytes = 64 * 1024;
constexpr int max_sessions = 16;

std::string dump_line(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// Only the daemon's own user and root: the file mode already says so, and
// this also holds when the folder's permissions or a bind race let someone
// else reach the file.
bool peer_allowed(int fd) {
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return false;
  return credentials.uid == 0 || credentials.uid == ::geteuid();
}

}  // namespace

std::filesystem::path control_socket_path(const std::filesystem::path& database) {
  return database.string() + ".sock";
}

class ControlServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, const std::filesystem::path& path, Handler handler)
      : io_(io), acceptor_(io), path_(path), handler_(std::move(handler)) {
    if (path.string().size() >= sizeof(sockaddr_un::sun_path)) {
      throw std::runtime_error(fmt::format("control socket {}: path longer than {} bytes", path.string(),
                                           sizeof(sockaddr_un::sun_path) - 1));
    }
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    boost::system::error_code error;
    acceptor_.open(stream(), error);
    if (!error) acceptor_.bind(stream::endpoint(path.string()), error);
    // Owner only from the first moment anyone could look: bind made the file
    // with the umask's mode, so narrow it before listening.
    if (!error && ::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) {
      error = boost::system::error_code(errno, boost::system::system_category());
    }
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) throw std::runtime_error(fmt::format("control socket {}: {}", path.string(), error.message()));
  }

  void start() { accept(); }

  void stop() {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& session : std::set(sessions_)) session->stop();
  }

  void remove_file() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

 private:
  class Session : public ControlSession, public std::enable_shared_from_this<Session> {
   public:
    Session(std::shared_ptr<Impl> server, stream::socket socket)
        : server_(std::move(server)), socket_(std::move(socket)), input_(max_request_bytes) {}

    void start() {
      auto self = shared_from_this();
      asio::async_read_until(socket_, input_, '\n', [self](boost::system::error_code error, std::size_t) {
        if (error) {
          self->close();
          return;
        }
        self->on_request();
      });
    }

    void send(json message) override {
      asio::post(server_->io_, [self = shared_from_this(), line = dump_line(message)]() mutable {
        self->queue(std::move(line));
      });
    }

    void finish(int exit_status) override {
      asio::post(server_->io_, [self = shared_from_this(), exit_status] {
        self->queue(dump_line(json{{"done", exit_status}}));
        self->finished_ = true;
        self->close_when_written();
      });
    }

    bool cancelled() const override { return cancelled_; }

    // The daemon is stopping: a running request ends at its next slice; an
    // idle connection closes now.
    void stop() {
      cancelled_ = true;
      if (!handled_) close();
    }

   private:
    void on_request() {
      std::string line(asio::buffers_begin(input_.data()), asio::buffers_end(input_.data()));
      input_.consume(input_.size());
      json request;
      try {
        request = json::parse(line);
      } catch (const json::exception& error) {
        queue(dump_line(json{{"err", fmt::format("not a JSON request: {}", error.what())}}));
        finish(2);
        return;
      }
      handled_ = true;
      watch_for_hangup();
      try {
        server_->handler_(request, shared_from_this());
      } catch (const std::exception& error) {
        send(json{{"err", error.what()}});
        finish(3);
      }
    }

    // A client that goes away (Ctrl-C) cancels what it asked for.
    void watch_for_hangup() {
      auto self = shared_from_this();
      socket_.async_read_some(asio::buffer(hangup_buffer_), [self](boost::system::error_code error, std::size_t) {
        if (error) {
          self->cancelled_ = true;
          return;
        }
        self->watch_for_hangup();
      });
    }

    void queue(std::string line) {
      if (closed_) return;
      outbox_.push_back(std::move(line));
      if (outbox_.size() == 1) write_next();
    }

    void write_next() {
      auto self = shared_from_this();
      asio::async_write(socket_, asio::buffer(outbox_.front()), [self](boost::system::error_code error, std::size_t) {
        if (error) {
          self->cancelled_ = true;
          self->close();
          return;
        }
        self->outbox_.pop_front();
        if (!self->outbox_.empty()) {
          self->write_next();
        } else {
          self->close_when_written();
        }
      });
    }

    void close_when_written() {
      if (finished_ && outbox_.empty()) close();
    }

    void close() {
      if (closed_) return;
      closed_ = true;
      outbox_.clear();
      boost::system::error_code ignored;
      socket_.shutdown(stream::socket::shutdown_both, ignored);
      socket_.close(ignored);
      server_->sessions_.erase(shared_from_this());
    }

    std::shared_ptr<Impl> server_;
    stream::socket socket_;
    asio::streambuf input_;
    std::array<char, 256> hangup_buffer_{};
    std::deque<std::string> outbox_;
    std::atomic<bool> cancelled_{false};
    bool handled_ = false;
    bool finished_ = false;
    bool closed_ = false;
  };

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code error, stream::socket socket) {
      if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!error) self->admit(std::move(socket));
      self->accept();
    });
  }

  void admit(stream::socket socket) {
    if (!peer_allowed(socket.native_handle())) {
      spdlog::warn("control socket {}: refused a connection from another user", path_.string());
      return;
    }
    if (stopping_ || sessions_.size() >= static_cast<std::size_t>(max_sessions)) {
      const std::string busy = dump_line(json{{"err", "feedd run is stopping or busy; try again"}}) +
                               dump_line(json{{"done", 4}});
      boost::system::error_code ignored;
      asio::write(socket, asio::buffer(busy), ignored);
      return;
    }
    auto session = std::make_shared<Session>(shared_from_this(), std::move(socket));
    sessions_.insert(session);
    session->start();
  }

  asio::io_context& io_;
  stream::acceptor acceptor_;
  std::filesystem::path path_;
  Handler handler_;
  std::set<std::shared_ptr<Session>> sessions_;
  bool stopping_ = false;
};

ControlServer::ControlServer(asio::io_context& io, const std::filesystem::path& path, Handler handler)
    : impl_(std::make_shared<Impl>(io, path, std::move(handler))) {
  impl_->start();
}

ControlServer::~ControlServer() {
  impl_->stop();
  impl_->remove_file();
}

void ControlServer::stop() {
  impl_->stop();
  impl_->remove_file();
}

}  // namespace feedd
