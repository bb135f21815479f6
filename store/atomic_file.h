// Files replaced atomically, as a group: every file of a batch is written to
// a temporary name in the same folder, made durable, and only then renamed
// over its target. Where the file system allows (Sync::batched), the batch
// costs one fsync instead of one per file. A crash at any point leaves each target either old or new,
// never torn. The caller commits its database rows (marked pending) before
// staging, and clears the marks after commit(), so a crash never leaves a
// file without its row.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace feedd {

// An open file descriptor, closed on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  int get() const { return fd_; }
  // close() reports write-back errors on some file systems (NFS); check it.
  int release_and_close();

 private:
  int fd_ = -1;
};

class AtomicBatch {
 public:
  // How staged data is made durable before the renames:
  //   each_file          fsync every temporary file (any file system);
  //   batched            start each file's write-back when staged, wait for
  //                      all of them in commit(), then one fsync of the folder
  //                      commits the journal that names them (ext3/4 with a
  //                      journal, XFS: one journal for all);
  //   whole_file_system  one syncfs() per batch (local file systems without
  //                      such a journal: ext2, ext4 without one, btrfs);
  //   detect             the best of these the folder's file system allows.
  enum class Sync { detect, each_file, batched, whole_file_system };

  // Temporary files start with this, so Jekyll (which skips dot files) never
  // publishes one, and start-up can sweep leftovers from a crash.
  static constexpr std::string_view temp_prefix = ".feedd-tmp-";

  explicit AtomicBatch(std::filesystem::path folder);
  AtomicBatch(std::filesystem::path folder, Sync sync);
  ~AtomicBatch();  // removes temporary files of an uncommitted batch
  AtomicBatch(const AtomicBatch&) = delete;
  AtomicBatch& operator=(const AtomicBatch&) = delete;

  // Writes `bytes` to a temporary file for target `name` (a plain file name
  // inside the folder). Throws std::system_error naming the file.
  void stage(const std::string& name, std::string_view bytes);

  // Makes the staged files durable, renames them into place and syncs the
  // folder. Throws std::system_error naming the file; targets already renamed
  // stay (they are complete files).
  void commit();

  std::size_t staged() const { return pending_.size(); }
  Sync sync_method() const { return sync_; }

 private:
  struct Pending {
    std::filesystem::path temp;
    std::filesystem::path target;
    FileDescriptor open;  // batched: until its data is written
  };
  void finish_data(Pending& pending);
  void sync_file_system();

  std::filesystem::path folder_;
  Sync sync_;
  std::vector<Pending> pending_;
  std::size_t open_files_ = 0;        // pending_ entries still open
  std::size_t open_files_first_ = 0;  // the oldest of them
  std::optional<std::system_error> broken_;  // an earlier file's write failed: commit() refuses
};

// A batch's files written on a thread of its own, so that its owner can
// prepare the next files, and commit the database rows that name them,
// meanwhile: on two cores the file system's work (creating an inode, writing
// it) overlaps SQLite's. The batch is the owner's again after finish().
class BackgroundStaging {
 public:
  explicit BackgroundStaging(AtomicBatch& batch, std::size_t start_after = default_start_after);
  ~BackgroundStaging();  // finish()es
  BackgroundStaging(const BackgroundStaging&) = delete;
  BackgroundStaging& operator=(const BackgroundStaging&) = delete;

  // Queues AtomicBatch::stage(name, bytes); a failure is reported by
  // finish() under `tag`. The thread starts once `start_after` files are
  // queued: a poll of a few dozen posts writes them on the caller's thread
  // in finish(), as before (on a loaded machine, waiting for a second
  // thread to be scheduled cost such a poll more than the overlap saved).
  // A group commit's batch, whose files are staged while later polls' rows
  // are stored and committed, starts it sooner (Archive::ingest_group).
  void stage(std::int64_t tag, std::string name, std::string bytes);
  static constexpr std::size_t default_start_after = 256;

  struct Failure {
    std::int64_t tag = 0;
    std::string error;
  };
  // Waits until every queued file is staged; returns those that failed.
  std::vector<Failure> finish();

 private:
  struct File {
    std::int64_t tag = 0;
    std::string name;
    std::string bytes;
  };
  void run();
  void stage_now(File& file);

  AtomicBatch& batch_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<File> queue_;
  bool closing_ = false;
  std::vector<Failure> failures_;
  std::size_t start_after_;
  std::thread thread_;  // started by stage(), once start_after_ files wait
};

// Deletes temporary files a crashed writer left in `folder`; returns how many.
int remove_stale_temp_files(const std::filesystem::path& folder);

// True when `folder`/`name` holds exactly `bytes` and its data is now synced:
// a post a crashed run had renamed into place need not be written again once
// the folder naming it is synced too (sync_folder, once for all such files).
// False when it differs, is missing or cannot be synced; throws nothing.
bool synced_if_same(const std::filesystem::path& folder, const std::string& name, std::string_view bytes);

// fsync of the folder itself, so that the names in it are durable; false on
// failure.
bool sync_folder(const std::filesystem::path& folder);

}  // namespace feedd
