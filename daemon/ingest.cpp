#include "daemon/ingest.h"

#include <exception>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/normalise.h"
#include "fetchers/feed_parser.h"

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

int worker_count() {
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 4u));
}

}  // namespace

std::string default_user_agent() { return fmt::format("feedd/{} (+{})", FEEDD_VERSION, FEEDD_PROJECT_URL); }

std::string describe(const PollReport& report) {
  const std::string where = fmt::format("{} ({})", report.source_name, report.url);
  const auto ms = report.elapsed.count();
  if (!report.ok()) return fmt::format("{}: {}, {} ms", where, report.error, ms);
  if (report.not_modified) return fmt::format("{}: HTTP 304, not modified, {} ms", where, ms);
  return fmt::format("{}: HTTP {}, {}{}, {} new, {} updated, {} unchanged, {} ms", where, report.http_status,
                     human_bytes(report.bytes), report.recovered ? ", not well-formed XML (read in recover mode)" : "",
                     report.new_entries, report.updated_entries, report.unchanged_entries, ms);
}

class Pipeline::Impl {
 public:
  Impl(boost::asio::io_context& io, const config::Config& config, Archive& archive, const Clock& clock)
      : io_(io), archive_(archive), clock_(clock), http_(io, http_options(config.fetch)),
        workers_(static_cast<std::size_t>(worker_count())), writer_(1) {}

  ~Impl() {
    workers_.join();
    writer_.join();
  }

  void poll(const config::Source& source, const SourceValidators& validators, Done done) {
    auto job = std::make_shared<Job>(Job{source, std::move(done), std::make_shared<WorkGuard>(io_.get_executor()),
                                         clock_.now_ms(), std::chrono::steady_clock::now(), {}});
    const std::string url = validators.polled_url.empty() ? source.url : validators.polled_url;
    job->report.source_name = source.name;
    job->report.url = url;
    job->report.validators = validators;
    job->report.validators.polled_url = url;
    http_.fetch(HttpRequest{url, validators.etag, validators.last_modified},
                [this, job](HttpResponse response) { on_fetched(job, std::move(response)); });
  }

  void write(std::function<void(Archive&)> work, std::function<void()> then) {
    auto keep_io_running = std::make_shared<WorkGuard>(io_.get_executor());
    boost::asio::post(writer_, [this, work = std::move(work), then = std::move(then), keep_io_running]() mutable {
      try {
        work(archive_);
      } catch (const std::exception& error) {
        spdlog::error("store: {}", error.what());
      }
      boost::asio::post(io_, [then = std::move(then), keep_io_running]() mutable {
        if (then) then();
        keep_io_running.reset();
      });
    });
  }

  void reconfigure(const config::Config& config) { http_.set_options(http_options(config.fetch)); }

  void abort() { http_.abort_all(); }

 private:
  struct Job {
    config::Source source;
    Done done;
    std::shared_ptr<WorkGuard> keep_io_running;  // until the report is delivered
    std::int64_t started_ms;
    std::chrono::steady_clock::time_point started;
    PollReport report;
  };
  using JobPtr = std::shared_ptr<Job>;

  void on_fetched(const JobPtr& job, HttpResponse response) {
    auto& report = job->report;
    report.http_status = response.status;
    report.bytes = response.bytes_received;
    report.retry_after = response.retry_after;
    if (!response.ok()) {
      report.failed_at = PollReport::Stage::fetch;
      report.error = response.error.empty() ? fmt::format("HTTP {}", response.status) : response.error;
      boost::asio::post(writer_, [this, job] { store_failure(job); });
      return;
    }
    if (response.status == 304) {
      report.not_modified = true;
      finish(job);
      return;
    }
    // A 304 may omit validators it still honours; a 200 replaces them.
    report.validators.etag = response.etag;
    report.validators.last_modified = response.last_modified;
    if (response.permanent_redirect) {
      report.moved_to = response.permanent_redirect;
      report.validators.polled_url = *response.permanent_redirect;
    }
    boost::asio::post(workers_, [this, job, response = std::move(response)]() mutable {
      parse_and_normalise(job, std::move(response));
    });
  }

  // On a worker thread.
  void parse_and_normalise(const JobPtr& job, HttpResponse response) {
    std::vector<IncomingEntry> entries;
    try {
      FeedParseOptions options;
      options.base_url = response.effective_url.empty() ? job->report.url : response.effective_url;
      options.default_timezone = job->source.timezone;
      options.content_type = response.content_type;
      const Feed feed = parse_feed(response.body, options);
      job->report.ttl_minutes = feed.ttl_minutes;
      job->report.recovered = feed.recovered;
      entries = normalise(feed, job->source);
    } catch (const std::exception& error) {
      job->report.failed_at = PollReport::Stage::parse;
      job->report.error = error.what();
      boost::asio::post(writer_, [this, job] { store_failure(job); });
      return;
    }
    boost::asio::post(writer_, [this, job, entries = std::move(entries)] { store_entries(job, entries); });
  }

  // On the writer thread.
  void store_entries(const JobPtr& job, const std::vector<IncomingEntry>& entries) {
    try {
      const BatchOutcome outcome =
          archive_.ingest(job->source.name, job->source.url, entries, job->started_ms, fetch_report(*job),
                          job->report.validators);
      job->report.new_entries = outcome.new_entries;
      job->report.updated_entries = outcome.updated_entries;
      job->report.unchanged_entries = outcome.unchanged_entries + outcome.older_ignored;
      job->report.posts_written = outcome.posts_written;
      job->report.written_posts = outcome.written_paths;
      if (!outcome.post_errors.empty()) {
        job->report.failed_at = PollReport::Stage::store;
        job->report.error = fmt::format("{} post(s) not written, kept for retry: {}", outcome.post_errors.size(),
                                        outcome.post_errors.front());
      }
    } catch (const std::exception& error) {
      job->report.failed_at = PollReport::Stage::store;
      job->report.error = fmt::format("not stored, will retry on the next poll: {}", error.what());
    }
    finish(job);
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
    boost::asio::post(io_, [job] {
      // A report handler must not take the loop down with it.
      try {
        job->done(std::move(job->report));
      } catch (...) {
      }
      job->keep_io_running.reset();
    });
  }

  boost::asio::io_context& io_;
  Archive& archive_;
  const Clock& clock_;
  HttpClient http_;
  boost::asio::thread_pool workers_;
  boost::asio::thread_pool writer_;
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

void Pipeline::reconfigure(const config::Config& config) { impl_->reconfigure(config); }

void Pipeline::abort() { impl_->abort(); }

}  // namespace feedd
