#include "daemon/runtime/config_environment.h"

#include <unistd.h>

#include <optional>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace feedd {
namespace {

namespace fs = std::filesystem;

// A folder feedd must be able to create (or write in): the first ancestor
// that exists has to be a writable folder.
std::optional<std::string> folder_problem(const fs::path& folder) {
  std::error_code error;
  if (fs::exists(folder, error)) {
    if (!fs::is_directory(folder, error)) return fmt::format("{} exists and is not a folder", folder.string());
    if (::access(folder.c_str(), W_OK | X_OK) != 0) return fmt::format("{} is not writable", folder.string());
    return std::nullopt;
  }
  fs::path ancestor = folder.parent_path();
  while (!ancestor.empty() && !fs::exists(ancestor, error) && ancestor != ancestor.parent_path()) {
    ancestor = ancestor.parent_path();
  }
  if (!fs::is_directory(ancestor, error)) {
    return fmt::format("cannot be created: {} is not a folder", ancestor.string());
  }
  if (::access(ancestor.c_str(), W_OK | X_OK) != 0) {
    return fmt::format("cannot be created: {} is not writable", ancestor.string());
  }
  return std::nullopt;
}

std::optional<std::string> program_problem(const fs::path& program) {
  std::error_code error;
  if (!fs::exists(program, error)) return fmt::format("{} does not exist", program.string());
  if (fs::is_directory(program, error)) return fmt::format("{} is a folder, not a program", program.string());
  if (::access(program.c_str(), X_OK) != 0) return fmt::format("{} is not executable", program.string());
  return std::nullopt;
}

}  // namespace

std::vector<config::ConfigError> environment_problems(const config::Config& config) {
  std::vector<config::ConfigError> problems;
  const auto add = [&](const std::string& key, const std::optional<std::string>& problem) {
    if (problem) problems.emplace_back(config.file, config.line_of(key), key, *problem);
  };
  add("storage.posts_dir", folder_problem(config.storage.posts_dir));
  add("storage.database", folder_problem(config.storage.database.parent_path()));
  if (!config.publish.command.empty()) add("publish.command", program_problem(config.publish.command.front()));
  return problems;
}

}  // namespace feedd
