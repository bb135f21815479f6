// One daemon per store: an exclusive flock on a file beside the database.
// The kernel drops the lock when the process dies, however it dies, so a
// crash never leaves a stale lock behind.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace feedd {

class InstanceLock {
 public:
  // Takes the lock on `path` (created if missing) without waiting. When
  // another process holds it, returns nullopt and sets `holder` to what that
  // process wrote there (its pid). Throws std::system_error for other errors.
  static std::optional<InstanceLock> try_acquire(const std::filesystem::path& path, std::string& holder);

  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace feedd
