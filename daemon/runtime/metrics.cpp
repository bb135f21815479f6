#include "daemon/runtime/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace feedd {
namespace {

// Label values may hold any text a config allows (quotes, backslashes).
std::string label(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string poll_result(const PollReport& report) {
  if (report.ok()) return report.not_modified ? "not_modified" : "ok";
  switch (report.failed_at) {
    case PollReport::Stage::parse: return "parse_error";
    case PollReport::Stage::store: return "store_error";
    default: return report.http_status >= 300 ? "http_error" : "network_error";
  }
}

void Metrics::record(const PollReport& report) {
  ++fetches_by_result_[poll_result(report)];
  entries_new_ += static_cast<std::uint64_t>(report.new_entries);
  entries_updated_ += static_cast<std::uint64_t>(report.updated_entries);
  posts_written_ += static_cast<std::uint64_t>(report.posts_written);
  full_text_articles_ += static_cast<std::uint64_t>(report.full_texts);
  full_text_failures_ += static_cast<std::uint64_t>(report.full_text_failures);
  media_files_ += static_cast<std::uint64_t>(report.media_files);
  media_failures_ += static_cast<std::uint64_t>(report.media_failures);
  media_bytes_ += report.media_bytes;
  if (report.failed_at == PollReport::Stage::parse) ++parse_errors_;
  if (report.recovered) ++recovered_feeds_;
  const double seconds = std::chrono::duration<double>(report.elapsed).count();
  for (std::size_t i = 0; i < duration_buckets.size(); ++i) {
    if (seconds <= duration_buckets[i]) ++duration_counts_[i];
  }
  ++duration_count_;
  duration_sum_seconds_ += seconds;
  if (report.ok()) last_success_ms_[report.source_name] = report.finished_ms;
}

void Metrics::set_source_state(const std::string& source, const std::string& state) { source_state_[source] = state; }

void Metrics::seed_source(const std::string& source, const std::string& state,
                          std::optional<std::int64_t> last_success_ms) {
  source_state_.emplace(source, state);
  if (last_success_ms) last_success_ms_.emplace(source, *last_success_ms);
}

void Metrics::keep_sources(const std::vector<std::string>& names) {
  std::map<std::string, std::string> kept_states;
  std::map<std::string, std::int64_t> kept_success;
  for (const auto& name : names) {
    if (auto found = source_state_.find(name); found != source_state_.end()) kept_states.insert(*found);
    if (auto found = last_success_ms_.find(name); found != last_success_ms_.end()) kept_success.insert(*found);
  }
  source_state_ = std::move(kept_states);
  last_success_ms_ = std::move(kept_success);
}

void Metrics::forget_source(const std::string& source) {
  source_state_.erase(source);
  last_success_ms_.erase(source);
}

void Metrics::record_rechecks(int alive, int removed, int retry) {
  rechecks_alive_ += static_cast<std::uint64_t>(alive);
  removals_ += static_cast<std::uint64_t>(removed);
  rechecks_retry_ += static_cast<std::uint64_t>(retry);
}

void Metrics::set_wayback(std::uint64_t saved, std::uint64_t retried, std::uint64_t dropped) {
  wayback_saved_ = saved;
  wayback_retried_ = retried;
  wayback_dropped_ = dropped;
}

std::string Metrics::render() const {
  std::string out;
  header(out, "feedd_build_info", "gauge", "Version of the running feedd.");
  out += fmt::format("feedd_build_info{{version=\"{}\"}} 1\n", FEEDD_VERSION);

  header(out, "feedd_fetches_total", "counter", "Polls by result.");
  for (const char* result : {"ok", "not_modified", "http_error", "network_error", "parse_error", "store_error"}) {
    const auto found = fetches_by_result_.find(result);
    out += fmt::format("feedd_fetches_total{{result=\"{}\"}} {}\n", result,
                       found == fetches_by_result_.end() ? 0 : found->second);
  }
  header(out, "feedd_entries_total", "counter", "Entries stored, by kind.");
  out += fmt::format("feedd_entries_total{{kind=\"new\"}} {}\nfeedd_entries_total{{kind=\"updated\"}} {}\n",
                     entries_new_, entries_updated_);
  header(out, "feedd_posts_written_total", "counter", "Post files written.");
  out += fmt::format("feedd_posts_written_total {}\n", posts_written_);
  header(out, "feedd_full_text_pages_total", "counter",
         "Entries' pages fetched for full_text, by result: the post now carries the article, or keeps the feed's "
         "content (tried again later).");
  out += fmt::format("feedd_full_text_pages_total{{result=\"article\"}} {}\n"
                     "feedd_full_text_pages_total{{result=\"feed\"}} {}\n",
                     full_text_articles_, full_text_failures_);
  header(out, "feedd_media_files_total", "counter",
         "Local media (media = \"local\") downloads, by result: the file kept, or refused or failed (retried later).");
  out += fmt::format("feedd_media_files_total{{result=\"stored\"}} {}\nfeedd_media_files_total{{result=\"failed\"}} {}\n",
                     media_files_, media_failures_);
  header(out, "feedd_media_bytes_total", "counter", "Bytes of the local media files kept.");
  out += fmt::format("feedd_media_bytes_total {}\n", media_bytes_);
  header(out, "feedd_parse_errors_total", "counter", "Fetched documents that could not be read as a feed.");
  out += fmt::format("feedd_parse_errors_total {}\n", parse_errors_);
  header(out, "feedd_recovered_feeds_total", "counter", "Broken feeds read in recover mode.");
  out += fmt::format("feedd_recovered_feeds_total {}\n", recovered_feeds_);
  header(out, "feedd_rechecks_total", "counter", "Entries' pages fetched again to notice removals (watch), by result.");
  out += fmt::format("feedd_rechecks_total{{result=\"alive\"}} {}\nfeedd_rechecks_total{{result=\"removed\"}} {}\n"
                     "feedd_rechecks_total{{result=\"retry\"}} {}\n",
                     rechecks_alive_, removals_, rechecks_retry_);
  header(out, "feedd_removals_total", "counter", "Entries found removed from their site.");
  out += fmt::format("feedd_removals_total {}\n", removals_);
  header(out, "feedd_wayback_requests_total", "counter", "Save Page Now requests (archive_org), by result.");
  out += fmt::format("feedd_wayback_requests_total{{result=\"saved\"}} {}\n"
                     "feedd_wayback_requests_total{{result=\"retry\"}} {}\n"
                     "feedd_wayback_requests_total{{result=\"dropped\"}} {}\n",
                     wayback_saved_, wayback_retried_, wayback_dropped_);

  header(out, "feedd_fetch_duration_seconds", "histogram", "Time from fetch start to stored result.");
  for (std::size_t i = 0; i < duration_buckets.size(); ++i) {
    out += fmt::format("feedd_fetch_duration_seconds_bucket{{le=\"{}\"}} {}\n", duration_buckets[i],
                       duration_counts_[i]);
  }
  out += fmt::format("feedd_fetch_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", duration_count_);
  out += fmt::format("feedd_fetch_duration_seconds_sum {}\nfeedd_fetch_duration_seconds_count {}\n",
                     duration_sum_seconds_, duration_count_);

  header(out, "feedd_sources", "gauge", "Configured sources by state.");
  std::map<std::string, int> by_state{{"ok", 0}, {"failing", 0}, {"gone", 0}, {"new", 0}};
  for (const auto& [source, state] : source_state_) ++by_state[state];
  for (const auto& [state, count] : by_state) out += fmt::format("feedd_sources{{state=\"{}\"}} {}\n", state, count);

  // One series per source is what a reader of dozens wants and what a
  // Prometheus scraping 100,000 sources must not get (8 MB a scrape); the
  // oldest success is the alert either way.
  if (source_state_.size() <= source_series_) {
    header(out, "feedd_source_last_success_timestamp_seconds", "gauge", "When each source last polled successfully.");
    for (const auto& [source, ms] : last_success_ms_) {
      out += fmt::format("feedd_source_last_success_timestamp_seconds{{source=\"{}\"}} {:.3f}\n", label(source),
                         static_cast<double>(ms) / 1000.0);
    }
  }
  if (!last_success_ms_.empty()) {
    std::int64_t oldest = last_success_ms_.begin()->second;
    for (const auto& [source, ms] : last_success_ms_) oldest = std::min(oldest, ms);
    header(out, "feedd_source_last_success_oldest_timestamp_seconds", "gauge",
           "The oldest of the sources' last successful polls (sources never polled successfully aside).");
    out += fmt::format("feedd_source_last_success_oldest_timestamp_seconds {:.3f}\n",
                       static_cast<double>(oldest) / 1000.0);
  }
  header(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch.");
  out += fmt::format("process_start_time_seconds {:.3f}\n", static_cast<double>(started_ms_) / 1000.0);
  return out;
}

}  // namespace feedd
