#include "daemon/runtime/pipeline/posts_dir_guard.h"

#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

namespace feedd {

bool restore_missing_posts_dir(Archive& archive) {
  const auto& folder = archive.posts_dir();
  std::error_code error;
  // Anything else there (a file, a folder without permission) is a write
  // failure the pending rows already cover; only absence is repaired here.
  if (std::filesystem::exists(folder, error) || error) return false;
  std::filesystem::create_directories(folder);
  // Every post in the folder went with it: the rows say what they were.
  archive.store().mark_every_post_pending();
  const auto owed = archive.store().count_entries();
  spdlog::warn("posts_dir {} was missing: created it again; writing its {} post(s) again from the store",
               folder.string(), owed);
  const int written = archive.repair_pending_posts().written;
  spdlog::info("posts_dir {}: {} of {} post(s) written again", folder.string(), written, owed);
  return true;
}

}  // namespace feedd
