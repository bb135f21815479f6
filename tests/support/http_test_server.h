// A real HTTP/1.1 server on loopback for tests (Boost.Beast), on its own
// thread. Routes are registered per path; anything else is 404. Bounded: it
// stops when destroyed, and refuses to bind anything but loopback.
//
// Thread-safety: every member may be called from any thread while the server
// runs. Route handlers run on the server's thread, one at a time per
// connection; they must not call back into the server that runs them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd::test {

struct TestRequest {
  std::string method;
  std::string target;                          // as sent, query included
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string peer;  // the client's address ("127.0.0.3"): who connected, e.g. a proxy
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};    // wait this long before answering
  std::chrono::milliseconds trickle{0};  // > 0: send the body one byte per interval
  bool reset_mid_body = false;           // send headers and half the body, then RST
  // Set: the headers promise the whole body (Content-Length), but only this
  // many bytes of it are sent before an orderly close (FIN, not RST): a
  // transfer cut short, as by a proxy or a server restart.
  std::optional<std::size_t> cut_body_at{};
  bool gzip = false;                     // send `body` gzip-compressed with Content-Encoding
};

// A redirect answer: `status` (301, 302, 307, 308...) pointing at `location`.
TestResponse redirect_to(int status, std::string location);

// gzip (RFC 1952) of `data`.
std::string gzip(std::string_view data);
// gzip of `count` zero bytes, compressed in pieces so a 100 MB "bomb" never
// needs 100 MB of memory here.
std::string gzip_zeros(std::size_t count);

class HttpTestServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  // Binds an ephemeral port on `address`, which must be in 127.0.0.0/8
  // (std::invalid_argument otherwise), and starts serving at once.
  explicit HttpTestServer(std::string address = "127.0.0.1");
  ~HttpTestServer();  // stops serving and drops open connections
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // "http://127.0.0.1:PORT/path"; `path` should start with '/'.
  std::string url(std::string_view path) const;
  unsigned short port() const;

  // Answers requests whose path (query ignored) is `path`; replaces any
  // earlier route for it.
  void route(std::string path, Handler handler);
  // A static document with an ETag and Last-Modified, answering 304 to a
  // matching If-None-Match (or, without one, a matching If-Modified-Since).
  void serve(std::string path, std::string body, std::string content_type = "application/rss+xml");

  std::size_t requests(std::string_view path) const;  // received for `path`
  std::vector<TestRequest> request_log() const;       // every request, in order
  int max_concurrent_connections() const;             // peak open connections
  int max_concurrent_requests() const;                // peak requests being answered

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace feedd::test
