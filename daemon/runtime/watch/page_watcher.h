// Removal watching (`watch`, issue 15): entries' pages fetched again on
// their schedule (recheck_schedule.h) through the pipeline's own HttpClient,
// so rechecks share fetch.concurrency, fetch.per_host, the source's proxy
// and headers, and the private-address shield with the polls; each page is
// judged by removal_evidence.h and the outcome kept by watch_tables.h.
//
// Threads: every call and callback on the io_context's thread; the store is
// reached only through Pipeline::write (the writer thread).
//
// A turn enrols the entries stored since the last turn, then rechecks at
// most a batch of the due ones, a few at a time, so rechecks never take more
// than a small share of the transfer slots polls need.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/watch/watch_tables.h"

namespace feedd::watch {

// Each source's watch and archive_org, by name.
std::map<std::string, SourcePolicy> source_policies(const config::Config& config);

// The request for an entry's page: the source's proxy, User-Agent, headers,
// CA file and timeout; its login, cookie and credential headers only on the
// feed URLs' hosts, on every hop of a redirect (fetchers/http/request_scope.h;
// a secret file that cannot be read is logged and the page asked without
// it). Only a page on one of those hosts passes the private-address shield
// without allow_private.
HttpRequest page_request(const config::Source& source, const std::string& url);

// For Pipeline::on_feed_stored: notes the watched entries of a watching
// source that dropped out of its feed (watch_tables.h), at the clock's time.
Pipeline::FeedStored feed_drop_observer(const Clock& clock);

struct RecheckTally {
  int checked = 0;    // pages fetched and judged
  int removed = 0;    // removals found
  int transient = 0;  // no verdict: tried again later
  bool more = false;  // a full batch: more may be due
  // Posts written again with their removal notice (removed_notice), for the
  // publish hook: the site must hear of them as of any other written post.
  std::vector<std::filesystem::path> rewritten;
};

class PageWatcher {
 public:
  PageWatcher(boost::asio::io_context& io, Pipeline& pipeline, const Clock& clock, const config::Config& config);
  ~PageWatcher();
  PageWatcher(const PageWatcher&) = delete;
  PageWatcher& operator=(const PageWatcher&) = delete;

  void reconfigure(const config::Config& config);

  // `feedd once`: turns until nothing is due at the clock's now, then `done`
  // with the totals.
  void run_due(std::function<void(RecheckTally)> done);

  // `feedd run`: a turn now and then every minute (at once again after a
  // full batch); `on_turn` hears each turn's tally.
  void start(std::function<void(const RecheckTally&)> on_turn);
  // No new turns; a turn under way finishes (its fetches may be aborted).
  void stop();

 private:
  void turn(std::function<void(RecheckTally)> done);
  void next_daemon_turn(std::chrono::milliseconds delay);

  struct Turn;
  void fetch_next(const std::shared_ptr<Turn>& turn);
  void finish_turn(const std::shared_ptr<Turn>& turn);

  boost::asio::io_context& io_;
  Pipeline& pipeline_;
  const Clock& clock_;
  std::map<std::string, config::Source> sources_;
  std::map<std::string, SourcePolicy> policies_;
  std::set<std::string> notice_sources_;  // sources with removed_notice
  int in_flight_limit_ = 1;
  boost::asio::steady_timer timer_;
  std::function<void(const RecheckTally&)> on_turn_;
  bool stopped_ = false;
};

}  // namespace feedd::watch
