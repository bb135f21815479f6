// feedd history: the versions of one entry, and a diff of two of them.
// Data goes to stdout (one JSON object per line with --json), problems to
// stderr as "feedd history: problem". Exit statuses as in
// daemon/runtime/exit_status.h: 0 shown, 2 bad command line or no such entry
// or version, 3 store unusable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace feedd {

struct HistoryCommandOptions {
  std::filesystem::path config_path;
  std::string url;    // the entry's link, compared in canonical form
  bool json = false;  // --json
  std::optional<std::pair<std::string, std::string>> diff;  // --diff A B, as typed
};

int command_history(const HistoryCommandOptions& options);

}  // namespace feedd
