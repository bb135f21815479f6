#include "fetchers/http/file_read.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace feedd {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct UrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const noexcept { curl_free(text); }
};

// Short enough that shutdown and abort_all() are not kept waiting.
constexpr std::chrono::milliseconds cancel_check{100};

std::string seconds_text(std::chrono::milliseconds value) {
  return fmt::format("{:g} s", static_cast<double>(value.count()) / 1000.0);
}

}  // namespace

std::string file_url_path(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  char* raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK) return {};
  const std::unique_ptr<char, CurlStringDeleter> scheme(raw);
  if (std::strcmp(scheme.get(), "file") != 0) return {};
  raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_PATH, &raw, CURLU_URLDECODE) != CURLUE_OK) return {};
  const std::unique_ptr<char, CurlStringDeleter> path(raw);
  return path.get();
}

FileReadResult read_local_file(const std::string& path, std::chrono::milliseconds timeout, std::uint64_t max_body,
                               const std::atomic<bool>& cancelled) {
  FileReadResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    result.error = fmt::format("cannot open {}: {}", path, std::strerror(errno));
    return result;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0 && S_ISDIR(info.st_mode)) {
    result.error = fmt::format("cannot read {}: it is a folder", path);
    return result;
  }
  char buffer[1 << 16];
  for (;;) {
    if (cancelled.load()) {
      result.error = "aborted";
      return result;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.error = fmt::format("timed out after {} reading {} ({} bytes read)", seconds_text(timeout), path,
                                 result.body.size());
      return result;
    }
    pollfd watch{fd.get(), POLLIN, 0};
    const int ready = ::poll(&watch, 1, static_cast<int>(std::min(left, cancel_check).count()));
    if (ready < 0 && errno != EINTR) {
      result.error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
      return result;
    }
    if (ready <= 0) continue;
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got == 0) return result;  // end of file, or the FIFO's writer closed it
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      result.error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
      return result;
    }
    if (static_cast<std::uint64_t>(got) > max_body - result.body.size()) {
      result.error = fmt::format("body larger than {}-byte limit", max_body);
      result.body.clear();
      return result;
    }
    result.body.append(buffer, static_cast<std::size_t>(got));
  }
}

}  // namespace feedd
