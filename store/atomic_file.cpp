#include "store/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <memory>
#include <string_view>
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

// Whether the block device `folder` lives on has a jbd2 journal: ext3 and
// ext4 list theirs in /proc/fs/jbd2 as "<device>-<inode>". ext2, and ext4
// made without a journal, share ext4's magic number and have none.
bool has_jbd2_journal(const std::filesystem::path& folder) {
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) return false;
  const std::string device = fmt::format("{}:{}", major(info.st_dev), minor(info.st_dev));
  std::error_code error;
  for (const auto& journal : std::filesystem::directory_iterator("/proc/fs/jbd2", error)) {
    const std::string name = journal.path().filename().string();
    const auto dash = name.rfind('-');
    if (dash == std::string::npos) continue;
    std::ifstream number_file("/sys/class/block/" + name.substr(0, dash) + "/dev");
    std::string number;
    if (number_file >> number && number == device) return true;
  }
  return false;
}

// A journal (XFS: a log) commits every pending metadata change of the file
// system with the one commit an fsync forces, after the data it orders;
// tmpfs has nothing to lose. Local file systems without that (ext2 or ext4
// without a journal; btrfs, which logs per inode) are synced whole, once per
// batch. Anything else, network file systems above all, gets an fsync per
// file: the one method every file system honours.
AtomicBatch::Sync sync_method_for(const std::filesystem::path& folder) {
  struct statfs info {};
  if (::statfs(folder.c_str(), &info) != 0) return AtomicBatch::Sync::each_file;
  switch (static_cast<unsigned long>(info.f_type)) {
    case EXT4_SUPER_MAGIC:
      return has_jbd2_journal(folder) ? AtomicBatch::Sync::batched : AtomicBatch::Sync::whole_file_system;
    case XFS_SUPER_MAGIC:
    case TMPFS_MAGIC:
      return AtomicBatch::Sync::batched;
    case BTRFS_SUPER_MAGIC:
    case F2FS_SUPER_MAGIC:
      return AtomicBatch::Sync::whole_file_system;
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
    } else if (sync_ == Sync::batched && ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE) != 0) {
      // Write-back starts now and commit() waits for it, so the batch's
      // writes overlap instead of queueing one device flush per file.
      throw_errno("cannot write back", temp);
    }
    if (sync_ != Sync::batched && fd.release_and_close() != 0) throw_errno("cannot close", temp);
  } catch (...) {
    // A file that failed part-way must never be renamed into place by a
    // commit() of the rest of the batch.
    ::unlink(temp.c_str());
    throw;
  }
  pending_.push_back({temp, target, std::move(fd)});
  if (pending_.back().open.get() >= 0 && ++open_files_ > max_open_temp_files) {
    // The file that fails here is an earlier one, not the one being staged:
    // the batch as a whole is refused at commit(), so every row stays
    // pending and is written again.
    try {
      finish_data(pending_[open_files_first_++]);
    } catch (const std::system_error& error) {
      if (!broken_) broken_ = error;
    }
  }
}

// The file's data is on the device (not yet past its cache: the folder's
// fsync in commit() flushes that, with the metadata that names the file).
// The descriptor is closed either way: a write-back error is reported once,
// and asking again would wrongly say all is well.
void AtomicBatch::finish_data(Pending& pending) {
  if (pending.open.get() < 0) return;
  FileDescriptor fd = std::move(pending.open);
  --open_files_;
  constexpr unsigned wait_written =
      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
  if (::sync_file_range(fd.get(), 0, 0, wait_written) != 0) throw_errno("cannot write", pending.temp);
  if (fd.release_and_close() != 0) throw_errno("cannot close", pending.temp);
}

void AtomicBatch::commit() {
  // Nothing staged (every write failed, or nothing changed): the folder may
  // be the very thing that is broken, and there is nothing to make durable.
  if (pending_.empty()) return;
  if (broken_) throw *broken_;
  for (auto& pending : pending_) finish_data(pending);
  if (sync_ == Sync::whole_file_system) sync_file_system();
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

// Every file's data and inode, before any rename can be on disk.
void AtomicBatch::sync_file_system() {
  FileDescriptor dir(::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) throw_errno("cannot open folder", folder_);
  if (::syncfs(dir.get()) != 0) throw_errno("cannot sync the file system of", folder_);
}

BackgroundStaging::BackgroundStaging(AtomicBatch& batch, std::size_t start_after)
    : batch_(batch), start_after_(start_after) {}

BackgroundStaging::~BackgroundStaging() { finish(); }

void BackgroundStaging::stage(std::int64_t tag, std::string name, std::string bytes) {
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(File{tag, std::move(name), std::move(bytes)});
    if (!thread_.joinable() && queue_.size() < start_after_) return;
  }
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  changed_.notify_one();
}

std::vector<BackgroundStaging::Failure> BackgroundStaging::finish() {
  if (thread_.joinable()) {
    {
      const std::lock_guard lock(mutex_);
      closing_ = true;
    }
    changed_.notify_one();
    thread_.join();
  }
  // Never started (or done): what is queued is staged here.
  for (auto& file : queue_) stage_now(file);
  queue_.clear();
  return std::move(failures_);
}

void BackgroundStaging::run() {
  pthread_setname_np(pthread_self(), "feedd-posts");
  for (;;) {
    File file;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      file = std::move(queue_.front());
      queue_.pop_front();
    }
    stage_now(file);
  }
}

void BackgroundStaging::stage_now(File& file) {
  try {
    batch_.stage(file.name, file.bytes);
  } catch (const std::exception& error) {
    failures_.push_back(Failure{file.tag, error.what()});
  }
}

namespace {

bool holds_exactly(int fd, std::string_view bytes) {
  std::string read(bytes.size() + 1, '\0');  // one byte more: a longer file differs
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd, read.data() + got, read.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
    if (got == read.size()) break;
  }
  return got == bytes.size() && std::string_view(read.data(), got) == bytes;
}

}  // namespace

bool synced_if_same(const std::filesystem::path& folder, const std::string& name, std::string_view bytes) {
  const FileDescriptor file(::open((folder / name).c_str(), O_RDONLY | O_CLOEXEC));
  return file.get() >= 0 && holds_exactly(file.get(), bytes) && ::fsync(file.get()) == 0;
}

bool sync_folder(const std::filesystem::path& folder) {
  const FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return dir.get() >= 0 && ::fsync(dir.get()) == 0;
}

int remove_stale_temp_files(const std::filesystem::path& folder) {
  // readdir, not a directory_iterator: every start sweeps a folder of tens
  // of thousands of posts, and a path object made and split for each name
  // cost as much as the kernel's reading of the folder (29 ms in all at
  // 30,000 posts, of a 304 pass's 70 ms before its first request).
  struct Closer {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
  };
  const std::unique_ptr<DIR, Closer> dir(::opendir(folder.c_str()));
  if (!dir) return 0;
  int removed = 0;
  while (const dirent* item = ::readdir(dir.get())) {
    if (!std::string_view(item->d_name).starts_with(AtomicBatch::temp_prefix)) continue;
    if (::unlinkat(::dirfd(dir.get()), item->d_name, 0) == 0) ++removed;
  }
  return removed;
}

}  // namespace feedd
