// The commands feedd runs, with their inputs already parsed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/runtime/logging.h"

namespace feedd {

struct CommandContext {
  std::filesystem::path config_path;
  Verbosity verbosity = Verbosity::normal;
  std::optional<std::int64_t> now_ms;  // --now: the clock pinned
  bool force = false;                  // once --force: poll even sources resting after 410 or failures
};

// Polls every enabled source once; see daemon/runtime/exit_status.h for the exit statuses.
// `only_sources`: `feedd poll NAME…` with no daemon up polls these, not all.
int command_once(const CommandContext& context, const std::vector<std::string>& only_sources = {});

// Validates the config and prints its sources.
int command_check(const CommandContext& context);

}  // namespace feedd
