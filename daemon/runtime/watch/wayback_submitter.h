// Wayback copies (`archive_org`, issue 15): the URL of each new entry of such
// a source goes to the Internet Archive's Save Page Now
// ([archive] archive_org_endpoint + the URL, fetched with GET) through the
// pipeline's HttpClient, one request at a time and at most one per
// archive_org_interval, all sources together. The queue is in the store
// (wayback_tables.h): nothing is lost across restarts, and a failing or
// absent archive never holds up polling or posts.
//
// Outcomes: a 2xx records the snapshot URL (the answer's Content-Location,
// else the URL the redirects ended at when it differs from the request's);
// 429, 5xx and no answer are tried again after Retry-After (at least the
// interval) or else after the interval doubled per failure, up to 6 hours,
// 12 tries in all; any other answer drops the entry from the queue with a
// warning.
//
// Threads: every call and callback on the io_context's thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/watch/watch_tables.h"
#include "daemon/runtime/watch/wayback_tables.h"

namespace feedd::watch {

struct WaybackTally {
  int saved = 0;
  int retried = 0;
  int dropped = 0;
};

// What one Save Page Now answer means. `requested` is the URL fetched.
struct WaybackOutcome {
  enum class Kind { saved, retry, drop };
  Kind kind = Kind::saved;
  std::string snapshot_url;  // saved: "" when the answer named none
  std::chrono::milliseconds retry_in{0};
  std::string error;
};
WaybackOutcome judge_wayback(const HttpResponse& response, const std::string& requested, int tries_before,
                             std::chrono::milliseconds interval);

class WaybackSubmitter {
 public:
  WaybackSubmitter(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock, const config::Config& config);
  WaybackSubmitter(const WaybackSubmitter&) = delete;
  WaybackSubmitter& operator=(const WaybackSubmitter&) = delete;

  void reconfigure(const config::Config& config);

  // `feedd once`: sends every entry due at the clock's now, paced, then `done`.
  void drain(std::function<void(WaybackTally)> done);

  // `feedd run`: keeps sending as entries come due; `on_result` hears each.
  void start(std::function<void(const WaybackTally&)> on_result);
  // New entries may be stored: look at the queue now rather than at the
  // next timer (no effect while a request is under way).
  void nudge();
  void stop();

 private:
  void step();
  void send(WaybackJob job);
  void idle();
  void arm(std::chrono::milliseconds delay);

  boost::asio::io_context& io_;
  Pipeline& pipeline_;
  const Clock& clock_;
  std::string endpoint_;
  std::chrono::milliseconds interval_;
  std::map<std::string, SourcePolicy> policies_;
  config::SourceFetch fetch_;
  bool allow_private_ = false;
  boost::asio::steady_timer timer_;
  std::optional<std::chrono::steady_clock::time_point> last_request_;  // when the last one was answered
  bool busy_ = false;     // a step or request is under way
  bool nudged_ = false;   // nudge() came while busy: look again after
  bool daemon_ = false;   // start() ran: keep going when the queue is empty
  bool stopped_ = false;
  WaybackTally tally_;
  std::function<void(WaybackTally)> drained_;
  std::function<void(const WaybackTally&)> on_result_;
};

}  // namespace feedd::watch
