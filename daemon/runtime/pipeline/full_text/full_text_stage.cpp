#include "daemon/runtime/pipeline/full_text/full_text_stage.h"

#include <atomic>
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/duration.h"
#include "daemon/runtime/pipeline/full_text/page_article.h"
#include "fetchers/http/url.h"
#include "fetchers/redact/redact_url.h"
#include "store/full_text/page_update.h"

namespace feedd::full_text {
namespace {

constexpr std::int64_t first_retry_ms = 3600 * 1000;

}  // namespace

std::optional<std::int64_t> next_attempt_ms(int attempts, std::int64_t now_ms) {
  if (attempts >= max_attempts) return std::nullopt;
  return now_ms + (first_retry_ms << std::max(0, attempts - 1));
}

HttpRequest page_request(const HttpRequest& feed_request, const std::string& feed_url, const std::string& page_url) {
  HttpRequest request = feed_request;
  request.url = page_url;
  request.etag.clear();
  request.last_modified.clear();
  const bool feed_host = url::host_of(page_url) == url::host_of(feed_url);
  request.trust_url_host = feed_host;
  if (!feed_host) {
    request.cookie.clear();
    request.username.clear();
    request.password.clear();
    request.bearer_token.clear();
  }
  return request;
}

struct Stage::Run {
  config::Source source;
  std::int64_t now_ms;
  StageResult result;  // writer thread only
  std::size_t left;    // writer thread only
  std::function<void(StageResult)> done;
};

Stage::Stage(HttpClient& http, Archive& archive, Poster to_worker, Poster to_writer)
    : http_(http), archive_(archive), to_worker_(std::move(to_worker)),
      to_writer_(std::move(to_writer)) {}

std::vector<DuePage> Stage::prepare(const config::Source& source, std::span<const IncomingEntry> entries,
                                    std::int64_t fetched_ms, std::int64_t now_ms, StageResult& result) {
  Store& store = archive_.store();
  const std::int64_t source_id = store.source_id(source.name, source.url);
  add_new_pages(store, source_id, fetched_ms, now_ms);
  for (const auto& entry : entries) {
    const auto row = store.find_entry(entry.identity);
    if (!row || row->imported || row->first_seen_ms == fetched_ms) continue;
    const auto page = find_page_content(store, row->id);
    if (page && page->carries_page && page->page_content && row->content != *page->page_content) {
      // The feed rewrote the entry: its new content is the feed's, the
      // post keeps carrying the article.
      set_feed_content(store, row->id, row->content);
      if (carry_page_content(archive_, row->identity, *page->page_content, page->fetched_ms.value_or(now_ms),
                             result.post_errors, &result.written)) {
        ++result.pages_carried;
      }
    }
  }
  return due_pages(store, source_id, now_ms, pages_per_poll);
}

void Stage::fetch(const config::Source& source, const HttpRequest& request, std::vector<DuePage> due,
                  std::int64_t now_ms, StageResult result, std::function<void(StageResult)> done) {
  auto run = std::make_shared<Run>(Run{source, now_ms, std::move(result), due.size(), std::move(done)});
  if (due.empty()) {
    to_writer_([run] { run->done(std::move(run->result)); });
    return;
  }
  for (auto& page : due) {
    http_.fetch(page_request(request, source.url, page.page_url),
                [this, run, page](HttpResponse response) {
                  to_worker_([this, run, page, response = std::move(response)] {
                    PageVerdict verdict = judge_page(response, run->source, page.page_url, page.feed_content);
                    to_writer_([this, run, page, verdict = std::move(verdict)] {
                      record(run, page, verdict.problem, verdict.content, verdict.page_wins);
                    });
                  });
                });
  }
}

void Stage::record(const std::shared_ptr<Run>& run, const DuePage& page, const std::string& problem,
                   const std::string& content, bool page_wins) {
  const std::string where = fmt::format("source {} ({}): full text of {}", run->source.name,
                                        url::redact(run->source.url), url::redact(page.page_url));
  try {
    if (problem == "aborted") {
      // feedd is stopping: not the page's failure; it stays due.
    } else if (page_wins) {
      if (carry_page_content(archive_, page.identity, content, run->now_ms, run->result.post_errors,
                             &run->result.written)) {
        ++run->result.pages_carried;
      }
    } else {
      const int attempts = page.attempts + 1;
      const auto next = next_attempt_ms(attempts, run->now_ms);
      record_page_failure(archive_.store(), page.entry_id, attempts, next, problem,
                          content.empty() ? std::nullopt : std::optional<std::int64_t>(run->now_ms),
                          content.empty() ? std::nullopt : std::optional<std::string>(content));
      ++run->result.pages_failed;
      if (next) {
        spdlog::warn("{}: {}, retry in {}", where, problem,
                     config::format_duration(std::chrono::milliseconds(*next - run->now_ms)));
      } else {
        spdlog::warn("{}: {}, given up after {} tries; the feed's content stays", where, problem, attempts);
      }
    }
  } catch (const std::exception& error) {
    spdlog::warn("{}: not recorded: {}", where, error.what());
  }
  if (--run->left == 0) run->done(std::move(run->result));
}

}  // namespace feedd::full_text
