#include "daemon/runtime/http_endpoint.h"

#include <chrono>
#include <deque>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace feedd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr int max_connections = 16;
// A scraper or health check sends its request at once; a connection silent
// this long is idle, not slow.
constexpr std::chrono::seconds request_deadline{2};
constexpr std::chrono::seconds connection_deadline{10};

tcp::endpoint parse_listen(const std::string& listen) {
  std::string host = "127.0.0.1";
  std::string port = listen;
  if (const auto colon = listen.rfind(':'); colon != std::string::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  char* end = nullptr;
  const unsigned long number = std::strtoul(port.c_str(), &end, 10);
  if (error || port.empty() || *end != '\0' || number > 65535) {
    throw std::runtime_error(fmt::format("http listen \"{}\": not an address:port", listen));
  }
  return {address, static_cast<unsigned short>(number)};
}

}  // namespace

class HttpEndpoint::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, const std::string& listen, Handler handler)
      : acceptor_(io), handler_(std::move(handler)) {
    const auto endpoint = parse_listen(listen);
    boost::system::error_code error;
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) throw std::runtime_error(fmt::format("http listen {}: {}", listen, error.message()));
  }

  void start() { accept(); }
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    http::response<http::string_body> response;
    bool waiting_for_request = true;
    bool closed = false;
  };

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!error) {
        if (self->open_ >= max_connections) self->evict_idle();
        if (self->open_ < max_connections) self->serve(std::make_shared<Connection>(std::move(socket)));
      }
      self->accept();
    });
  }

  // Closes the oldest connection still waiting for its request; its read
  // then fails and closes it for good.
  void evict_idle() {
    while (!idle_.empty()) {
      auto oldest = idle_.front().lock();
      idle_.pop_front();
      if (!oldest || oldest->closed || !oldest->waiting_for_request) continue;
      close(oldest);
      return;
    }
  }

  void serve(const std::shared_ptr<Connection>& connection) {
    ++open_;
    connection->stream.expires_after(request_deadline);
    while (!idle_.empty() && idle_.front().expired()) idle_.pop_front();
    idle_.push_back(connection);
    http::async_read(connection->stream, connection->buffer, connection->request,
                     [self = shared_from_this(), connection](boost::system::error_code error, std::size_t) {
                       connection->waiting_for_request = false;
                       if (error) {
                         self->close(connection);
                         return;
                       }
                       self->respond(connection);
                     });
  }

  void respond(const std::shared_ptr<Connection>& connection) {
    connection->stream.expires_after(connection_deadline);
    auto& request = connection->request;
    auto& response = connection->response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      response.result(http::status::method_not_allowed);
      response.body() = "GET only\n";
    } else {
      EndpointResponse answer;
      try {
        const std::string_view target(request.target().data(), request.target().size());
        answer = handler_(target.substr(0, target.find('?')));
      } catch (const std::exception& error) {
        answer = {500, "text/plain; charset=utf-8", fmt::format("error: {}\n", error.what())};
      }
      response.result(static_cast<unsigned>(answer.status));
      response.set(http::field::content_type, answer.content_type);
      if (request.method() == http::verb::get) response.body() = std::move(answer.body);
    }
    response.prepare_payload();
    http::async_write(connection->stream, response,
                      [self = shared_from_this(), connection](boost::system::error_code, std::size_t) {
                        self->close(connection);
                      });
  }

  void close(const std::shared_ptr<Connection>& connection) {
    if (connection->closed) return;
    connection->closed = true;
    boost::system::error_code ignored;
    connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    connection->stream.close();
    --open_;
  }

  tcp::acceptor acceptor_;
  Handler handler_;
  int open_ = 0;
  std::deque<std::weak_ptr<Connection>> idle_;  // in accept order; some may be answered or gone
};

HttpEndpoint::HttpEndpoint(asio::io_context& io, const std::string& listen, Handler handler)
    : impl_(std::make_shared<Impl>(io, listen, std::move(handler))) {
  impl_->start();
}

HttpEndpoint::~HttpEndpoint() { impl_->stop(); }

unsigned short HttpEndpoint::port() const { return impl_->port(); }

void HttpEndpoint::stop() { impl_->stop(); }

}  // namespace feedd
