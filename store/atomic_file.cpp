#include "store/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace feedd {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // close() reports write-back errors on some filesystems (NFS); check it.
  int release_and_close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

[[noreturn]] void throw_errno(std::string_view what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), fmt::format("{} {}", what, path.string()));
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

std::string unique_temp_name() {
  static std::atomic<unsigned long> counter{0};
  return fmt::format("{}{}-{}", AtomicBatch::temp_prefix, ::getpid(), counter++);
}

}  // namespace

AtomicBatch::AtomicBatch(std::filesystem::path folder) : folder_(std::move(folder)) {}

AtomicBatch::~AtomicBatch() {
  for (const auto& pending : pending_) ::unlink(pending.temp.c_str());
}

void AtomicBatch::stage(const std::string& name, std::string_view bytes) {
  const auto target = folder_ / name;
  // The name comes from a feed; it must never climb out of the folder.
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    throw std::system_error(EINVAL, std::generic_category(), fmt::format("refusing post file name \"{}\"", name));
  }
  const auto temp = folder_ / unique_temp_name();
  FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw_errno("cannot create", temp);
  pending_.push_back({temp, target});
  write_all(fd.get(), bytes, temp);
  if (::fsync(fd.get()) != 0) throw_errno("cannot sync", temp);
  if (fd.release_and_close() != 0) throw_errno("cannot close", temp);
}

void AtomicBatch::commit() {
  // Nothing staged (every write failed, or nothing changed): the folder may
  // be the very thing that is broken, and there is nothing to make durable.
  if (pending_.empty()) return;
  // In staging order: when one target is staged twice, the later bytes win.
  std::size_t renamed = 0;
  for (; renamed < pending_.size(); ++renamed) {
    const auto& pending = pending_[renamed];
    if (::rename(pending.temp.c_str(), pending.target.c_str()) != 0) {
      const int saved = errno;
      const auto target = pending.target;
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(renamed));
      errno = saved;
      throw_errno("cannot rename into", target);
    }
  }
  pending_.clear();
  // The renames are durable only once the folder's entries are on disk.
  FileDescriptor dir(::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) throw_errno("cannot open folder", folder_);
  if (::fsync(dir.get()) != 0) throw_errno("cannot sync folder", folder_);
}

int remove_stale_temp_files(const std::filesystem::path& folder) {
  int removed = 0;
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(folder, error)) {
    if (item.path().filename().string().starts_with(AtomicBatch::temp_prefix)) {
      std::error_code ignored;
      if (std::filesystem::remove(item.path(), ignored)) ++removed;
    }
  }
  return removed;
}

}  // namespace feedd
