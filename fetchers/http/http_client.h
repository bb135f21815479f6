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
#include <string_view>
#include <utility>
#include <vector>

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
  // Private-network shield (fetchers/http/private_address.h): the URL's own
  // host is trusted when trust_url_host is set (a configured feed URL); a
  // URL taken from feed content sets it to false. allow_private opens it all.
  bool allow_private = false;
  bool trust_url_host = true;
  // Per-request settings; empty or unset: the client's (HttpOptions).
  std::string proxy;       // http://, https://, socks5://, socks5h://
  std::string user_agent;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cookie;
  std::string username;    // basic authentication, with password
  std::string password;
  std::string bearer_token;  // sent instead of basic authentication when set
  std::string ca_file;     // PEM bundle trusted instead of the system's
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::uint64_t> max_body;  // a smaller cap for this transfer (local media's per-file cap)
  // Set: the decoded body is handed over piece by piece as it arrives, and
  // HttpResponse::body stays empty, so a large download (an archived
  // enclosure) is never held in memory; max_body still counts every piece.
  // Called on the io_context's thread, never after `done`. Returning false
  // aborts the transfer (error "body not accepted: its reader failed").
  // file:// reads ignore it: their body, within max_body, arrives in body.
  std::function<bool(std::string_view)> body_sink;
  // The source's own URLs (url, urls): the only hosts the cookie, login and
  // credential headers reach, on every hop of a redirect chain
  // (fetchers/http/request_scope.h). Empty: url's host alone.
  std::vector<std::string> home_urls;
};

struct HttpResponse {
  // 0 when the transfer failed before a complete answer arrived (DNS,
  // connect, TLS, timeout, size limit, connection reset); file:// transfers
  // that succeed report 200.
  long status = 0;
  std::string error;          // empty on a completed transfer; else what failed
  std::string body;           // decoded (gzip/deflate/br undone)
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::optional<std::chrono::seconds> retry_after;  // from Retry-After
  std::string content_location;  // the final answer's Content-Location, as sent (Save Page Now's snapshot)
  std::string effective_url;  // after redirects
  // Set when every redirect on the way was permanent (301/308) and the
  // transfer succeeded: the URL to poll from now on.
  std::optional<std::string> permanent_redirect;
  // On the wire, before decoding: header bytes of every hop plus the body as
  // received (compressed size for gzip/br); TLS framing is not counted.
  std::uint64_t bytes_received = 0;
  std::chrono::milliseconds elapsed{0};  // from leaving the queue to completion

  bool ok() const { return error.empty() && (status == 200 || status == 304); }
};

// REQUIRES: every call on the io_context's thread; callbacks run there too.
// The client must be destroyed before its io_context. Destroying the client
// aborts transfers still running without calling their callbacks.
//
// Callbacks never run inside libcurl, fetch() or abort_all(). They may call
// fetch() and abort_all(); they must not destroy the client and should not
// throw (an exception is caught, reported on stderr and dropped).
//
// Limits: at most max_in_flight transfers run at once, and at most
// max_per_host per host of the requested URL (file:// is one group; where
// redirects lead is not counted). The rest wait in FIFO order. An idle
// client holds no timers or waits, so io_context::run() returns.
// The group a URL's transfers are limited in (HttpOptions::max_per_host):
// its host, lower-cased; "file://" for local files; "" when unparsable.
std::string host_group(const std::string& url);

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse)>;

  HttpClient(boost::asio::io_context& io, HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues the request; `done` runs exactly once (with error "aborted" if
  // abort_all() comes first) unless the client is destroyed first.
  void fetch(HttpRequest request, Callback done);

  // Aborts queued and running transfers; their callbacks run later from the
  // io_context with error "aborted".
  void abort_all();

  // New limits and transfer settings (after a config reload); transfers
  // already running keep theirs.
  void set_options(HttpOptions options);

  std::size_t in_flight() const;
  std::size_t queued() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace feedd
