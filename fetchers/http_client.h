// HTTP(S) and file:// transfers with libcurl's multi_socket API, driven by a
// Boost.Asio io_context: no thread per request, no polling loop. An idle
// client holds no timers and uses no CPU.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

namespace feedd {

struct HttpOptions {
  int max_in_flight = 16;          // transfers at once, all hosts together
  int max_per_host = 2;            // transfers at once to one host
  std::chrono::milliseconds timeout{60000};          // whole transfer
  std::chrono::milliseconds connect_timeout{10000};
  std::uint64_t max_body = 16u << 20;  // bytes after decoding; larger aborts
  // A transfer slower than this many bytes/s for `low_speed_time` is dropped.
  long low_speed_limit = 64;
  std::chrono::seconds low_speed_time{30};
  int max_redirects = 5;
  std::string user_agent;
};

struct HttpRequest {
  std::string url;
  std::string etag;           // sent as If-None-Match when set
  std::string last_modified;  // sent as If-Modified-Since when set
};

struct HttpResponse {
  // 0 when no HTTP answer arrived (DNS, connect, TLS, timeout, size limit);
  // file:// transfers that succeed report 200.
  long status = 0;
  std::string error;          // empty on a completed transfer; else what failed
  std::string body;           // decoded (gzip/deflate/br undone)
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::optional<std::chrono::seconds> retry_after;  // from Retry-After
  std::string effective_url;  // after redirects
  // Set when every redirect on the way was permanent (301/308) and the
  // transfer succeeded: the URL to poll from now on.
  std::optional<std::string> permanent_redirect;
  std::uint64_t bytes_received = 0;  // on the wire, before decoding
  std::chrono::milliseconds elapsed{0};

  bool ok() const { return error.empty() && (status == 200 || status == 304); }
};

// REQUIRES: every call on the io_context's thread; callbacks run there too.
// Destroying the client aborts transfers still running without calling their
// callbacks.
class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse)>;

  HttpClient(boost::asio::io_context& io, HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues the request; `done` runs exactly once unless the client is
  // destroyed or abort_all() is called first.
  void fetch(HttpRequest request, Callback done);

  // Aborts queued and running transfers; their callbacks run with an error.
  void abort_all();

  std::size_t in_flight() const;
  std::size_t queued() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace feedd
