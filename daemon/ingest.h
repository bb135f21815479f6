// One poll of one source, the whole way: fetch → parse → normalise → store.
//
// Threads: fetches run on the io_context's thread (libcurl multi_socket);
// parsing and normalising on a small worker pool; every archive write on one
// writer thread, one transaction per fetched feed. Reports come back on the
// io_context's thread. A source's failure is contained in its report: it
// never stops another source.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/config.h"
#include "daemon/clock.h"
#include "fetchers/http_client.h"
#include "store/archive.h"

namespace feedd {

struct PollReport {
  std::string source_name;
  std::string url;
  long http_status = 0;
  std::uint64_t bytes = 0;
  int new_entries = 0;
  int updated_entries = 0;
  int unchanged_entries = 0;
  int posts_written = 0;
  std::chrono::milliseconds elapsed{0};
  std::string error;  // empty when the source was fetched and stored
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
  void poll(const config::Source& source, Done done);

  // Cancels fetches still running; their reports say "aborted".
  void abort();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

std::string default_user_agent();

}  // namespace feedd
