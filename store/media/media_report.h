// What `feedd stats` and `feedd check --store` say about local media.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"

namespace feedd::media {

struct MediaTotals {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t waiting = 0;  // addresses not downloaded yet (or failing)
};

MediaTotals media_totals(Store& store);

// Files the table names that `media_dir` does not hold.
std::vector<std::string> missing_media_files(Store& store, const std::filesystem::path& media_dir);

}  // namespace feedd::media
