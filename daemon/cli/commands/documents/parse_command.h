// `feedd parse [--json] [--base URL] FILE...`: what feedd reads from feed
// files, without config or store. The --json form is a contract that the
// conformance test holds feedd to; see parse_command.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace feedd {

struct ParseCommandOptions {
  bool json = false;
  // Base URL for relative links in every file; nullopt: none, relative
  // references stay relative.
  std::optional<std::string> base_url;
  std::vector<std::string> files;
};

// Prints each file in order (one JSON object per line with `json`). A file
// that cannot be read or parsed is reported on stderr, naming it, and the
// others still print. Returns 0 when every file parsed, else 1. Files are
// parsed on one thread per core, a few ahead of the one being printed; what
// is printed, and in what order, is the same as one at a time.
int command_parse(const ParseCommandOptions& options);

}  // namespace feedd
