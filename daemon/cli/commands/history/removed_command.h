// `feedd removed [--since DATE] [--json]`: the entries removal watching
// (daemon/runtime/watch) found gone from their sites, newest first, with the
// evidence and the Wayback Machine copy when one was made.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace feedd {

struct RemovedCommandOptions {
  std::filesystem::path config_path;
  std::optional<std::string> since;  // --since: 2026-12-01, or an RFC 3339 instant
  bool json = false;                 // one object per line
};

// Exit status: 0 listed (also when none), 2 bad option or config, 3 store
// missing or unusable.
int command_removed(const RemovedCommandOptions& options);

}  // namespace feedd
