#include "daemon/runtime/pipeline/full_text/full_text_stage.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/duration.h"
#include "daemon/runtime/pipeline/full_text/page_article.h"
#include "fetchers/http/request_scope.h"
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

HttpRequest page_request(const HttpRequest& feed_request, const config::Source& source, const std::string& page_url) {
  HttpRequest request = feed_request;
  request.url = page_url;
  request.etag.clear();
  request.last_modified.clear();
  confine_to_home_hosts(request, source.urls.empty() ? std::vector<std::string>{source.url} : source.urls);
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

std::vector<Prefetched> Stage::new_pages(std::span<const IncomingEntry> entries) {
  Store& store = archive_.store();
  std::vector<Prefetched> pages;
  for (std::size_t i = 0; i < entries.size() && pages.size() < static_cast<std::size_t>(pages_per_poll); ++i) {
    const IncomingEntry& entry = entries[i];
    if (!entry.url.starts_with("http://") && !entry.url.starts_with("https://")) continue;
    if (store.find_entry(entry.identity) || store.is_forgotten(entry.identity)) continue;
    const bool listed = std::any_of(pages.begin(), pages.end(),
                                    [&](const Prefetched& page) { return page.page.identity == entry.identity; });
    if (listed) continue;
    pages.push_back(Prefetched{i, DuePage{0, entry.identity, entry.url, entry.content, 0}, {}});
  }
  return pages;
}

void Stage::keep_articles(std::span<IncomingEntry> entries) {
  Store& store = archive_.store();
  for (auto& entry : entries) {
    const auto row = store.find_entry(entry.identity);
    if (!row || row->imported || !entry.timestamp_ms || *entry.timestamp_ms <= row->timestamp_ms) continue;
    const auto page = find_page_content(store, row->id);
    if (!page || !page->carries_page || !page->page_content || entry.content == *page->page_content) continue;
    set_feed_content(store, row->id, entry.content);
    entry.content = *page->page_content;
  }
}

void Stage::prefetch(const config::Source& source, const HttpRequest& request, std::vector<Prefetched> pages,
                     std::function<void(std::vector<Prefetched>)> done) {
  struct Batch {
    std::vector<Prefetched> pages;
    std::size_t left;
    std::function<void(std::vector<Prefetched>)> done;
  };
  auto batch = std::make_shared<Batch>(Batch{std::move(pages), 0, std::move(done)});
  batch->left = batch->pages.size();
  if (batch->left == 0) {
    to_writer_([batch] { batch->done(std::move(batch->pages)); });
    return;
  }
  for (std::size_t i = 0; i < batch->pages.size(); ++i) {
    const DuePage& page = batch->pages[i].page;
    fetch_and_judge(source, request, page.page_url, page.feed_content, [batch, i](PageVerdict verdict) {
      batch->pages[i].verdict = std::move(verdict);
      if (--batch->left == 0) batch->done(std::move(batch->pages));
    });
  }
}

std::vector<DuePage> Stage::prepare(const config::Source& source, std::span<const IncomingEntry> entries,
                                    std::span<const Prefetched> prefetched, std::int64_t fetched_ms,
                                    std::int64_t now_ms, StageResult& result) {
  Store& store = archive_.store();
  const std::int64_t source_id = store.source_id(source.name, source.url);
  for (const auto& fetched : prefetched) {
    const auto row = store.find_entry(fetched.page.identity);
    if (!row || row->imported || fetched.verdict.problem == "aborted") continue;  // left to add_new_pages
    DuePage page = fetched.page;
    page.entry_id = row->id;
    add_page(store, page.entry_id, page.page_url, page.feed_content);
    record(source, page, fetched.verdict, now_ms, result);
  }
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
    fetch_and_judge(source, request, page.page_url, page.feed_content, [this, run, page](PageVerdict verdict) {
      record(run->source, page, verdict, run->now_ms, run->result);
      if (--run->left == 0) run->done(std::move(run->result));
    });
  }
}

void Stage::fetch_and_judge(const config::Source& source, const HttpRequest& request, const std::string& page_url,
                            const std::string& feed_content, std::function<void(PageVerdict)> judged) {
  http_.fetch(page_request(request, source, page_url),
              [this, source, page_url, feed_content, judged = std::move(judged)](HttpResponse response) mutable {
                to_worker_([this, source, page_url, feed_content, judged = std::move(judged),
                            response = std::move(response)]() mutable {
                  PageVerdict verdict = judge_page(response, source, page_url, feed_content);
                  to_writer_([judged = std::move(judged), verdict = std::move(verdict)]() mutable {
                    judged(std::move(verdict));
                  });
                });
              });
}

void Stage::record(const config::Source& source, const DuePage& page, const PageVerdict& verdict,
                   std::int64_t now_ms, StageResult& result) {
  const std::string where = fmt::format("source {} ({}): full text of {}", source.name, url::redact(source.url),
                                        url::redact(page.page_url));
  try {
    if (verdict.problem == "aborted") {
      // feedd is stopping: not the page's failure; it stays due.
    } else if (verdict.page_wins) {
      if (carry_page_content(archive_, page.identity, verdict.content, now_ms, result.post_errors, &result.written)) {
        ++result.pages_carried;
      }
    } else {
      const int attempts = page.attempts + 1;
      const auto next = next_attempt_ms(attempts, now_ms);
      const bool found = !verdict.content.empty();
      record_page_failure(archive_.store(), page.entry_id, attempts, next, verdict.problem,
                          found ? std::optional<std::int64_t>(now_ms) : std::nullopt,
                          found ? std::optional<std::string>(verdict.content) : std::nullopt);
      ++result.pages_failed;
      if (next) {
        spdlog::warn("{}: {}, retry in {}", where, verdict.problem,
                     config::format_duration(std::chrono::milliseconds(*next - now_ms)));
      } else {
        spdlog::warn("{}: {}, given up after {} tries; the feed's content stays", where, verdict.problem, attempts);
      }
    }
  } catch (const std::exception& error) {
    spdlog::warn("{}: not recorded: {}", where, error.what());
  }
}

}  // namespace feedd::full_text
