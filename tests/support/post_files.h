// The post files a test's run left in a posts folder, read as a site builder
// would: `.md` files only, so that a batch's temporary files (".feedd-tmp-…")
// caught mid-write by a test polling a running daemon are not counted.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "tests/support/process.h"

namespace feedd::test {

// Sorted by name (the date comes first), empty while the folder does not exist.
inline std::vector<std::filesystem::path> post_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> posts;
  std::error_code missing;
  for (const auto& item : std::filesystem::directory_iterator(folder, missing)) {
    const auto name = item.path().filename().string();
    if (item.path().extension() == ".md" && !name.starts_with(".")) posts.push_back(item.path());
  }
  std::sort(posts.begin(), posts.end());
  return posts;
}

inline std::size_t post_count(const std::filesystem::path& folder) { return post_files(folder).size(); }

// File name to bytes, for comparing a folder before and after a run.
inline std::map<std::string, std::string> posts_by_name(const std::filesystem::path& folder) {
  std::map<std::string, std::string> posts;
  for (const auto& path : post_files(folder)) posts[path.filename().string()] = read_file(path);
  return posts;
}

}  // namespace feedd::test
