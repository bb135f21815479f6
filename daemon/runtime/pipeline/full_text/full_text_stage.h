// The full-text stage of a poll (sources[].full_text). Before the poll
// stores its entries, the pages of those the store does not have are
// fetched (new_pages, prefetch), so a post is written once, with its
// article; after, any other new entry's page is recorded as due and the
// pages due (those and retries) are fetched through
// the pipeline's HttpClient (its per-host limits, the source's proxy and
// headers, the private-address shield for hosts other than the feed's),
// judged (page_article.h) and recorded. A page that wins becomes a stored
// entry's content through full_text::carry_page_content, the one path a
// stored entry's content takes to its page's article (a new entry whose page
// won before it was stored is inserted with the article, its first content,
// and carry_page_content only records that); one that fails leaves the feed's
// content and is tried again after 1h, 2h, 4h, ... (8 tries in all), at the
// source's next poll after that time, in `run` or `once` alike.
//
// Threads: prepare() and every store access on the writer thread; fetches
// on the io_context's thread; judging on a worker. The callers say where
// each runs (Poster).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/runtime/pipeline/full_text/page_article.h"
#include "fetchers/http/http_client.h"
#include "store/archive.h"
#include "store/full_text/page_contents.h"

namespace feedd::full_text {

// Pages fetched per poll of one source at most; the rest stay due for the
// next poll, so a first poll of a feed of hundreds of entries does not hold
// the source's report back for long.
inline constexpr int pages_per_poll = 64;
inline constexpr int max_attempts = 8;

// When a page that failed `attempts` times is tried next (none: never).
std::optional<std::int64_t> next_attempt_ms(int attempts, std::int64_t now_ms);

struct StageResult {
  int pages_carried = 0;  // posts now carrying their page's article
  int pages_failed = 0;   // pages that left the feed's content (retried later or given up)
  std::vector<std::filesystem::path> written;  // posts rewritten
  std::vector<std::string> post_errors;
};

// The page of an entry not stored yet, fetched before its poll stores it,
// so the post is written once, with the article when the page wins.
struct Prefetched {
  std::size_t index = 0;  // into the poll's entries
  DuePage page;           // entry_id 0 until stored
  PageVerdict verdict;
};

class Stage {
 public:
  using Task = std::function<void()>;
  using Poster = std::function<void(Task)>;
  // `http` is used on the io thread only; `archive` on the writer only.
  Stage(HttpClient& http, Archive& archive, Poster to_worker, Poster to_writer);

  // On the writer thread, before `entries` of `source` are stored: those
  // with an http(s) link that the store does not have (nor has forgotten),
  // at most pages_per_poll, to fetch first.
  std::vector<Prefetched> new_pages(std::span<const IncomingEntry> entries);

  // On the writer thread, before `entries` are stored: an entry whose post
  // carries its page's article and that the feed updates (a later
  // timestamp) is stored with the article still, its new feed content kept
  // beside it (set_feed_content). Otherwise the row would take the feed's
  // teaser and then the article again: two writes of the post, and a
  // teaser version between every two article versions.
  void keep_articles(std::span<IncomingEntry> entries);

  // On the io thread: fetches and judges each of `pages`, then calls `done`
  // with them, verdicts set, on the writer thread.
  void prefetch(const config::Source& source, const HttpRequest& request, std::vector<Prefetched> pages,
                std::function<void(std::vector<Prefetched>)> done);

  // On the writer thread, after the entries of `source` were stored by a
  // poll that started at `fetched_ms` (`entries`: its last part): entries
  // first seen by that poll are added as due at `now_ms`; one of `entries`
  // that carried its page's article and that the feed just updated takes the
  // article again. Returns the pages due.
  // `prefetched`: the pages new_pages() gave, recorded first (their
  // entries' content already is the winning article's).
  std::vector<DuePage> prepare(const config::Source& source, std::span<const IncomingEntry> entries,
                               std::span<const Prefetched> prefetched, std::int64_t fetched_ms, std::int64_t now_ms,
                               StageResult& result);

  // On the io thread: fetches `due` with `request` (the source's request
  // for its feed URL, as a template), judges and records each page, then
  // calls `done` on the writer thread with what came of them.
  void fetch(const config::Source& source, const HttpRequest& request, std::vector<DuePage> due, std::int64_t now_ms,
             StageResult result, std::function<void(StageResult)> done);

 private:
  struct Run;
  // Fetches `page_url` and judges it on a worker; `judged` runs on the writer.
  void fetch_and_judge(const config::Source& source, const HttpRequest& request, const std::string& page_url,
                       const std::string& feed_content, std::function<void(PageVerdict)> judged);
  void record(const config::Source& source, const DuePage& page, const PageVerdict& verdict, std::int64_t now_ms,
              StageResult& result);

  HttpClient& http_;
  Archive& archive_;
  Poster to_worker_;
  Poster to_writer_;
};

// The request for an entry's page, from the source's request for its feed:
// no validators of the feed; the page's host trusted, and the source's
// login, cookie and headers sent, only when it is one of the source's own
// (fetchers/http/request_scope.h).
HttpRequest page_request(const HttpRequest& feed_request, const config::Source& source, const std::string& page_url);

}  // namespace feedd::full_text
