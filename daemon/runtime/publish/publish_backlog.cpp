#include "daemon/runtime/publish/publish_backlog.h"

#include <spdlog/spdlog.h>

#include "store/lists/unpublished.h"

namespace feedd {

std::vector<std::filesystem::path> take_publish_backlog(Archive& archive) {
  auto& db = archive.store().database();
  std::vector<std::filesystem::path> owed;
  std::vector<std::filesystem::path> vanished;
  for (auto& path : unpublished_posts(db)) {
    std::error_code ignored;
    (std::filesystem::exists(path, ignored) ? owed : vanished).push_back(std::move(path));
  }
  if (!vanished.empty()) {
    spdlog::info("publish: {} post(s) waiting to be published no longer exist; dropped from the backlog",
                 vanished.size());
    forget_published(db, vanished);
  }
  if (!owed.empty()) spdlog::info("publish: {} post(s) from an earlier run still to publish", owed.size());
  return owed;
}

}  // namespace feedd
