// Files replaced atomically, as a group: every file of a batch is written to
// a temporary name in the same folder, made durable, and only then renamed
// over its target. A crash at any point leaves each target either old or new,
// never torn. The caller commits its database rows (marked pending) before
// staging, and clears the marks after commit(), so a crash never leaves a
// file without its row.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace feedd {

class AtomicBatch {
 public:
  // Temporary files start with this, so Jekyll (which skips dot files) never
  // publishes one, and start-up can sweep leftovers from a crash.
  static constexpr std::string_view temp_prefix = ".feedd-tmp-";

  explicit AtomicBatch(std::filesystem::path folder);
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

 private:
  struct Pending {
    std::filesystem::path temp;
    std::filesystem::path target;
  };
  std::filesystem::path folder_;
  std::vector<Pending> pending_;
};

// Deletes temporary files a crashed writer left in `folder`; returns how many.
int remove_stale_temp_files(const std::filesystem::path& folder);

}  // namespace feedd
