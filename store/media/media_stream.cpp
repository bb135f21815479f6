#include "store/media/media_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace feedd::media {
namespace {

std::system_error os_error(const std::string& what, const std::filesystem::path& path) {
  return std::system_error(errno, std::generic_category(), fmt::format("{} {}", what, path.string()));
}

void fsync_folder(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) throw os_error("cannot sync the folder", folder);
}

}  // namespace

struct StreamedMediaFile::Digest {
  struct Deleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Deleter> context{EVP_MD_CTX_new()};
  bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1;
};

StreamedMediaFile::StreamedMediaFile(std::filesystem::path folder)
    : folder_(std::move(folder)), digest_(std::make_unique<Digest>()) {
  std::filesystem::create_directories(folder_);
  std::string pattern = (folder_ / (std::string(AtomicBatch::temp_prefix) + "stream-XXXXXX")).string();
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) throw os_error("cannot create a temporary file in", folder_);
  fd_ = FileDescriptor(fd);
  temp_ = pattern;
}

StreamedMediaFile::~StreamedMediaFile() {
  if (kept_) return;
  std::error_code ignored;
  std::filesystem::remove(temp_, ignored);
}

bool StreamedMediaFile::write(std::string_view bytes) noexcept {
  if (!error_.empty()) return false;
  if (!digest_->ok || EVP_DigestUpdate(digest_->context.get(), bytes.data(), bytes.size()) != 1) {
    error_ = "libcrypto could not compute a SHA-256 digest";
    return false;
  }
  try {
    if (head_.size() < head_size) head_.append(bytes.substr(0, head_size - head_.size()));
  } catch (...) {
    error_ = "out of memory";
    return false;
  }
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_.get(), bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      error_ = fmt::format("cannot write {}: {}", temp_.string(), std::strerror(errno));
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
  }
  return true;
}

std::string StreamedMediaFile::sha256_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!digest_->ok || EVP_DigestFinal_ex(digest_->context.get(), digest, &length) != 1) {
    throw std::runtime_error("libcrypto could not compute a SHA-256 digest");
  }
  digest_->ok = false;  // finalised: no more writes
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string StreamedMediaFile::read_all() const {
  std::ifstream in(temp_, std::ios::binary);
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + temp_.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void StreamedMediaFile::keep_as(const std::string& name) {
  const std::filesystem::path target = folder_ / name;
  if (std::filesystem::exists(target)) return;  // same name, same bytes; the destructor removes ours
  if (::fsync(fd_.get()) != 0) throw os_error("cannot sync", temp_);
  if (fd_.release_and_close() != 0) throw os_error("cannot close", temp_);
  if (::rename(temp_.c_str(), target.c_str()) != 0) throw os_error("cannot rename into place", target);
  kept_ = true;
  fsync_folder(folder_);
}

}  // namespace feedd::media
