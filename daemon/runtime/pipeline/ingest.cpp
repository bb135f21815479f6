#include "daemon/runtime/pipeline/ingest.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <exception>
#include <future>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "daemon/runtime/pipeline/media_stage.h"
#include "store/enclosures/enclosure_table.h"
#include "daemon/runtime/pipeline/full_text/full_text_stage.h"
#include "daemon/runtime/pipeline/normalise.h"
#include "daemon/runtime/pipeline/parse_gate.h"
#include "daemon/runtime/pipeline/posts_dir_guard.h"
#include "daemon/runtime/pipeline/search_indexer.h"
#include "daemon/runtime/pipeline/source_request.h"
#include "fetchers/feed/feed_parser.h"
#include "fetchers/feed/not_a_feed.h"
#include "fetchers/listing/listing.h"
#include "fetchers/redact/redact_url.h"
#include "store/checkpoint/wal_checkpointer.h"

namespace feedd {
namespace {

using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
}

HttpOptions http_options(const config::Fetch& fetch) {
  HttpOptions options;
  options.max_in_flight = fetch.concurrency;
  options.max_per_host = fetch.per_host;
  options.timeout = fetch.timeout;
  options.max_body = fetch.max_body;
  options.low_speed_limit = static_cast<long>(fetch.low_speed_limit);
  options.low_speed_time = std::chrono::ceil<std::chrono::seconds>(fetch.low_speed_time);
  options.user_agent = fetch.user_agent.empty() ? default_user_agent() : fetch.user_agent;
  return options;
}

// Polls allowed between "fetch started" and "stored" beyond the transfer
// limits: enough to keep the parsers and the writer fed while transfers run,
// few enough that a writer slower than the network holds bodies and parsed
// entries for a few dozen feeds, not for every due source. Per host, one
// beyond fetch.per_host: the next transfer is ready when a slot frees, and
// one busy host cannot take the places other hosts' polls need. That extra
// poll only waits behind its host's transfers, so it starts only when no
// waiting poll of another host could start a transfer instead: with many
// sources on few hosts (1,000 on 50, as named in the config), the extras of
// 25 hosts took all 72 places, and a pass of 304s ran 50 transfers of 64.
constexpr int polls_queued_beyond_transfers = 8;
constexpr int polls_queued_beyond_host_transfers = 1;

// Rows indexed for search per writer turn: about 20 ms of work (schema 12),
// the most an idle-time batch delays a write that arrives meanwhile.
constexpr int search_index_batch = 128;

// Entries per part of a feed stored while it is read: a few MB at most of
// parsed and normalised entries, and one transaction and one post sync per
// part.
constexpr std::size_t stream_batch = 2000;

// Entries per group commit, at most (a poll is never split): one transaction
// and one post sync for about this many entries, about 40 ms of device
// flushes here, while the group's rows (a few MB) bound what it adds to the
// peak memory. Polls beyond it wait for the next turn.
constexpr std::size_t group_entries = 512;

std::size_t active_poll_limit(const config::Fetch& fetch) {
  return static_cast<std::size_t>(std::max(1, fetch.concurrency + polls_queued_beyond_transfers));
}

int active_host_poll_limit(const config::Fetch& fetch) {
  return std::max(1, fetch.per_host + polls_queued_beyond_host_transfers);
}

std::string polled_url(const config::Source& source, const SourceValidators& validators) {
  return validators.polled_url.empty() ? source.url : validators.polled_url;
}

// Failures another URL of the same feed may not have: no answer, a server
// error, a refusal or challenge, a page that is not a feed. Not "aborted":
// that is feedd stopping.
bool worth_a_mirror(const HttpResponse& response, const std::string& error) {
  return !error.empty() && error.find("aborted") == std::string::npos && response.status != 304;
}

int worker_count() {
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 4u));
}

// Feeds parsed ahead of the writer (ParseGate): one per worker being parsed
// and two ready, so the writer never waits for a parse.
constexpr std::size_t parses_ready_for_writer = 2;
// Polls a pass starts with (PollWindow), before it knows whether the writer
// or the network is the slower side.
constexpr std::size_t first_poll_window = 16;

// From this size on a store's entries indexes (identity, post path and URL
// key alone are 220 MiB at 1,000,000 rows) no longer keep even their inner
// pages in SQLite's default 2 MiB cache, which a group's new rows flush
// through, and each insert reads its way down them again. The writer of
// such a store gets a larger cache (half the database file's reads at
// 1,000,000 rows); a first pass into a new store (target 1's peak RSS)
// keeps the default.
constexpr std::int64_t large_store_bytes = std::int64_t{512} << 20;
constexpr int large_store_cache_kib = 16 << 10;

void size_writer_cache(sqlite::Database& db) {
  auto pages = db.prepare("PRAGMA page_count");
  auto page_size = db.prepare("PRAGMA page_size");
  if (!pages.step() || !page_size.step()) return;
  if (pages.column_int(0) * page_size.column_int(0) < large_store_bytes) return;
  db.execute(fmt::format("PRAGMA cache_size = -{}", large_store_cache_kib));
}

}  // namespace

std::string default_user_agent() { return fmt::format("feedd/{} (+{})", FEEDD_VERSION, FEEDD_PROJECT_URL); }

std::string describe(const PollReport& report) {
  const std::string where = fmt::format("{} ({})", report.source_name, url::redact(report.url));
  const auto ms = report.elapsed.count();
  if (!report.ok()) return fmt::format("{}: {}, {} ms", where, report.error, ms);
  if (report.not_modified) return fmt::format("{}: HTTP 304, not modified, {} ms", where, ms);
  const std::string how_read =
      !report.guessed_charset.empty()
          ? fmt::format(", no charset declared and not UTF-8: read as {} (a guess)", report.guessed_charset)
      : report.recovered ? ", not well-formed XML (read in recover mode)"
                         : "";
  const std::string failed_over =
      report.failed_over.empty() ? "" : fmt::format(" (after {})", fmt::join(report.failed_over, "; "));
  const std::string full_texts =
      report.full_texts + report.full_text_failures == 0
          ? ""
          : fmt::format(", {} full text(s), {} page(s) kept the feed's content", report.full_texts,
                        report.full_text_failures);
  return fmt::format("{}: HTTP {}, {}{}, {} new, {} updated, {} unchanged{}, {} ms{}", where, report.http_status,
                     human_bytes(report.bytes), how_read, report.new_entries, report.updated_entries,
                     report.unchanged_entries, full_texts, ms, failed_over);
}

class Pipeline::Impl {
  // A poll not yet started, or about to be.
  struct WaitingPoll {
    config::Source source;
    SourceValidators validators;
    Done done;
    std::string host;  // its HttpClient group
  };

 public:
  Impl(boost::asio::io_context& io, const config::Config& config, Archive& archive, const Clock& clock)
      : io_(io), archive_(archive), clock_(clock), http_(io, http_options(config.fetch)),
        publishing_(!config.publish.command.empty()),
        media_(io, http_, clock, config.storage.media_dir, [this](std::function<void()> task) { to_writer(std::move(task)); }),
        active_limit_(active_poll_limit(config.fetch)), host_limit_(active_host_poll_limit(config.fetch)),
        host_transfers_(std::max(1, config.fetch.per_host)),
        workers_(static_cast<std::size_t>(worker_count())),
        writer_(1),
        parse_gate_(static_cast<std::size_t>(worker_count()) + parses_ready_for_writer),
        window_(first_poll_window, active_limit_),
        indexer_(archive.store(), [this](std::function<void()> job) { to_writer(std::move(job), false); }),
        full_text_(http_, archive,
                   [this](full_text::Stage::Task task) { boost::asio::post(workers_, std::move(task)); },
                   [this](full_text::Stage::Task task) { to_writer(std::move(task)); }) {
    size_writer_cache(archive.store().database());
    // Named so that top, perf and bench/thread_cpu.py tell the writer apart.
    boost::asio::post(writer_, [] { pthread_setname_np(pthread_self(), "feedd-writer"); });
  }

  ~Impl() {
    // Queued index batches give way: what is left is indexed by the next
    // idle writer, or by `once` after its pass.
    stopping_ = true;
    indexer_.stop();
    workers_.join();
    writer_.join();
    // The writer is gone: the last group's marks are cleared here, so a
    // finished `once` leaves no row pending whose post is in place.
    flush_deferred_marks();
  }

  void poll(const config::Source& source, const SourceValidators& validators, Done done) {
    // Backpressure: a poll past the limits waits here, before its fetch, so
    // it holds neither a body nor parsed entries while the writer catches up.
    waiting_.push_back({source, validators, std::move(done), host_group(polled_url(source, validators))});
    start_waiting_polls();
  }

  // Room for one more poll of `host`, which may then have `host_limit`
  // polls active.
  bool has_room(const std::string& host, int host_limit) const {
    if (active_polls_ >= active_limit_ || active_polls_ >= window_.size()) return false;
    const auto found = active_by_host_.find(host);
    return found == active_by_host_.end() || found->second < host_limit;
  }

  // On the io_context's thread, with room for it.
  void start(WaitingPoll poll) {
    ++active_polls_;
    ++active_by_host_[poll.host];
    const config::Source& source = poll.source;
    const SourceValidators& validators = poll.validators;
    auto job = std::make_shared<Job>(Job{source, std::move(poll.done), std::make_shared<WorkGuard>(io_.get_executor()),
                                         clock_.now_ms(), std::chrono::steady_clock::now(), {}, poll.host,
                                         validators, {}, 0, {}, false});
    job->candidates = candidate_urls(source, validators);
    job->report.source_name = source.name;
    job->report.validators = validators;
    fetch_candidate(job);
  }

  void write(std::function<void(Archive&)> work, std::function<void()> then, bool clear_marks = true) {
    auto keep_io_running = std::make_shared<WorkGuard>(io_.get_executor());
    to_writer([this, work = std::move(work), then = std::move(then), keep_io_running]() mutable {
      try {
        work(archive_);
      } catch (const std::exception& error) {
        spdlog::error("store: {}", error.what());
      }
      boost::asio::post(io_, [then = std::move(then), keep_io_running]() mutable {
        if (then) then();
        keep_io_running.reset();
      });
    }, clear_marks);
  }

  void reconfigure(const config::Config& config) {
    http_.set_options(http_options(config.fetch));
    active_limit_ = active_poll_limit(config.fetch);
    window_.set_most(active_limit_);
    host_limit_ = active_host_poll_limit(config.fetch);
    host_transfers_ = std::max(1, config.fetch.per_host);
    publishing_ = !config.publish.command.empty();
    start_waiting_polls();
  }

  HttpClient& http() { return http_; }
  void on_feed_stored(FeedStored observer) { feed_stored_ = std::move(observer); }

  void abort() {
    // Polls that never started end now, as aborted transfers do.
    auto never_started = std::move(waiting_);
    waiting_.clear();
    for (auto& waiting : never_started) {
      PollReport report;
      report.source_name = waiting.source.name;
      report.url = polled_url(waiting.source, waiting.validators);
      report.validators = waiting.validators;
      report.failed_at = PollReport::Stage::fetch;
      report.error = "aborted before its fetch started";
      report.aborted = true;
      report.finished_ms = clock_.now_ms();
      boost::asio::post(io_, [done = std::move(waiting.done), report = std::move(report)]() mutable {
        try {
          done(std::move(report));
        } catch (...) {
        }
      });
    }
    aborting_ = true;
    http_.abort_all();
  }

 private:

  struct Job {
    config::Source source;
    Done done;
    std::shared_ptr<WorkGuard> keep_io_running;  // until the report is delivered
    std::int64_t started_ms;
    std::chrono::steady_clock::time_point started;
    PollReport report;
    std::string host;  // counted in active_by_host_ until the report is delivered
    SourceValidators validators_sent;  // from the previous poll, of its polled URL
    std::vector<std::string> candidates;  // URLs to try, in order (urls: fail-over)
    std::size_t attempt = 0;              // index into candidates
    std::vector<std::string> failed_urls;  // "URL: error" of each tried before
    bool place_left = false;  // no longer counted in active_polls_ (a 304: see leave_place)
  };
  using JobPtr = std::shared_ptr<Job>;

  // The URLs to try in this poll, in order: the one in use, then the
  // others; the primary first again once primary_retry has passed since a
  // fail-over (or when this process has not seen one: `once`, a restart).
  std::vector<std::string> candidate_urls(const config::Source& source, const SourceValidators& validators) const {
    if (source.urls.size() <= 1) return {polled_url(source, validators)};
    const auto in_use = std::find(source.urls.begin(), source.urls.end(), validators.polled_url);
    if (in_use == source.urls.end() || in_use == source.urls.begin()) return source.urls;
    const auto since = on_mirror_since_.find(source.name);
    if (since == on_mirror_since_.end() ||
        std::chrono::steady_clock::now() - since->second >= source.fetch.primary_retry) {
      return source.urls;
    }
    std::vector<std::string> order{*in_use};
    for (const auto& url : source.urls) {
      if (url != *in_use) order.push_back(url);
    }
    return order;
  }

  void fetch_candidate(const JobPtr& job) {
    const std::string& url = job->candidates.at(job->attempt);
    job->report.url = url;
    job->report.validators.polled_url = url;
    HttpRequest request;
    try {
      request = source_request(job->source, url, job->validators_sent);
    } catch (const std::exception& error) {
      job->report.failed_at = PollReport::Stage::fetch;
      job->report.error = error.what();
      to_writer([this, job] { store_failure(job); });
      return;
    }
    http_.fetch(std::move(request), [this, job](HttpResponse response) { on_fetched(job, std::move(response)); });
  }

  // After a failed attempt: true when another URL is being tried.
  bool try_next_url(const JobPtr& job, const HttpResponse& response) {
    auto& report = job->report;
    if (job->attempt + 1 >= job->candidates.size() || !worth_a_mirror(response, report.error)) return false;
    job->failed_urls.push_back(fmt::format("{}: {}", url::redact(report.url), report.error));
    ++job->attempt;
    report.error.clear();
    report.failed_at = PollReport::Stage::none;
    report.http_status = 0;
    fetch_candidate(job);
    return true;
  }

  // On the io thread, once a URL answered with a feed.
  void note_url_in_use(const Job& job) {
    if (job.source.urls.size() <= 1) return;
    if (job.report.url == job.source.urls.front()) {
      on_mirror_since_.erase(job.source.name);
    } else if (!on_mirror_since_.contains(job.source.name) || job.candidates.front() == job.source.urls.front()) {
      // A fail-over, or a retry of the primary that failed: the wait
      // before the next retry starts now.
      on_mirror_since_[job.source.name] = std::chrono::steady_clock::now();
    }
  }

  void on_fetched(const JobPtr& job, HttpResponse response) {
    auto& report = job->report;
    report.http_status = response.status;
    report.bytes = response.bytes_received;
    report.retry_after = response.retry_after;
    if (!response.ok()) {
      report.failed_at = PollReport::Stage::fetch;
      report.error = response.error.empty() ? fmt::format("HTTP {}", response.status) : response.error;
      if (aborting_ && response.status == 0 && response.error == "aborted") {
        report.aborted = true;  // not a fetch the source failed: nothing to record
        finish(job);
        return;
      }
      // A 403 or 503 challenge page says more than its status line.
      if (response.status >= 400) {
        if (auto page = not_a_feed(response.content_type, response.body)) report.error += ": " + *page;
      }
      fail_fetch(job, response);
      return;
    }
    if (response.status != 304 && job->source.kind == config::SourceKind::feed) {
      if (auto problem = not_a_feed(response.content_type, response.body)) {
        report.failed_at = PollReport::Stage::fetch;
        report.error = fmt::format("HTTP {} but {}", response.status, *problem);
        fail_fetch(job, response);
        return;
      }
    }
    note_url_in_use(*job);
    report.failed_over = job->failed_urls;
    if (response.status == 304) {
      report.not_modified = true;
      const bool stages_after = job->source.full_text.enabled() || job->source.media == config::MediaMode::local;
      to_group(GroupItem{job, GroupedPoll::Kind::not_modified, {}});
      // Full text and local media retry what is due after a 304, fetching
      // and holding pages and files: such a poll keeps its place.
      if (!stages_after) leave_place(*job);
      return;
    }
    // A 304 may omit validators it still honours; a 200 replaces them.
    report.validators.etag = response.etag;
    report.validators.last_modified = response.last_modified;
    // With mirrors the operator lists the URLs: a redirect is followed, not saved.
    if (response.permanent_redirect && job->source.urls.size() <= 1) {
      report.moved_to = response.permanent_redirect;
      report.validators.polled_url = *response.permanent_redirect;
    }
    parse_gate_.enter([this, job, response = std::move(response)]() mutable {
      boost::asio::post(workers_, [this, job, response = std::move(response)]() mutable {
        parse_and_normalise(job, std::move(response));
      });
    });
  }

  // From any thread: a parse's feed left the queue in front of the writer.
  void parse_taken() {
    boost::asio::post(io_, [this] { parse_gate_.release(); });
  }

  void fail_fetch(const JobPtr& job, const HttpResponse& response) {
    if (try_next_url(job, response)) return;
    if (!job->failed_urls.empty()) {
      job->report.error += fmt::format(" (tried before: {})", fmt::join(job->failed_urls, "; "));
    }
    to_group(GroupItem{job, GroupedPoll::Kind::failure, {}});
  }

  // Paths of written posts are collected only for a publish hook.
  BatchOutcome fresh_outcome() const {
    BatchOutcome outcome;
    outcome.skip_written_paths = !publishing_;
    return outcome;
  }

  // On a worker thread. A feed of more than stream_batch entries is stored
  // in parts as it is read (Archive::ingest_part), so memory holds one or
  // two parts of it, not all of it in three forms (parsed, normalised, rows).
  void parse_and_normalise(const JobPtr& job, HttpResponse response) {
    std::vector<IncomingEntry> entries;
    StreamedParts parts;
    parts.outcome = fresh_outcome();
    try {
      FeedParseOptions options;
      options.base_url = response.effective_url.empty() ? job->report.url : response.effective_url;
      options.default_timezone = job->source.timezone;
      options.content_type = response.content_type;
      options.entry_batch = stream_batch;
      options.on_entries = [&](std::vector<FeedEntry>& batch, bool recovered) {
        store_part(job, parts, normalise(batch, recovered, job->source));
        batch.clear();
      };
      const Feed feed = job->source.kind == config::SourceKind::html
                            ? parse_listing_page(response.body, options, job->source)
                            : parse_feed(response.body, options);
      job->report.ttl_minutes = feed.ttl_minutes;
      job->report.recovered = feed.recovered;
      job->report.guessed_charset = feed.guessed_charset;
      entries = normalise(feed, job->source);
    } catch (const PartNotStored&) {
      // Reported below, as a store failure.
    } catch (const std::exception& error) {
      wait_for_part(parts);
      job->report.failed_at = PollReport::Stage::parse;
      job->report.error = error.what();
      if (parts.started) parts.release_hold(this);
      parse_taken();
      to_writer([this, job] { store_failure(job); });
      return;
    }
    wait_for_part(parts);
    if (!parts.error.empty()) {
      // The parts stored stay (their rows and posts are complete); the
      // validators were not saved, so the next poll reads the feed again.
      job->report.failed_at = PollReport::Stage::store;
      job->report.error = fmt::format("not all stored, will retry on the next poll: {}", parts.error);
      parts.release_hold(this);
      parse_taken();
      to_writer([this, job] { store_failure(job); });
      return;
    }
    if (!parts.started && !job->source.full_text.enabled()) {
      to_group(GroupItem{job, GroupedPoll::Kind::entries, std::move(entries)});
      return;
    }
    to_writer([this, job, entries = std::move(entries), earlier = std::move(parts.outcome),
               streamed = parts.started]() mutable {
      parse_taken();
      if (prefetch_pages(job, entries, earlier, streamed)) return;
      store_entries(job, entries, std::move(earlier), !streamed);
      if (streamed) --queued_writes_;  // the hold taken by the first part
    });
  }

  // On the writer thread, with full_text: the pages of entries not stored
  // yet are fetched before they are stored, so each post is written once,
  // carrying the article when its page wins. False when there are none
  // (the caller stores the entries now).
  bool prefetch_pages(const JobPtr& job, std::vector<IncomingEntry>& entries, BatchOutcome& earlier, bool streamed) {
    if (!job->source.full_text.enabled()) return false;
    std::vector<full_text::Prefetched> pages;
    HttpRequest request;
    try {
      full_text_.keep_articles(entries);
      pages = full_text_.new_pages(entries);
      if (pages.empty()) return false;
      request = source_request(job->source, job->source.url, {});
    } catch (const std::exception& error) {
      spdlog::warn("source {} ({}): full text: {}", job->source.name, url::redact(job->source.url), error.what());
      return false;
    }
    struct Waiting {
      std::vector<IncomingEntry> entries;
      BatchOutcome earlier;
    };
    auto waiting = std::make_shared<Waiting>(Waiting{std::move(entries), std::move(earlier)});
    boost::asio::post(io_, [this, job, waiting, streamed, request = std::move(request),
                            pages = std::move(pages)]() mutable {
      if (aborting_) pages.clear();  // stopping: the entries are stored, their pages left due
      full_text_.prefetch(job->source, request, std::move(pages),
                          [this, job, waiting, streamed](std::vector<full_text::Prefetched> fetched) {
                            for (const auto& page : fetched) {
                              if (page.verdict.page_wins) waiting->entries.at(page.index).content = page.verdict.content;
                            }
                            store_entries(job, waiting->entries, std::move(waiting->earlier), !streamed, fetched);
                            if (streamed) --queued_writes_;  // the hold taken by the first part
                          });
    });
    return true;
  }

  // kind = "html": the listing page read with the source's selectors.
  static Feed parse_listing_page(std::string_view body, const FeedParseOptions& feed_options,
                                 const config::Source& source) {
    listing::ListingOptions options;
    const auto& html = source.html;
    options.selectors = listing::ListingSelectors{html.item, html.link, html.title, html.date, html.date_format,
                                                  html.summary};
    options.base_url = feed_options.base_url;
    options.content_type = feed_options.content_type;
    options.default_timezone = source.timezone;
    return listing::parse_listing(body, options);
  }

  // A huge feed's parts so far, on the worker that reads it.
  struct StreamedParts {
    bool started = false;
    std::future<void> in_flight;  // the part the writer is storing
    BatchOutcome outcome;         // written by the writer, read after in_flight
    std::string error;            // a part not stored: the rest are not tried
    void release_hold(Impl* impl) {
      if (--impl->queued_writes_ == 0) boost::asio::post(impl->writer_, [impl] { impl->index_while_idle(); });
    }
  };
  struct PartNotStored {};

  // On the worker: hands one part to the writer, after the one before it is
  // stored, so reading the next part overlaps storing this one.
  void store_part(const JobPtr& job, StreamedParts& parts, std::vector<IncomingEntry> part) {
    wait_for_part(parts);
    if (!parts.error.empty()) throw PartNotStored{};
    if (!parts.started) {
      // Held until the last part: the writer does not index for search
      // between parts, as if the stream were one write.
      ++queued_writes_;
      parts.started = true;
    }
    auto done = std::make_shared<std::promise<void>>();
    parts.in_flight = done->get_future();
    to_writer([this, job, &parts, part = std::move(part), done] {
      try {
        restore_missing_posts_dir(archive_);
        const auto enclosure_versions = enclosures::versions_before(archive_.store(), part);
        archive_.ingest_part(job->source.name, job->source.url, part, job->started_ms, parts.outcome);
        enclosures::record_enclosures(archive_.store(), part, enclosure_versions, job->started_ms);
        indexer_.rows_stored();
      } catch (const std::exception& error) {
        parts.error = error.what();
      }
      done->set_value();
    });
  }

  static void wait_for_part(StreamedParts& parts) {
    if (parts.in_flight.valid()) parts.in_flight.get();
  }

  // Every archive write goes through here: counting what is queued tells the
  // writer when it is idle, and idle is when it indexes for search.
  // Every job but a group's starts by clearing the marks the last group
  // left (Archive::ingest_group): it may mark rows pending, or read them.
  // A search run does neither (`clear_marks` false): a commit of its own
  // for the marks before each run made the indexer fall behind the pass.
  template <typename Task>
  void to_writer(Task task, bool clear_marks = true) {
    ++queued_writes_;
    boost::asio::post(writer_, [this, task = std::move(task), clear_marks]() mutable {
      if (clear_marks) flush_deferred_marks();
      task();
      if (--queued_writes_ == 0) index_while_idle();
    });
  }

  // On the writer thread (or once it is joined).
  void flush_deferred_marks() {
    try {
      archive_.clear_deferred_marks();
    } catch (const std::exception& error) {
      spdlog::warn("store: posts in place but still marked pending (rewritten by the next repair): {}", error.what());
    }
  }

  // Group commit: what a poll brings the store waits in group_queue_; the
  // writer takes every poll waiting when it gets to them into one
  // transaction and one post batch (Archive::ingest_group), so polls that
  // arrive while it syncs the last group share the next one's syncs.
  struct GroupItem {
    JobPtr job;
    GroupedPoll::Kind kind;
    std::vector<IncomingEntry> entries;
    // Read before the group is stored: the version each entry's enclosure
    // list belongs to, kept with that version if the new item replaces it.
    std::map<std::int64_t, int> enclosure_versions = {};
  };

  // One group turn is queued at a time (group_turn_queued_), not one per
  // poll: a turn takes several polls, and the turns posted for the polls it
  // took used to stay in the queue, each taking the next poll to arrive, so
  // that hundreds of them queued ahead of every other job (a search run
  // waited seconds, the schedules too) and every group took whatever was
  // there the moment a turn came up.
  void to_group(GroupItem item) {
    bool post = false;
    {
      const std::lock_guard lock(group_mutex_);
      group_queue_.push_back(std::move(item));
      post = !std::exchange(group_turn_queued_, true);
    }
    if (post) post_group_turn();
  }

  void post_group_turn() {
    ++queued_writes_;
    boost::asio::post(writer_, [this] {
      indexer_.write_ready_run();  // not left behind the polls queued before it
      store_group();
      if (--queued_writes_ == 0) index_while_idle();
    });
  }

  // On the writer thread: every poll waiting, stored as one group, then
  // each poll's own steps after the store (enclosures, observers, media)
  // and its report, as store_entries() and its kin do for one poll.
  void store_group() {
    std::vector<GroupItem> items;
    bool more = false;
    {
      const std::lock_guard lock(group_mutex_);
      std::size_t taken = 0;
      std::size_t entries = 0;
      while (taken < group_queue_.size() && (taken == 0 || entries < group_entries)) {
        entries += group_queue_[taken++].entries.size();
      }
      items.assign(std::make_move_iterator(group_queue_.begin()),
                   std::make_move_iterator(group_queue_.begin() + static_cast<std::ptrdiff_t>(taken)));
      group_queue_.erase(group_queue_.begin(), group_queue_.begin() + static_cast<std::ptrdiff_t>(taken));
      more = !group_queue_.empty();
      group_turn_queued_ = more;
    }
    // Polls beyond this group's size: the next turn, behind what was queued
    // meanwhile.
    if (more) post_group_turn();
    if (items.empty()) return;
    // Parsed feeds that left the queue in front of the writer open the
    // parse gate for the next ones (a 304 or a failure never entered it).
    for (const auto& item : items) {
      if (item.kind == GroupedPoll::Kind::entries) parse_taken();
    }
    std::vector<GroupedPoll> polls;
    polls.reserve(items.size());
    for (const auto& item : items) {
      const Job& job = *item.job;
      GroupedPoll poll;
      poll.kind = item.kind;
      poll.source_name = job.source.name;
      poll.source_url = job.source.url;
      poll.entries = item.entries;
      poll.fetched_ms = job.started_ms;
      poll.fetch = fetch_report(job);
      poll.validators = job.report.validators;
      poll.outcome = fresh_outcome();
      polls.push_back(std::move(poll));
    }
    try {
      if (!std::filesystem::exists(archive_.posts_dir())) flush_deferred_marks();
      restore_missing_posts_dir(archive_);
      for (auto& item : items) item.enclosure_versions = enclosures::versions_before(archive_.store(), item.entries);
      archive_.ingest_group(polls);
    } catch (const std::exception& error) {
      for (auto& poll : polls) {
        if (poll.error.empty()) poll.error = error.what();
      }
    }
    for (std::size_t i = 0; i < items.size(); ++i) after_group(items[i], polls[i]);
  }

  void after_group(GroupItem& item, GroupedPoll& poll) {
    const JobPtr& job = item.job;
    if (poll.kind == GroupedPoll::Kind::failure) {
      if (!poll.error.empty()) job->report.error += fmt::format(" (and the failure was not recorded: {})", poll.error);
      return finish(job);
    }
    if (poll.kind == GroupedPoll::Kind::not_modified) {
      if (!poll.error.empty()) {
        spdlog::warn("source {} ({}): HTTP 304 not recorded in the fetch history: {}", job->source.name,
                     job->report.url, poll.error);
      }
      if (job->source.full_text.enabled()) flush_deferred_marks();
      return full_text_then_finish(job, {});
    }
    try {
      if (!poll.error.empty()) throw std::runtime_error(poll.error);
      report_stored(job, poll.outcome, item.entries, item.enclosure_versions, true);
    } catch (const std::exception& error) {
      job->report.failed_at = PollReport::Stage::store;
      job->report.error = fmt::format("not stored, will retry on the next poll: {}", error.what());
    }
    // The media stage reads every pending row: the group's must be clear.
    if (job->source.media == config::MediaMode::local) flush_deferred_marks();
    full_text_then_finish(job, item.entries);
  }

  // On the writer thread, once a poll's entries are stored (alone or in a
  // group): what the poll reports, and the steps that follow the store.
  void report_stored(const JobPtr& job, BatchOutcome& outcome, const std::vector<IncomingEntry>& entries,
                     const std::map<std::int64_t, int>& enclosure_versions, bool whole_feed) {
    job->report.new_entries = outcome.new_entries;
    job->report.updated_entries = outcome.updated_entries;
    job->report.unchanged_entries = outcome.unchanged_entries + outcome.older_ignored;
    job->report.posts_written = outcome.posts_written;
    job->report.written_posts = std::move(outcome.written_paths);
    enclosures::record_enclosures(archive_.store(), entries, enclosure_versions, job->started_ms);
    if (outcome.new_entries + outcome.updated_entries > 0) {
      search_backlog_ = true;
      indexer_.rows_stored();
    }
    if (whole_feed && feed_stored_) tell_feed_stored(*job, entries);
    if (!outcome.post_errors.empty()) {
      job->report.failed_at = PollReport::Stage::store;
      job->report.error = fmt::format("{} post(s) not written, kept for retry: {}", outcome.post_errors.size(),
                                      outcome.post_errors.front());
    }
  }

  // On the writer thread, with no write queued: one batch, then another turn
  // if still idle, so a write arriving meanwhile waits for one batch at most.
  void index_while_idle() {
    // A batch the indexer thread is reading would be made stale.
    if (stopping_ || !search_backlog_ || queued_writes_ > 0 || indexer_.busy()) return;
    try {
      if (archive_.store().index_search_backlog(search_index_batch) < search_index_batch) search_backlog_ = false;
    } catch (const std::exception& error) {
      // The rows stay unindexed (and searchable by their text); the next
      // idle turn after a write tries again.
      spdlog::warn("search index: {}; will retry", error.what());
      return;
    }
    if (search_backlog_ && !index_turn_queued_) {
      index_turn_queued_ = true;
      boost::asio::post(writer_, [this] {
        index_turn_queued_ = false;
        index_while_idle();
      });
    }
  }

  // On the writer thread.
  void store_entries(const JobPtr& job, const std::vector<IncomingEntry>& entries, BatchOutcome earlier_parts,
                     bool whole_feed, std::span<const full_text::Prefetched> prefetched = {}) {
    try {
      restore_missing_posts_dir(archive_);
      const auto enclosure_versions = enclosures::versions_before(archive_.store(), entries);
      BatchOutcome outcome =
          archive_.ingest(job->source.name, job->source.url, entries, job->started_ms, fetch_report(*job),
                          job->report.validators, std::move(earlier_parts));
      report_stored(job, outcome, entries, enclosure_versions, whole_feed);
    } catch (const std::exception& error) {
      job->report.failed_at = PollReport::Stage::store;
      job->report.error = fmt::format("not stored, will retry on the next poll: {}", error.what());
    }
    full_text_then_finish(job, entries, prefetched);
  }


  // On the writer thread, after a poll stored its entries (or heard 304):
  // with full_text, the outcome of pages fetched before the entries were
  // stored is recorded, and the pages due (retries; entries of a streamed
  // feed's earlier parts) are fetched before the poll is reported.
  void full_text_then_finish(const JobPtr& job, std::span<const IncomingEntry> entries,
                             std::span<const full_text::Prefetched> prefetched = {}) {
    // The media stage reads the content the entries carry after full text.
    std::vector<std::string> identities;
    if (job->source.media == config::MediaMode::local) {
      for (const auto& entry : entries) identities.push_back(entry.identity);
    }
    if (!job->source.full_text.enabled() || !job->report.ok()) return finish_after_media(job, std::move(identities));
    full_text::StageResult result;
    std::vector<full_text::DuePage> due;
    HttpRequest request;
    const std::int64_t now_ms = clock_.now_ms();
    try {
      due = full_text_.prepare(job->source, entries, prefetched, job->started_ms, now_ms, result);
      if (!due.empty()) request = source_request(job->source, job->source.url, {});
    } catch (const std::exception& error) {
      spdlog::warn("source {} ({}): full text: {}", job->source.name, url::redact(job->source.url), error.what());
      due.clear();
    }
    if (due.empty()) {
      add_full_text(job, std::move(result));
      return finish_after_media(job, std::move(identities));
    }
    boost::asio::post(io_, [this, job, request = std::move(request), due = std::move(due), now_ms,
                            result = std::move(result), identities = std::move(identities)]() mutable {
      if (aborting_) due.clear();  // stopping: the pages stay due for the next start
      full_text_.fetch(job->source, request, std::move(due), now_ms, std::move(result),
                       [this, job, identities = std::move(identities)](full_text::StageResult done) mutable {
                         add_full_text(job, std::move(done));
                         finish_after_media(job, std::move(identities));
                       });
    });
  }

  void add_full_text(const JobPtr& job, full_text::StageResult result) {
    auto& report = job->report;
    report.full_texts = result.pages_carried;
    report.full_text_failures = result.pages_failed;
    report.posts_written += static_cast<int>(result.written.size());
    if (publishing_) {
      report.written_posts.insert(report.written_posts.end(), result.written.begin(), result.written.end());
    }
    if (!result.post_errors.empty()) {
      report.failed_at = PollReport::Stage::store;
      report.error = fmt::format("{} post(s) not written, kept for retry: {}", result.post_errors.size(),
                                 result.post_errors.front());
    }
  }

  // On the writer thread, after full text: local media for the entries
  // just stored (none after a 304: the retries that are due), then the report.
  void finish_after_media(const JobPtr& job, std::vector<std::string> identities) {
    if (job->source.media != config::MediaMode::local || !job->report.ok()) return finish(job);
    media_.run(archive_, job->source, std::move(identities), publishing_, [this, job](MediaStage::Outcome outcome) {
      job->report.posts_written += outcome.posts_written;
      job->report.media_files += outcome.files_stored;
      job->report.media_failures += outcome.files_failed;
      job->report.media_bytes += outcome.bytes_stored;
      auto& written = job->report.written_posts;
      for (auto& path : outcome.written_paths) {
        if (std::find(written.begin(), written.end(), path) == written.end()) written.push_back(std::move(path));
      }
      finish(job);
    });
  }

  // On the writer thread: an observer's failure is not the poll's.
  void tell_feed_stored(const Job& job, const std::vector<IncomingEntry>& entries) {
    try {
      feed_stored_(archive_, job.source, entries);
    } catch (const std::exception& error) {
      spdlog::warn("source {}: after storing the feed: {}", job.source.name, error.what());
    }
  }

  // On the writer thread.
  void store_failure(const JobPtr& job) {
    try {
      archive_.record_failure(job->source.name, job->source.url, fetch_report(*job));
    } catch (const std::exception& error) {
      job->report.error += fmt::format(" (and the failure was not recorded: {})", error.what());
    }
    finish(job);
  }

  // On the writer thread. A 304 that cannot be recorded is still a 304.
  void store_not_modified(const JobPtr& job) {
    try {
      archive_.record_not_modified(job->source.name, job->source.url, fetch_report(*job));
    } catch (const std::exception& error) {
      spdlog::warn("source {} ({}): HTTP 304 not recorded in the fetch history: {}", job->source.name,
                   job->report.url, error.what());
    }
    full_text_then_finish(job, {});
  }

  FetchReport fetch_report(const Job& job) const {
    return FetchReport{job.started_ms, elapsed_ms(job), job.report.http_status,
                       static_cast<std::int64_t>(job.report.bytes), job.report.error};
  }

  static std::int64_t elapsed_ms(const Job& job) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - job.started)
        .count();
  }

  void finish(const JobPtr& job) {
    job->report.elapsed = std::chrono::milliseconds(elapsed_ms(*job));
    job->report.finished_ms = clock_.now_ms();
    boost::asio::post(io_, [this, job] {
      // A report handler must not take the loop down with it.
      try {
        job->done(std::move(job->report));
      } catch (...) {
      }
      job->keep_io_running.reset();
      leave_place(*job);
    });
  }

  // On the io_context's thread: the poll's place among the active ones goes
  // to the next waiting poll. A 304 leaves it once answered, not once
  // reported: it holds no body and is only waiting for the writer to record
  // it, and its place held meanwhile (a few ms to tens of ms a poll) kept a
  // pass of 304s under the transfer limit. The transfer limits themselves
  // are the HttpClient's, whatever the places. (Not a source with full text
  // or local media, whose stages fetch after a 304 too.)
  void leave_place(Job& job) {
    if (std::exchange(job.place_left, true)) return;
    --active_polls_;
    window_.poll_ended(parse_gate_.waiting());
    if (const auto found = active_by_host_.find(job.host); found != active_by_host_.end() && --found->second <= 0) {
      active_by_host_.erase(found);
    }
    start_waiting_polls();
  }

  // On the io_context's thread: the oldest waiting polls that can start a
  // transfer, then those that would wait behind their host's transfers.
  void start_waiting_polls() {
    start_waiting_polls(host_transfers_);
    start_waiting_polls(host_limit_);
  }

  // The oldest waiting polls whose hosts have fewer than `host_limit` polls
  // active, skipping the others.
  void start_waiting_polls(int host_limit) {
    for (auto it = waiting_.begin(); it != waiting_.end() && active_polls_ < std::min(active_limit_, window_.size());) {
      if (!has_room(it->host, host_limit)) {
        ++it;
        continue;
      }
      WaitingPoll next = std::move(*it);
      it = waiting_.erase(it);
      start(std::move(next));
    }
  }

  boost::asio::io_context& io_;
  Archive& archive_;
  const Clock& clock_;
  HttpClient http_;
  FeedStored feed_stored_;  // set before the first poll, then only read on the writer
  std::atomic<bool> publishing_;  // a publish hook wants the written paths
  MediaStage media_;  // local media, after a poll is stored
  // Backpressure, on the io_context's thread.
  std::size_t active_limit_;
  int host_limit_;
  int host_transfers_;  // fetch.per_host
  std::size_t active_polls_ = 0;
  std::map<std::string, int> active_by_host_;
  std::deque<WaitingPoll> waiting_;
  bool aborting_ = false;  // abort() ran: "aborted" transfers are ours, not the source's
  // Sources polled from a mirror, since when (urls fail-over); io thread.
  std::map<std::string, std::chrono::steady_clock::time_point> on_mirror_since_;
  // Idle-time search indexing: the counter is shared with the io thread, the
  // flags belong to the writer thread.
  std::atomic<int> queued_writes_{0};
  std::atomic<bool> stopping_{false};
  std::mutex group_mutex_;
  std::vector<GroupItem> group_queue_;  // polls waiting for the writer's next group
  bool group_turn_queued_ = false;      // under group_mutex_: a store_group() is posted
  bool search_backlog_ = true;  // rows may be left from an earlier run
  bool index_turn_queued_ = false;
  boost::asio::thread_pool workers_;
  boost::asio::thread_pool writer_;
  ParseGate parse_gate_;  // on the io_context's thread
  PollWindow window_;     // on the io_context's thread
  SearchIndexer indexer_;  // stored rows indexed for search off the writer's CPU
  full_text::Stage full_text_;  // sources[].full_text: pages fetched through http_
  // The writer's WAL copied back by another thread, not inside its commits;
  // destroyed after writer_ is joined.
  WalCheckpointer checkpointer_{archive_.store().database()};
};

Pipeline::Pipeline(boost::asio::io_context& io, const config::Config& config, Archive& archive, const Clock& clock)
    : impl_(std::make_unique<Impl>(io, config, archive, clock)) {}

Pipeline::~Pipeline() = default;

void Pipeline::poll(const config::Source& source, const SourceValidators& validators, Done done) {
  impl_->poll(source, validators, std::move(done));
}

void Pipeline::write(std::function<void(Archive&)> job, std::function<void()> then) {
  impl_->write(std::move(job), std::move(then));
}

void Pipeline::write_beside_posts(std::function<void(Archive&)> job, std::function<void()> then) {
  impl_->write(std::move(job), std::move(then), false);
}

void Pipeline::reconfigure(const config::Config& config) { impl_->reconfigure(config); }

void Pipeline::abort() { impl_->abort(); }

HttpClient& Pipeline::http() { return impl_->http(); }

void Pipeline::on_feed_stored(FeedStored observer) { impl_->on_feed_stored(std::move(observer)); }

}  // namespace feedd
