// A media file written as its bytes arrive, never held whole in memory: an
// archived podcast episode or video can be hundreds of MiB. The bytes go to
// a temporary file in the media folder (AtomicBatch's prefix, so a crash's
// leftover is deleted at the next start), their SHA-256 is computed on the
// way, and the first bytes are kept for the type sniffers. keep_as() makes
// the file durable under its content name, as store_media_file() does.
//
// Thread-safety: none; write() may run on another thread than the one that
// made the object, as long as the calls do not overlap.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/atomic_file.h"

namespace feedd::media {

class StreamedMediaFile {
 public:
  static constexpr std::size_t head_size = 64 * 1024;  // what the sniffers read

  // Creates `folder` if missing and a temporary file in it. Throws
  // std::system_error naming the folder.
  explicit StreamedMediaFile(std::filesystem::path folder);
  ~StreamedMediaFile();  // removes the temporary file unless kept
  StreamedMediaFile(const StreamedMediaFile&) = delete;
  StreamedMediaFile& operator=(const StreamedMediaFile&) = delete;

  // Appends `bytes`; false (and error() says why) when they cannot be written.
  bool write(std::string_view bytes) noexcept;

  const std::string& head() const { return head_; }
  std::uint64_t size() const { return size_; }
  const std::string& error() const { return error_; }

  // Lower-case hex SHA-256 of every byte written. Call once, after the last
  // write. Throws std::runtime_error if libcrypto fails.
  std::string sha256_hex();

  // The whole file as bytes (for an SVG, which is sanitised in memory).
  std::string read_all() const;

  // Flushes the file and renames it to `name` in the folder (unless a file of
  // that name is there: same name, same bytes), then syncs the folder.
  // Throws std::system_error naming the file.
  void keep_as(const std::string& name);

 private:
  struct Digest;
  std::filesystem::path folder_;
  std::filesystem::path temp_;
  FileDescriptor fd_;
  std::unique_ptr<Digest> digest_;
  std::string head_;
  std::uint64_t size_ = 0;
  std::string error_;
  bool kept_ = false;
};

}  // namespace feedd::media
