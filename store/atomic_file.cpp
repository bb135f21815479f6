#include "store/atomic_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace feedd {
namespace {

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

// Open temporary files a batch keeps while their data is written back; past
// this, the oldest is finished early so a huge batch cannot exhaust fds.
constexpr std::size_t max_open_temp_files = 128;

// ext4 and XFS commit every pending metadata change of the file system with
// the one journal (log) commit an fsync forces, after the data it orders;
// tmpfs has nothing to lose. Elsewhere (btrfs logs per inode, ext2 has no
// journal, network file systems) each file gets its own fsync.
AtomicBatch::Sync sync_method_for(const std::filesystem::path& folder) {
  struct statfs info {};
  if (::statfs(folder.c_str(), &info) != 0) return AtomicBatch::Sync::each_file;
  switch (static_cast<unsigned long>(info.f_type)) {
    case EXT4_SUPER_MAGIC:
    case XFS_SUPER_MAGIC:
    case TMPFS_MAGIC:
      return AtomicBatch::Sync::batched;
    default:
      return AtomicBatch::Sync::each_file;
  }
}

std::string unique_temp_name() {
  static std::atomic<unsigned long> counter{0};
  return fmt::format("{}{}-{}", AtomicBatch::temp_prefix, ::getpid(), counter++);
}

}  // namespace

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

int FileDescriptor::release_and_close() {
  const int result = ::close(fd_);
  fd_ = -1;
  return result;
}

AtomicBatch::AtomicBatch(std::filesystem::path folder)
    : AtomicBatch(std::move(folder), Sync::detect) {}

AtomicBatch::AtomicBatch(std::filesystem::path folder, Sync sync)
    : folder_(std::move(folder)), sync_(sync == Sync::detect ? sync_method_for(folder_) : sync) {}

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
  try {
    write_all(fd.get(), bytes, temp);
    if (sync_ == Sync::each_file) {
      if (::fsync(fd.get()) != 0) throw_errno("cannot sync", temp);
      if (fd.release_and_close() != 0) throw_errno("cannot close", temp);
    } else if (::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE) != 0) {
      // Write-back starts now and commit() waits for it, so the batch's
      // writes overlap instead of queueing one device flush per file.
      throw_errno("cannot write back", temp);
    }
  } catch (...) {
    // A file that failed part-way must never be renamed into place by a
    // commit() of the rest of the batch.
    ::unlink(temp.c_str());
    throw;
  }
  pending_.push_back({temp, target, std::move(fd)});
  if (pending_.back().open.get() >= 0 && ++open_files_ > max_open_temp_files) {
    finish_data(pending_[open_files_first_++]);
  }
}

// The file's data is on the device (not yet past its cache: the folder's
// fsync in commit() flushes that, with the metadata that names the file).
void AtomicBatch::finish_data(Pending& pending) {
  if (pending.open.get() < 0) return;
  constexpr unsigned wait_written =
      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
  if (::sync_file_range(pending.open.get(), 0, 0, wait_written) != 0) throw_errno("cannot write", pending.temp);
  if (pending.open.release_and_close() != 0) throw_errno("cannot close", pending.temp);
  --open_files_;
}

void AtomicBatch::commit() {
  // Nothing staged (every write failed, or nothing changed): the folder may
  // be the very thing that is broken, and there is nothing to make durable.
  if (pending_.empty()) return;
  for (auto& pending : pending_) finish_data(pending);
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
  open_files_ = 0;
  open_files_first_ = 0;
  // The renames are durable only once the folder's entries are on disk. With
  // Sync::batched this one fsync is also what makes every file's data and
  // size durable: the journal commit it forces carries them, and the device
  // flush before it covers the data finish_data() waited for.
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
