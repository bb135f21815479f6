// file:// sources, read on a worker thread so a file that blocks (a FIFO
// nobody writes, a hung network mount) cannot freeze the event loop, and
// with the same timeout and size cap as an HTTP transfer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace feedd {

struct FileReadResult {
  std::string body;
  std::string error;  // empty on success
};

// The local path of a file:// URL (percent-decoding undone); empty when the
// URL is not a local file URL.
std::string file_url_path(const std::string& url);

// Reads `path` whole. Gives up with an error after `timeout`, once the body
// exceeds `max_body` bytes, or soon after `cancelled` becomes true ("aborted").
// Opening never blocks (O_NONBLOCK): a FIFO without a writer waits in poll(),
// which is bounded.
// Thread-safe; meant to run off the event loop.
FileReadResult read_local_file(const std::string& path, std::chrono::milliseconds timeout, std::uint64_t max_body,
                               const std::atomic<bool>& cancelled);

}  // namespace feedd
