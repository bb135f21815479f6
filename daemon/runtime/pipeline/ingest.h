// One poll of one source, the whole way: fetch → parse → normalise → store.
//
// Threads: fetches run on the io_context's thread (libcurl multi_socket);
// parsing and normalising on a small worker pool; every archive write on one
// writer thread, which stores the polls waiting for it together: one
// transaction and one post sync per group of feeds (Archive::ingest_group). Reports come back on the
// io_context's thread. A source's failure is contained in its report: it
// never stops another source.
//
// Backpressure: at most fetch.concurrency + 8 polls are between "fetch
// started" and "stored" (a 304, which holds no body, only until answered);
// the rest wait before their fetch, so a writer slower than the network
// never makes feedd hold every due feed in memory. Within
// that, a few feeds are parsed ahead of the writer and the others wait as
// fetched (ParseGate), and a pass starts with a few polls and adds more only
// while the writer keeps up (PollWindow, parse_gate.h).
// Stored rows are indexed for search by a thread of its own that hands each
// run to the writer (SearchIndexer); when no write is queued and that thread
// is idle, the writer indexes what is left in small batches
// (Store::index_search_backlog).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <memory>
#include <vector>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "daemon/runtime/pipeline/clock.h"
#include "fetchers/http/http_client.h"
#include "store/archive.h"

namespace feedd {

struct PollReport {
  std::string source_name;
  std::string url;  // the URL polled (after earlier permanent redirects)
  long http_status = 0;
  bool not_modified = false;  // 304: nothing parsed, nothing written
  bool recovered = false;     // the feed was broken XML, read in recover mode, or its charset guessed
  std::string guessed_charset;  // the charset guessed for a feed that declared none
  std::optional<std::chrono::seconds> retry_after;
  std::optional<std::int64_t> ttl_minutes;
  std::optional<std::string> moved_to;  // a 301/308 chain ended here
  std::vector<std::string> failed_over;  // "URL: error" of URLs tried before `url` worked
  SourceValidators validators;          // to send with the next poll
  std::uint64_t bytes = 0;
  int new_entries = 0;
  int updated_entries = 0;
  int unchanged_entries = 0;
  int posts_written = 0;
  int full_texts = 0;          // full_text: posts now carrying their page's article
  int full_text_failures = 0;  // full_text: pages that left the feed's content (retried later)
  int media_files = 0;            // media = "local": files downloaded and kept
  int media_failures = 0;         // media = "local": downloads refused or failed (retried later)
  std::uint64_t media_bytes = 0;  // media = "local": bytes of the files kept
  std::chrono::milliseconds elapsed{0};
  std::int64_t finished_ms = 0;  // Unix ms when the report was made
  std::vector<std::filesystem::path> written_posts;  // files this poll wrote
  enum class Stage { none, fetch, parse, store };
  Stage failed_at = Stage::none;
  std::string error;  // empty when the source was fetched and stored
  // Stopped by Pipeline::abort() (shutdown), or never started because of it:
  // not the source's failure, so it changes nothing in its schedule.
  bool aborted = false;
  bool ok() const { return error.empty(); }
};

// "美国之音 (https://…): HTTP 200, 5.3 KiB, 1 new, 0 updated, 0 unchanged, 120 ms"
std::string describe(const PollReport& report);

class Pipeline {
 public:
  // `archive` is used only from the writer thread from here on.
  Pipeline(boost::asio::io_context& io, const config::Config& config, Archive& archive, const Clock& clock);
  ~Pipeline();  // waits for parse and write work already started
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  using Done = std::function<void(PollReport)>;
  // REQUIRES: called on the io_context's thread. `source` is copied.
  // `validators` come from the previous poll (empty polled_url: source.url).
  void poll(const config::Source& source, const SourceValidators& validators, Done done);

  // Runs `job` on the writer thread (the archive's only user), then `then`
  // on the io_context's thread. An exception from `job` is logged.
  void write(std::function<void(Archive&)> job, std::function<void()> then = {});
  // The same for a job that neither marks rows' posts pending nor reads
  // rows that are (the scheduler's saves): it runs without first clearing
  // the marks the last group left, a commit of its own.
  void write_beside_posts(std::function<void(Archive&)> job, std::function<void()> then = {});

  // New fetch limits and settings after a reload.
  void reconfigure(const config::Config& config);

  // Cancels fetches still running; their reports say "aborted".
  void abort();

  // Called on the writer thread after each feed fetched whole (not a 304,
  // not one stored in parts) is stored, in the same turn, with its entries:
  // for what must see a feed's whole content (an entry that dropped out of
  // it). An exception is logged. REQUIRES: set before the first poll.
  using FeedStored = std::function<void(Archive&, const config::Source&, const std::vector<IncomingEntry>&)>;
  void on_feed_stored(FeedStored observer);

  // The client every poll fetches through, for other fetches that must share
  // its limits (removal rechecks, Save Page Now). On the io_context's thread.
  HttpClient& http();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

std::string default_user_agent();

}  // namespace feedd
