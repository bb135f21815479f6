// One io_context on one thread; each connection is a coroutine, so a delayed
// or trickling answer waits on a timer and never blocks other connections.

// The tests link feedd_fetchers, which compiles Asio with this set; keeping
// it identical here keeps the two copies of Asio's inline code the same.
#ifndef BOOST_ASIO_NO_DEPRECATED
#define BOOST_ASIO_NO_DEPRECATED
#endif
#define ZLIB_CONST

#include "tests/support/http_test_server.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace feedd::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Enough for any test's concurrency; a runaway client cannot exhaust fds.
constexpr int kMaxConnections = 256;

class GzipWriter {
 public:
  GzipWriter() {
    // windowBits 15 + 16 asks zlib for a gzip wrapper instead of zlib's own.
    if (deflateInit2(&stream_, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("gzip: zlib could not start a deflate stream");
    }
  }
  ~GzipWriter() { deflateEnd(&stream_); }
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(std::string_view data, bool last) {
    stream_.next_in = reinterpret_cast<const Bytef*>(data.data());
    stream_.avail_in = static_cast<uInt>(data.size());
    do {
      char chunk[1 << 14];
      stream_.next_out = reinterpret_cast<Bytef*>(chunk);
      stream_.avail_out = sizeof chunk;
      if (deflate(&stream_, last ? Z_FINISH : Z_NO_FLUSH) == Z_STREAM_ERROR) {
        throw std::runtime_error("gzip: zlib deflate failed");
      }
      out_.append(chunk, sizeof chunk - stream_.avail_out);
    } while (stream_.avail_out == 0);
  }

  std::string take() { return std::move(out_); }

 private:
  z_stream stream_{};
  std::string out_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

// Counts something while it exists and remembers the peak.
class Gauge {
 public:
  Gauge(std::mutex& mutex, int& current, int& peak) : mutex_(mutex), current_(current) {
    const std::lock_guard lock(mutex_);
    peak = std::max(peak, ++current_);
  }
  ~Gauge() {
    const std::lock_guard lock(mutex_);
    --current_;
  }
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

 private:
  std::mutex& mutex_;
  int& current_;
};

net::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  net::steady_timer timer(co_await net::this_coro::executor, duration);
  co_await timer.async_wait(net::use_awaitable);
}

struct WireResponse {
  std::string head;  // status line and headers, through the blank line
  std::string body;
};

WireResponse serialize(const TestResponse& response, unsigned version, bool keep_alive) {
  http::response<http::string_body> message;
  message.version(version);
  message.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers) message.insert(name, value);
  if (response.gzip) {
    message.set(http::field::content_encoding, "gzip");
    message.body() = gzip(response.body);
  } else {
    message.body() = response.body;
  }
  message.keep_alive(keep_alive);
  message.prepare_payload();
  std::ostringstream out;
  out << message;
  std::string wire = std::move(out).str();
  const auto end_of_head = wire.find("\r\n\r\n") + 4;
  return {wire.substr(0, end_of_head), wire.substr(end_of_head)};
}

}  // namespace

TestResponse redirect_to(int status, std::string location) {
  TestResponse response;
  response.status = status;
  response.headers.emplace_back("Location", std::move(location));
  return response;
}

std::string gzip(std::string_view data) {
  GzipWriter writer;
  writer.write(data, true);
  return writer.take();
}

std::string gzip_zeros(std::size_t count) {
  const std::string zeros(std::size_t{1} << 20, '\0');
  GzipWriter writer;
  while (count > zeros.size()) {
    writer.write(zeros, false);
    count -= zeros.size();
  }
  writer.write(std::string_view(zeros).substr(0, count), true);
  return writer.take();
}

class HttpTestServer::Impl {
 public:
  explicit Impl(std::string address);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  const std::string& address() const { return address_; }
  unsigned short port() const { return port_; }
  void route(std::string path, Handler handler);
  std::size_t requests(std::string_view path) const;
  std::vector<TestRequest> request_log() const;
  int max_concurrent_connections() const;
  int max_concurrent_requests() const;

 private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> session(tcp::socket socket);
  net::awaitable<void> send(tcp::socket& socket, const TestResponse& response, unsigned version, bool keep_alive);
  TestRequest record(const http::request<http::string_body>& request, const std::string& peer);
  TestResponse answer(const TestRequest& request) const;

  // State the connections touch: declared before io_ so it outlives the
  // coroutine frames io_ destroys when the server stops.
  mutable std::mutex mutex_;
  std::map<std::string, Handler> routes_;
  std::vector<TestRequest> log_;
  int connections_ = 0;
  int peak_connections_ = 0;
  int answering_ = 0;
  int peak_answering_ = 0;

  std::string address_;
  unsigned short port_ = 0;
  net::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

HttpTestServer::Impl::Impl(std::string address) : address_(std::move(address)) {
  boost::system::error_code error;
  const auto ip = net::ip::make_address(address_, error);
  if (error || !ip.is_v4() || (ip.to_v4().to_uint() >> 24) != 127) {
    throw std::invalid_argument("HttpTestServer binds only 127.0.0.0/8, not \"" + address_ + "\"");
  }
  const tcp::endpoint endpoint(ip, 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  net::co_spawn(io_, accept_loop(), net::detached);
  thread_ = std::thread([this] { io_.run(); });
}

HttpTestServer::Impl::~Impl() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void HttpTestServer::Impl::route(std::string path, Handler handler) {
  const std::lock_guard lock(mutex_);
  routes_[std::move(path)] = std::move(handler);
}

std::size_t HttpTestServer::Impl::requests(std::string_view path) const {
  const std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(log_.begin(), log_.end(), [&](const TestRequest& request) {
    return path_of(request.target) == path;
  }));
}

std::vector<TestRequest> HttpTestServer::Impl::request_log() const {
  const std::lock_guard lock(mutex_);
  return log_;
}

int HttpTestServer::Impl::max_concurrent_connections() const {
  const std::lock_guard lock(mutex_);
  return peak_connections_;
}

int HttpTestServer::Impl::max_concurrent_requests() const {
  const std::lock_guard lock(mutex_);
  return peak_answering_;
}

net::awaitable<void> HttpTestServer::Impl::accept_loop() {
  for (;;) {
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, error));
    if (error == net::error::operation_aborted) co_return;
    if (error) continue;  // e.g. the client gave up before we accepted
    bool full = false;
    {
      const std::lock_guard lock(mutex_);
      full = connections_ >= kMaxConnections;
    }
    if (!full) net::co_spawn(io_, session(std::move(socket)), net::detached);
  }
}

net::awaitable<void> HttpTestServer::Impl::session(tcp::socket socket) {
  const Gauge open(mutex_, connections_, peak_connections_);
  boost::system::error_code no_peer;
  const auto remote = socket.remote_endpoint(no_peer);
  const std::string peer = no_peer ? std::string() : remote.address().to_string();
  try {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      co_await http::async_read(socket, buffer, request, net::use_awaitable);
      const bool keep_alive = request.keep_alive();
      const TestResponse response = answer(record(request, peer));
      const Gauge answering(mutex_, answering_, peak_answering_);
      co_await send(socket, response, request.version(), keep_alive);
      if (response.reset_mid_body || response.cut_body_at || !keep_alive) break;
    }
  } catch (const std::exception&) {
    // The client closed or reset the connection, or sent garbage: done.
  }
  boost::system::error_code ignored;
  if (socket.is_open()) socket.shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> HttpTestServer::Impl::send(tcp::socket& socket, const TestResponse& response, unsigned version,
                                                bool keep_alive) {
  if (response.delay.count() > 0) co_await sleep_for(response.delay);
  const WireResponse wire = serialize(response, version, keep_alive);
  if (response.reset_mid_body) {
    const std::string partial = wire.head + wire.body.substr(0, wire.body.size() / 2);
    co_await net::async_write(socket, net::buffer(partial), net::use_awaitable);
    // Linger with a zero timeout makes close() send RST instead of FIN.
    socket.set_option(tcp::socket::linger(true, 0));
    socket.close();
    co_return;
  }
  if (response.cut_body_at) {
    const std::string partial = wire.head + wire.body.substr(0, std::min(*response.cut_body_at, wire.body.size()));
    co_await net::async_write(socket, net::buffer(partial), net::use_awaitable);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    co_return;
  }
  if (response.trickle.count() <= 0) {
    const std::string whole = wire.head + wire.body;
    co_await net::async_write(socket, net::buffer(whole), net::use_awaitable);
    co_return;
  }
  co_await net::async_write(socket, net::buffer(wire.head), net::use_awaitable);
  for (const char byte : wire.body) {
    co_await sleep_for(response.trickle);
    co_await net::async_write(socket, net::buffer(&byte, 1), net::use_awaitable);
  }
}

TestRequest HttpTestServer::Impl::record(const http::request<http::string_body>& request, const std::string& peer) {
  TestRequest seen;
  seen.peer = peer;
  seen.method = std::string(request.method_string());
  seen.target = std::string(request.target());
  for (const auto& field : request) seen.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  const std::lock_guard lock(mutex_);
  log_.push_back(seen);
  return seen;
}

TestResponse HttpTestServer::Impl::answer(const TestRequest& request) const {
  Handler handler;
  {
    const std::lock_guard lock(mutex_);
    const auto found = routes_.find(path_of(request.target));
    if (found != routes_.end()) handler = found->second;
  }
  TestResponse failure;
  if (!handler) {
    failure.status = 404;
    failure.body = "no route for " + request.target;
    return failure;
  }
  try {
    return handler(request);
  } catch (const std::exception& error) {
    failure.status = 500;
    failure.body = std::string("route threw: ") + error.what();
    return failure;
  }
}

HttpTestServer::HttpTestServer(std::string address) : impl_(std::make_unique<Impl>(std::move(address))) {}

HttpTestServer::~HttpTestServer() = default;

std::string HttpTestServer::url(std::string_view path) const {
  return fmt::format("http://{}:{}{}{}", impl_->address(), impl_->port(), path.starts_with('/') ? "" : "/", path);
}

unsigned short HttpTestServer::port() const { return impl_->port(); }

void HttpTestServer::route(std::string path, Handler handler) { impl_->route(std::move(path), std::move(handler)); }

void HttpTestServer::serve(std::string path, std::string body, std::string content_type) {
  const std::string etag = fmt::format("\"{:016x}\"", std::hash<std::string>{}(body));
  const std::string last_modified = "Sat, 01 Jan 2022 00:00:00 GMT";
  route(std::move(path), [=](const TestRequest& request) {
    const auto header = [&](const std::string& name) {
      const auto found = request.headers.find(name);
      return found == request.headers.end() ? std::string() : found->second;
    };
    const std::string if_none_match = header("if-none-match");
    const bool unchanged =
        !if_none_match.empty() ? if_none_match == etag : header("if-modified-since") == last_modified;
    TestResponse response;
    response.headers = {{"ETag", etag}, {"Last-Modified", last_modified}};
    if (unchanged) {
      response.status = 304;
      return response;
    }
    response.headers.emplace_back("Content-Type", content_type);
    response.body = body;
    return response;
  });
}

std::size_t HttpTestServer::requests(std::string_view path) const { return impl_->requests(path); }

std::vector<TestRequest> HttpTestServer::request_log() const { return impl_->request_log(); }

int HttpTestServer::max_concurrent_connections() const { return impl_->max_concurrent_connections(); }

int HttpTestServer::max_concurrent_requests() const { return impl_->max_concurrent_requests(); }

}  // namespace feedd::test
