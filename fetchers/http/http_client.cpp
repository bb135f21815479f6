// libcurl's multi_socket API bridged onto one Asio io_context.
//
// libcurl decides which sockets to watch and when it wants a timeout; it tells
// us through two callbacks (on_socket, on_timer). We translate those into
// one-shot Asio waits on a stream_descriptor per fd and one steady_timer, and
// every completed wait turns into a curl_multi_socket_action call. libcurl is
// never called from inside its own callbacks: the callbacks only arm or disarm
// Asio operations, and the Asio handlers do the calling.
//
// Lifetime: the client may be destroyed while Asio still holds handlers that
// point at it (cancelled waits complete later). Every handler captures a weak
// "alive" token and a shared_ptr to the watch it belongs to, and checks both
// before touching anything else.
#include "fetchers/http/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "fetchers/http/file_read.h"
#include "fetchers/http/private_address.h"
#include "fetchers/http/request_scope.h"
#include "fetchers/http/url.h"
#include "fetchers/redact/redact_url.h"

namespace feedd {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const noexcept { curl_free(text); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// libcurl's global state is reference counted (and thread-safe since 7.84),
// so each client holding one keeps it alive exactly as long as needed.
class CurlGlobal {
 public:
  CurlGlobal() {
    if (const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
      throw std::runtime_error(fmt::format("libcurl initialisation failed: {}", curl_easy_strerror(code)));
    }
  }
  ~CurlGlobal() { curl_global_cleanup(); }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n";
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// A stored validator goes back out as a request header; CR or LF in it would
// let a hostile server inject headers into our next request.
bool safe_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

// file:// is a group of its own, and a URL curl cannot parse gets the empty
// group (curl will report why it failed).
std::string host_group(const std::string& url) {
  UrlPtr parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  char* raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw, 0) == CURLUE_OK) {
    const CurlString scheme(raw);
    if (iequals(scheme.get(), "file")) return "file://";
  }
  raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK) return {};
  const CurlString host(raw);
  return lower(host.get());
}

namespace {

// Retry-After is either delay-seconds or an HTTP-date (RFC 9110 10.2.3).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    std::int64_t seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error == std::errc::result_out_of_range) return std::chrono::seconds(std::numeric_limits<std::int32_t>::max());
    if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  const std::string date(value);
  const std::time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::chrono::seconds(std::max<std::time_t>(0, when - now));
}

// A redirect chain feedd follows itself, one transfer per hop, because its
// first request carries credentials (request_scope.h: redirect_hop): what
// the hops so far add up to.
struct RedirectChain {
  HttpRequest first;              // with every credential, for the hops that return home
  std::vector<long> hop_statuses; // status lines of the hops so far
  std::uint64_t bytes_received = 0;
  long redirects = 0;
  SteadyClock::time_point started;
};

// Everything one transfer owns; its address is the easy handle's
// CURLOPT_PRIVATE and the userdata of its write and header callbacks.
struct Transfer {
  HttpRequest request;
  HttpClient::Callback done;
  std::string host;
  std::uint64_t max_body = 0;
  AddressPolicy address_policy;
  bool via_proxy = false;
  std::string refused;  // why the private-network shield stopped it
  std::shared_ptr<RedirectChain> chain;  // set: libcurl does not follow redirects, we do
  EasyPtr easy;
  SlistPtr headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  SteadyClock::time_point started;

  // Filled in by libcurl's callbacks while the transfer runs.
  std::string body;
  std::uint64_t body_bytes = 0;  // decoded, whether kept in body or handed to the request's body_sink
  bool sink_refused = false;
  bool body_too_large = false;
  bool out_of_memory = false;
  std::vector<long> hop_statuses;  // one per status line: each redirect hop, then the answer
  std::string reason;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string retry_after;
  std::string content_location;

  void take_status_line(std::string_view line);
  void take_header_line(std::string_view line);
};

void Transfer::take_status_line(std::string_view line) {
  // "HTTP/1.1 301 Moved Permanently" or "HTTP/2 200": headers seen so far
  // belonged to an earlier hop, so the next answer's headers start afresh.
  content_type.clear();
  etag.clear();
  last_modified.clear();
  retry_after.clear();
  content_location.clear();
  reason.clear();
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return;
  std::string_view rest = line.substr(space + 1);
  long code = 0;
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), code);
  if (error != std::errc()) return;
  hop_statuses.push_back(code);
  // The reason phrase ends up in error messages: keep it short and printable.
  const std::string_view phrase = trim(std::string_view(end, rest.data() + rest.size() - end));
  for (const char c : phrase.substr(0, 64)) reason.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : '?');
}

void Transfer::take_header_line(std::string_view line) {
  line = trim(line);
  if (line.starts_with("HTTP/")) return take_status_line(line);
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string value(trim(line.substr(colon + 1)));
  if (iequals(name, "etag")) etag = value;
  else if (iequals(name, "last-modified")) last_modified = value;
  else if (iequals(name, "content-type")) content_type = value;
  else if (iequals(name, "retry-after")) retry_after = value;
  else if (iequals(name, "content-location")) content_location = value;
}

long response_code(Transfer& transfer) noexcept {
  long code = 0;
  curl_easy_getinfo(transfer.easy.get(), CURLINFO_RESPONSE_CODE, &code);
  return code;
}

bool is_redirect_status(long code) noexcept { return code >= 300 && code <= 399 && code != 304; }

// libcurl calls these from inside curl_multi_socket_action; nothing may throw
// across the C boundary, so failures become "return 0", which aborts the
// transfer with CURLE_WRITE_ERROR and a flag saying why.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* userdata) noexcept {
  auto& transfer = *static_cast<Transfer*>(userdata);
  const std::size_t bytes = size * count;
  // The limit is checked on decoded bytes: a gzip bomb's size is only known
  // while decoding it, so Content-Length cannot be the real guard.
  if (bytes > transfer.max_body - transfer.body_bytes) {
    transfer.body_too_large = true;
    return 0;
  }
  try {
    if (transfer.request.body_sink) {
      // A redirect we follow ourselves (a chain carrying credentials) has a
      // body of its own, which is not the document the sink is writing.
      if (transfer.chain && is_redirect_status(response_code(transfer))) return bytes;
      if (!transfer.request.body_sink(std::string_view(data, bytes))) {
        transfer.sink_refused = true;
        return 0;
      }
    } else {
      transfer.body.append(data, bytes);
    }
  } catch (...) {
    transfer.out_of_memory = true;
    return 0;
  }
  transfer.body_bytes += bytes;
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userdata) noexcept {
  auto& transfer = *static_cast<Transfer*>(userdata);
  const std::size_t bytes = size * count;
  try {
    transfer.take_header_line(std::string_view(data, bytes));
  } catch (...) {
    transfer.out_of_memory = true;
    return 0;
  }
  return bytes;
}

std::string host_of_url(const char* url) {
  UrlPtr parsed(curl_url());
  if (!parsed || !url || curl_url_set(parsed.get(), CURLUPART_URL, url, 0) != CURLUE_OK) return {};
  char* raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK) return {};
  const CurlString host(raw);
  return host.get();
}

// Without CURLOPT_PROXY libcurl takes a proxy from the environment; the
// address connected to is then the proxy's, not the feed's, and must not be
// judged as if it were (a proxy on loopback would refuse every redirect).
bool environment_proxy_set() {
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

// Runs once per request on a connection (each redirect hop, reused
// connections too), after connecting and before anything is sent, with the
// address actually connected to: the one place a DNS answer that changed
// since (rebinding) cannot slip past. Through a proxy that address is the
// proxy's, which the operator chose; there only a host written as a private
// address literal (or "localhost") can be judged.
int on_connected(void* userdata, char* primary_ip, char*, int, int) noexcept {
  auto& transfer = *static_cast<Transfer*>(userdata);
  try {
    char* where = nullptr;
    curl_easy_getinfo(transfer.easy.get(), CURLINFO_EFFECTIVE_URL, &where);
    const std::string host = host_of_url(where);
    const std::string judged = transfer.via_proxy ? (iequals(host, "localhost") ? "127.0.0.1" : host)
                                                  : std::string(primary_ip ? primary_ip : "");
    const auto refusal = transfer.address_policy.refusal(host, judged);
    if (!refusal) return CURL_PREREQFUNC_OK;
    transfer.refused = fmt::format("{} {} refused: {}", transfer.hop_statuses.empty() ? "URL" : "redirect to",
                                   url::redact(where ? where : ""), *refusal);
  } catch (...) {
    transfer.out_of_memory = true;
  }
  return CURL_PREREQFUNC_ABORT;
}

// A little above max_body, because a gzip-encoded Content-Length can exceed
// the decoded size for incompressible data; this only refuses the obviously
// oversized early, before any byte is downloaded.
curl_off_t early_size_limit(std::uint64_t max_body) {
  constexpr auto most = static_cast<std::uint64_t>(std::numeric_limits<curl_off_t>::max() / 2);
  if (max_body >= most) return 0;  // 0 means "no limit" to libcurl
  return static_cast<curl_off_t>(max_body + max_body / 64 + 4096);
}

// libcurl 7.88 ends some messages with its generic summary where the OS
// reason belongs ("Failed to connect ... after 0 ms: Couldn't connect to
// server"); put the errno text there, which is what a reader needs.
std::string os_detail(std::string detail, std::string_view summary, long os_errno) {
  if (os_errno == 0) return detail;
  const std::string reason = std::system_category().message(static_cast<int>(os_errno));
  if (detail.find(reason) != std::string::npos) return detail;
  if (detail.ends_with(summary)) return detail.replace(detail.size() - summary.size(), summary.size(), reason);
  return fmt::format("{} ({})", detail, reason);
}

std::string failure_text(const Transfer& transfer, CURLcode code) {
  if (!transfer.refused.empty()) return transfer.refused;
  if (transfer.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return fmt::format("body larger than {}-byte limit", transfer.max_body);
  }
  if (transfer.out_of_memory) return "out of memory while receiving the response";
  if (transfer.sink_refused) return "body not accepted: its reader failed";
  const std::string_view summary = curl_easy_strerror(code);
  std::string detail(trim(transfer.error_buffer));
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR) {
    long os_errno = 0;
    curl_easy_getinfo(transfer.easy.get(), CURLINFO_OS_ERRNO, &os_errno);
    detail = os_detail(std::move(detail), summary, os_errno);
  }
  if (detail.empty() || detail == summary) return std::string(summary);
  return fmt::format("{}: {}", summary, detail);
}

// True when libcurl followed at least one redirect and every one of them was
// 301 or 308. Status lines that are not redirects (1xx, the final answer) are
// ignored; if the count of redirect hops does not match libcurl's own count,
// we saw something unexpected and do not claim permanence.
bool all_redirects_permanent(const std::vector<long>& hop_statuses, long redirect_count) {
  if (redirect_count <= 0) return false;
  long redirects = 0;
  for (std::size_t i = 0; i + 1 < hop_statuses.size(); ++i) {
    const long status = hop_statuses[i];
    if (status < 300 || status > 399) continue;
    if (status != 301 && status != 308) return false;
    ++redirects;
  }
  return redirects == redirect_count;
}

HttpResponse response_for(Transfer& transfer, CURLcode code) {
  CURL* easy = transfer.easy.get();
  HttpResponse response;
  response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - transfer.started);

  char* effective_url = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective_url) == CURLE_OK && effective_url) {
    response.effective_url = effective_url;
  }
  // Wire bytes: header bytes of every hop plus body bytes as received.
  // libcurl counts the body before content decoding, so for gzip this is the
  // compressed size; TLS framing is not included.
  curl_off_t body_bytes = 0;
  long header_bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes);
  curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
  response.bytes_received = static_cast<std::uint64_t>(std::max<curl_off_t>(0, body_bytes)) +
                            static_cast<std::uint64_t>(std::max(0L, header_bytes));
  if (transfer.chain) response.bytes_received += transfer.chain->bytes_received;

  if (code != CURLE_OK) {
    response.error = failure_text(transfer, code);
    return response;
  }

  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  // Only http, https and file are allowed, so a finished transfer without an
  // HTTP status was a file read.
  response.status = status == 0 ? 200 : status;
  response.body = std::move(transfer.body);
  // Grown by doubling as it arrived: up to half of it is slack, held for as
  // long as the body waits for a parser and the writer.
  if (response.body.capacity() - response.body.size() > response.body.size() / 8) response.body.shrink_to_fit();
  response.content_type = std::move(transfer.content_type);
  response.etag = std::move(transfer.etag);
  response.last_modified = std::move(transfer.last_modified);
  response.retry_after = parse_retry_after(transfer.retry_after, std::time(nullptr));
  response.content_location = std::move(transfer.content_location);
  if (response.status >= 300 && response.status != 304) {
    response.error = transfer.reason.empty() ? fmt::format("HTTP {}", response.status)
                                             : fmt::format("HTTP {} {}", response.status, transfer.reason);
  }

  long redirect_count = 0;
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirect_count);
  if (transfer.chain) redirect_count += transfer.chain->redirects;
  if (response.ok() && all_redirects_permanent(transfer.hop_statuses, redirect_count)) {
    response.permanent_redirect = response.effective_url;
  }
  return response;
}

// Callbacks are the caller's code running on our stack: whatever they throw
// must not unwind through Asio or libcurl, and there is no logger in this
// library, so it is reported on stderr and dropped.
void deliver(HttpClient::Callback& done, HttpResponse response) noexcept {
  try {
    if (done) done(std::move(response));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "feedd: an HTTP completion callback threw: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "feedd: an HTTP completion callback threw a non-exception\n");
  }
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(asio::io_context& io, HttpOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void fetch(HttpRequest request, Callback done);
  void set_options(HttpOptions options);
  void abort_all();
  std::size_t in_flight() const { return running_.size() + reading_.size(); }
  std::size_t queued() const { return pending_.size(); }

 private:
  struct Pending {
    HttpRequest request;
    Callback done;
    std::string host;
    std::shared_ptr<RedirectChain> chain;  // set: the next hop of a chain we follow
  };

  // A file:// read running on a file worker.
  struct Reading {
    Callback done;
    std::string host;
    std::shared_ptr<std::atomic<bool>> cancelled;
    SteadyClock::time_point started;
  };

  // What libcurl asked us to watch on one fd. Handlers hold a shared_ptr to
  // it, so a wait that completes after CURL_POLL_REMOVE (or after the fd
  // number was reused for a new watch) sees `removed` and does nothing.
  struct Watch {
    explicit Watch(asio::io_context& io) : descriptor(io) {}
    asio::posix::stream_descriptor descriptor;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool removed = false;
  };
  enum class Direction { in, out };

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data) noexcept;
  static int on_timer(CURLM* multi, long timeout_ms, void* self) noexcept;
  void watch_socket(curl_socket_t fd, int what);
  void forget_socket(curl_socket_t fd);
  void set_timer(long timeout_ms);
  void arm(curl_socket_t fd, const std::shared_ptr<Watch>& watch);
  void wait(curl_socket_t fd, const std::shared_ptr<Watch>& watch, Direction direction);
  void on_ready(curl_socket_t fd, const std::shared_ptr<Watch>& watch, Direction direction,
                const boost::system::error_code& error);

  void act(curl_socket_t fd, int events);
  void complete_finished();
  void start_queued();
  void start(Pending pending);
  void start_file_read(Pending pending);
  void file_read_done(std::uint64_t id, const std::string& url, FileReadResult result);
  std::string configure(Transfer& transfer) const;
  void release_host_slot(const std::string& host);
  bool follow_redirect(Transfer& transfer, HttpResponse& response);
  void post_completion(Callback done, HttpResponse response);

  asio::io_context& io_;
  HttpOptions options_;
  CurlGlobal curl_global_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  bool closing_ = false;
  bool timeout_posted_ = false;
  asio::steady_timer timer_;
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  std::deque<Pending> pending_;
  std::map<CURL*, std::unique_ptr<Transfer>> running_;
  std::map<std::string, int> per_host_;
  std::map<std::uint64_t, Reading> reading_;
  std::uint64_t next_read_id_ = 0;
  // Each read is bounded by its timeout and checks its cancel flag often, so
  // joining these never waits long.
  asio::thread_pool file_workers_{2};
  // Last, so it is destroyed first: curl_multi_cleanup may still call
  // on_socket/on_timer, which touch the members above.
  MultiPtr multi_;
};

HttpClient::Impl::Impl(asio::io_context& io, HttpOptions options) : io_(io), timer_(io) {
  set_options(std::move(options));
  multi_.reset(curl_multi_init());
  if (!multi_) throw std::runtime_error("libcurl could not create a multi handle");
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
}

HttpClient::Impl::~Impl() {
  closing_ = true;
  alive_.reset();  // handlers still queued in Asio become no-ops
  for (auto& [id, reading] : reading_) reading.cancelled->store(true);
  file_workers_.join();
  reading_.clear();
  for (const auto& entry : running_) curl_multi_remove_handle(multi_.get(), entry.first);
  running_.clear();
  pending_.clear();
  multi_.reset();
  for (auto& [fd, watch] : watches_) {
    watch->removed = true;
    watch->descriptor.release();  // curl owns (and has closed) the fd
  }
  watches_.clear();
  timer_.cancel();
}

// ---- libcurl's callbacks: only arm and disarm Asio operations ----

int HttpClient::Impl::on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) noexcept {
  try {
    static_cast<Impl*>(self)->watch_socket(fd, what);
    return 0;
  } catch (...) {
    return -1;  // libcurl then fails the transfers instead of hanging them
  }
}

int HttpClient::Impl::on_timer(CURLM*, long timeout_ms, void* self) noexcept {
  try {
    static_cast<Impl*>(self)->set_timer(timeout_ms);
    return 0;
  } catch (...) {
    return -1;
  }
}

void HttpClient::Impl::watch_socket(curl_socket_t fd, int what) {
  if (what == CURL_POLL_REMOVE) return forget_socket(fd);
  if (closing_) return;
  auto& watch = watches_[fd];
  if (!watch) {
    auto fresh = std::make_shared<Watch>(io_);
    boost::system::error_code error;
    fresh->descriptor.assign(fd, error);
    if (error) {
      watches_.erase(fd);
      throw boost::system::system_error(error, "watching a libcurl socket");
    }
    watch = std::move(fresh);
  }
  watch->wanted = what;
  arm(fd, watch);
}

void HttpClient::Impl::forget_socket(curl_socket_t fd) {
  const auto found = watches_.find(fd);
  if (found == watches_.end()) return;
  const std::shared_ptr<Watch> watch = std::move(found->second);
  watches_.erase(found);
  watch->removed = true;
  // release(), never close(): the fd is libcurl's. Pending waits complete
  // with operation_aborted and see `removed`.
  watch->descriptor.release();
}

void HttpClient::Impl::set_timer(long timeout_ms) {
  if (closing_) return;
  timer_.cancel();
  if (timeout_ms < 0) return;
  if (timeout_ms == 0) {
    // "Act now" — but we are inside libcurl, so do it from the loop instead.
    if (timeout_posted_) return;
    timeout_posted_ = true;
    asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
      if (alive.expired()) return;
      timeout_posted_ = false;
      act(CURL_SOCKET_TIMEOUT, 0);
    });
    return;
  }
  timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& error) {
    if (error || alive.expired()) return;
    act(CURL_SOCKET_TIMEOUT, 0);
  });
}

// ---- Asio side: one-shot waits, re-armed while libcurl still wants them ----

void HttpClient::Impl::arm(curl_socket_t fd, const std::shared_ptr<Watch>& watch) {
  if ((watch->wanted & CURL_POLL_IN) && !watch->reading) wait(fd, watch, Direction::in);
  if ((watch->wanted & CURL_POLL_OUT) && !watch->writing) wait(fd, watch, Direction::out);
}

void HttpClient::Impl::wait(curl_socket_t fd, const std::shared_ptr<Watch>& watch, Direction direction) {
  const bool in = direction == Direction::in;
  (in ? watch->reading : watch->writing) = true;
  watch->descriptor.async_wait(
      in ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
      [this, alive = std::weak_ptr<int>(alive_), fd, watch, direction](const boost::system::error_code& error) {
        (direction == Direction::in ? watch->reading : watch->writing) = false;
        if (alive.expired() || watch->removed || error == asio::error::operation_aborted) return;
        on_ready(fd, watch, direction, error);
      });
}

void HttpClient::Impl::on_ready(curl_socket_t fd, const std::shared_ptr<Watch>& watch, Direction direction,
                                const boost::system::error_code& error) {
  const int wanted_bit = direction == Direction::in ? CURL_POLL_IN : CURL_POLL_OUT;
  // A wait libcurl no longer wants (it switched IN to OUT meanwhile) is stale.
  if (!(watch->wanted & wanted_bit)) return;
  const int events = error ? CURL_CSELECT_ERR : (direction == Direction::in ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
  const std::weak_ptr<int> alive = alive_;
  act(fd, events);
  // act() ran libcurl and callers' callbacks: the watch may be gone, and a
  // repeated error would only spin, so re-arm only a healthy, live watch.
  if (alive.expired() || watch->removed || error) return;
  arm(fd, watch);
}

void HttpClient::Impl::act(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_.get(), fd, events, &running);
  complete_finished();
}

// ---- Transfers ----

void HttpClient::Impl::complete_finished() {
  std::vector<std::pair<Callback, HttpResponse>> finished;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    curl_multi_remove_handle(multi_.get(), easy);
    auto node = running_.extract(easy);
    if (node.empty()) continue;
    Transfer& transfer = *node.mapped();
    release_host_slot(transfer.host);
    HttpResponse response = response_for(transfer, code);
    if (follow_redirect(transfer, response)) continue;
    finished.emplace_back(std::move(transfer.done), std::move(response));
  }
  // Free slots are refilled before callers run, so a callback that fetches
  // again queues behind work that was already waiting.
  start_queued();
  const std::weak_ptr<int> alive = alive_;
  for (auto& [done, response] : finished) {
    if (alive.expired()) return;
    deliver(done, std::move(response));
  }
}

void HttpClient::Impl::fetch(HttpRequest request, Callback done) {
  std::string host = host_group(request.url);
  pending_.push_back(Pending{std::move(request), std::move(done), std::move(host), nullptr});
  start_queued();
}

void HttpClient::Impl::set_options(HttpOptions options) {
  options_ = std::move(options);
  options_.max_in_flight = std::max(1, options_.max_in_flight);
  options_.max_per_host = std::max(1, options_.max_per_host);
  // Raised limits take effect at once; lowered ones as transfers finish.
  if (multi_) start_queued();
}

void HttpClient::Impl::start_queued() {
  const auto max_in_flight = static_cast<std::size_t>(options_.max_in_flight);
  for (auto it = pending_.begin(); it != pending_.end() && in_flight() < max_in_flight;) {
    const auto host = per_host_.find(it->host);
    if (host != per_host_.end() && host->second >= options_.max_per_host) {
      ++it;  // FIFO per host: later requests to other hosts may go first
      continue;
    }
    Pending next = std::move(*it);
    it = pending_.erase(it);
    start(std::move(next));
  }
}

void HttpClient::Impl::start_file_read(Pending pending) {
  const std::uint64_t id = next_read_id_++;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  ++per_host_[pending.host];
  reading_.emplace(id, Reading{std::move(pending.done), pending.host, cancelled, SteadyClock::now()});
  // The guard keeps io_context::run() from returning while only a worker
  // has work: the completion is still to be posted.
  asio::post(file_workers_, [this, alive = std::weak_ptr<int>(alive_), id, cancelled, url = pending.request.url,
                             timeout = pending.request.timeout.value_or(options_.timeout), max_body = options_.max_body,
                             guard = asio::make_work_guard(io_)]() mutable {
    FileReadResult result = read_local_file(file_url_path(url), timeout, max_body, *cancelled);
    asio::post(io_, [this, alive, id, url, result = std::move(result)]() mutable {
      if (alive.expired()) return;
      file_read_done(id, url, std::move(result));
    });
    guard.reset();
  });
}

void HttpClient::Impl::file_read_done(std::uint64_t id, const std::string& url, FileReadResult result) {
  auto node = reading_.extract(id);
  if (node.empty()) return;  // aborted meanwhile: its callback already has "aborted"
  Reading& reading = node.mapped();
  release_host_slot(reading.host);
  HttpResponse response;
  response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - reading.started);
  response.effective_url = url;
  response.bytes_received = result.body.size();
  if (result.error.empty()) {
    response.status = 200;
    response.body = std::move(result.body);
  } else {
    response.error = std::move(result.error);
  }
  start_queued();
  deliver(reading.done, std::move(response));
}

void HttpClient::Impl::start(Pending pending) {
  if (pending.host == "file://") return start_file_read(std::move(pending));
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(pending.request);
  transfer->done = std::move(pending.done);
  transfer->host = std::move(pending.host);
  transfer->max_body = transfer->request.max_body.value_or(options_.max_body);
  transfer->address_policy.allow_private = transfer->request.allow_private;
  transfer->via_proxy = !transfer->request.proxy.empty() || environment_proxy_set();
  if (transfer->request.trust_url_host) transfer->address_policy.trusted_host = url::host_of(transfer->request.url);
  transfer->chain = std::move(pending.chain);
  if (transfer->chain) {
    // A later hop is judged as the chain's first request was.
    transfer->address_policy.trusted_host.clear();
    if (transfer->chain->first.trust_url_host) {
      transfer->address_policy.trusted_host = url::host_of(transfer->chain->first.url);
    }
    transfer->hop_statuses = transfer->chain->hop_statuses;
  } else if (options_.max_redirects != 0 && carries_credentials(transfer->request)) {
    transfer->chain = std::make_shared<RedirectChain>();
    transfer->chain->first = transfer->request;
  }
  transfer->easy.reset(curl_easy_init());

  std::string problem = transfer->easy ? configure(*transfer) : "libcurl could not create a transfer";
  if (problem.empty()) {
    CURL* easy = transfer->easy.get();
    transfer->started = SteadyClock::now();
    if (transfer->chain) {
      if (transfer->chain->redirects == 0) transfer->chain->started = transfer->started;
      transfer->started = transfer->chain->started;  // elapsed and timeout count the whole chain
    }
    // Stored before it is added, so nothing can fail between libcurl owning
    // the handle and us knowing about it.
    ++per_host_[transfer->host];
    const auto slot = running_.emplace(easy, std::move(transfer)).first;
    const CURLMcode code = curl_multi_add_handle(multi_.get(), easy);
    if (code == CURLM_OK) return;
    transfer = std::move(slot->second);
    running_.erase(slot);
    release_host_slot(transfer->host);
    problem = fmt::format("could not start the transfer: {}", curl_multi_strerror(code));
  }
  HttpResponse response;
  response.error = std::move(problem);
  post_completion(std::move(transfer->done), std::move(response));
}

std::string HttpClient::Impl::configure(Transfer& transfer) const {
  const HttpRequest& request = transfer.request;
  for (const std::string* value : {&request.etag, &request.last_modified}) {
    if (!safe_header_value(*value)) return "refusing a stored validator that contains a line break";
  }
  auto add_header = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(transfer.headers.get(), line.c_str());
    if (!grown) return false;  // the old list is intact and still owned
    if (!transfer.headers) transfer.headers.reset(grown);
    return true;
  };
  bool headers_ok = add_header("Accept: application/rss+xml, application/atom+xml, application/rdf+xml, "
                               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8");
  if (!request.etag.empty()) headers_ok = headers_ok && add_header("If-None-Match: " + request.etag);
  if (!request.last_modified.empty()) {
    headers_ok = headers_ok && add_header("If-Modified-Since: " + request.last_modified);
  }
  for (const auto& [name, value] : request.headers) {
    if (!safe_header_value(name) || !safe_header_value(value)) return "refusing a header that contains a line break";
    headers_ok = headers_ok && add_header(name + ": " + value);
  }
  if (!headers_ok) return "out of memory while building request headers";

  CURL* easy = transfer.easy.get();
  CURLcode code = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (code == CURLE_OK) code = curl_easy_setopt(easy, option, value);
  };
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
  set(CURLOPT_ERRORBUFFER, transfer.error_buffer);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
  set(CURLOPT_PREREQFUNCTION, &on_connected);
  set(CURLOPT_PREREQDATA, static_cast<void*>(&transfer));
  set(CURLOPT_HTTPHEADER, transfer.headers.get());
  set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl can decode
  set(CURLOPT_FOLLOWLOCATION, transfer.chain ? 0L : 1L);
  set(CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  set(CURLOPT_PROTOCOLS_STR, "http,https,file");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");  // a feed must not redirect us into local files
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.value_or(options_.timeout).count()));
  set(CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit);
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, early_size_limit(transfer.max_body));
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  set(CURLOPT_PIPEWAIT, 1L);                  // prefer multiplexing over a new connection
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // a proxy's CONNECT reply is not a redirect hop
  const std::string& user_agent = request.user_agent.empty() ? options_.user_agent : request.user_agent;
  if (!user_agent.empty()) set(CURLOPT_USERAGENT, user_agent.c_str());
  // An empty string would make libcurl send "Cookie: " and "Proxy: ''" means
  // "no proxy, not even from the environment": set only what is asked for.
  if (!request.cookie.empty()) set(CURLOPT_COOKIE, request.cookie.c_str());
  if (!request.proxy.empty()) {
    set(CURLOPT_PROXY, request.proxy.c_str());
    if (!request.ca_file.empty()) set(CURLOPT_PROXY_CAINFO, request.ca_file.c_str());
  }
  if (!request.ca_file.empty()) set(CURLOPT_CAINFO, request.ca_file.c_str());
  // Credentials go to the configured host only: libcurl drops them on a
  // redirect to another host (CURLOPT_UNRESTRICTED_AUTH stays off).
  if (!request.bearer_token.empty()) {
    set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
    set(CURLOPT_XOAUTH2_BEARER, request.bearer_token.c_str());
  } else if (!request.username.empty()) {
    set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    set(CURLOPT_USERNAME, request.username.c_str());
    set(CURLOPT_PASSWORD, request.password.c_str());
  }
  if (code != CURLE_OK) return fmt::format("could not configure the transfer: {}", curl_easy_strerror(code));
  return {};
}

// A transfer with a chain stops at a redirect; its next hop goes first in
// the queue with what its host may see (request_scope.h: redirect_hop). The
// limits libcurl would apply (hops, protocols, the whole chain's timeout)
// are applied here. False when the caller gets `response` as it is.
bool HttpClient::Impl::follow_redirect(Transfer& transfer, HttpResponse& response) {
  if (!transfer.chain || response.status < 300 || response.status > 399 || response.status == 304) return false;
  char* location = nullptr;
  if (curl_easy_getinfo(transfer.easy.get(), CURLINFO_REDIRECT_URL, &location) != CURLE_OK || !location) return false;
  const std::string next_url = location;
  auto fail = [&response](std::string error) {
    response.status = 0;
    response.body.clear();
    response.error = std::move(error);
    return false;
  };
  RedirectChain& chain = *transfer.chain;
  if (options_.max_redirects >= 0 && chain.redirects >= options_.max_redirects) {
    return fail(fmt::format("Number of redirects hit maximum amount: Maximum ({}) redirects followed",
                            options_.max_redirects));
  }
  const std::string scheme = lower(next_url.substr(0, next_url.find(':')));
  if (scheme != "http" && scheme != "https") {
    return fail(fmt::format("redirect to {} refused: only http and https are followed", url::redact(next_url)));
  }
  const auto budget = chain.first.timeout.value_or(options_.timeout);
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - chain.started);
  if (spent >= budget) return fail(fmt::format("Timeout was reached: {} ms spent on redirects", spent.count()));
  chain.hop_statuses = transfer.hop_statuses;
  chain.bytes_received = response.bytes_received;
  ++chain.redirects;
  HttpRequest next = redirect_hop(chain.first, next_url);
  next.timeout = budget - spent;
  std::string host = host_group(next.url);
  pending_.push_front(Pending{std::move(next), std::move(transfer.done), std::move(host), transfer.chain});
  return true;
}

void HttpClient::Impl::release_host_slot(const std::string& host) {
  const auto found = per_host_.find(host);
  if (found == per_host_.end()) return;
  if (--found->second <= 0) per_host_.erase(found);
}

// Completions that do not come out of a finished curl transfer (abort, set-up
// failure) are posted, so a callback never runs inside fetch() or abort_all().
void HttpClient::Impl::post_completion(Callback done, HttpResponse response) {
  asio::post(io_, [alive = std::weak_ptr<int>(alive_), done = std::move(done), response = std::move(response)]() mutable {
    if (alive.expired()) return;
    deliver(done, std::move(response));
  });
}

void HttpClient::Impl::abort_all() {
  std::vector<std::pair<Callback, HttpResponse>> aborted;
  for (auto& [easy, transfer] : running_) {
    curl_multi_remove_handle(multi_.get(), easy);
    HttpResponse response;
    response.error = "aborted";
    response.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - transfer->started);
    aborted.emplace_back(std::move(transfer->done), std::move(response));
  }
  running_.clear();
  for (auto& [id, reading] : reading_) {
    reading.cancelled->store(true);
    HttpResponse response;
    response.error = "aborted";
    aborted.emplace_back(std::move(reading.done), std::move(response));
  }
  reading_.clear();
  per_host_.clear();
  for (Pending& pending : pending_) {
    HttpResponse response;
    response.error = "aborted";
    aborted.emplace_back(std::move(pending.done), std::move(response));
  }
  pending_.clear();
  for (auto& [done, response] : aborted) post_completion(std::move(done), std::move(response));
}

// ---- Public face ----

HttpClient::HttpClient(boost::asio::io_context& io, HttpOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

HttpClient::~HttpClient() = default;

void HttpClient::fetch(HttpRequest request, Callback done) { impl_->fetch(std::move(request), std::move(done)); }

void HttpClient::abort_all() { impl_->abort_all(); }

void HttpClient::set_options(HttpOptions options) { impl_->set_options(std::move(options)); }

std::size_t HttpClient::in_flight() const { return impl_->in_flight(); }

std::size_t HttpClient::queued() const { return impl_->queued(); }

}  // namespace feedd
