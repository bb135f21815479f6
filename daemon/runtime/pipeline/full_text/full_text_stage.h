// The full-text stage of a poll (sources[].full_text), between "the feed's
// entries are stored" and "the poll is reported". Each new entry's page is
// recorded as due; the pages due (new ones and retries) are fetched through
// the pipeline's HttpClient (its per-host limits, the source's proxy and
// headers, the private-address shield for hosts other than the feed's),
// judged (page_article.h) and recorded. A page that wins becomes the entry's
// content through full_text::carry_page_content, the one path an entry's
// content takes to its page's article; one that fails leaves the feed's
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

class Stage {
 public:
  using Task = std::function<void()>;
  using Poster = std::function<void(Task)>;
  // `http` is used on the io thread only; `archive` on the writer only.
  Stage(HttpClient& http, Archive& archive, Poster to_worker, Poster to_writer);

  // On the writer thread, after the entries of `source` were stored by a
  // poll that started at `fetched_ms` (`entries`: its last part): entries
  // first seen by that poll are added as due at `now_ms`; one of `entries`
  // that carried its page's article and that the feed just updated takes the
  // article again. Returns the pages due.
  std::vector<DuePage> prepare(const config::Source& source, std::span<const IncomingEntry> entries,
                               std::int64_t fetched_ms, std::int64_t now_ms, StageResult& result);

  // On the io thread: fetches `due` with `request` (the source's request
  // for its feed URL, as a template), judges and records each page, then
  // calls `done` on the writer thread with what came of them.
  void fetch(const config::Source& source, const HttpRequest& request, std::vector<DuePage> due, std::int64_t now_ms,
             StageResult result, std::function<void(StageResult)> done);

 private:
  struct Run;
  void record(const std::shared_ptr<Run>& run, const DuePage& page, const std::string& problem,
              const std::string& content, bool page_wins);

  HttpClient& http_;
  Archive& archive_;
  Poster to_worker_;
  Poster to_writer_;
};

// The request for an entry's page, from the source's request for its feed:
// no validators of the feed; the page's host trusted only when it is the
// feed's own; the source's login and cookie sent only there.
HttpRequest page_request(const HttpRequest& feed_request, const std::string& feed_url, const std::string& page_url);

}  // namespace feedd::full_text
