// `feedd extract [--json] [--url URL] [--selector CSS] [--remove CSS] FILE|URL...`:
// the article feedd finds in saved pages or pages fetched now, for tuning
// selectors and for benchmarks. No config, no store.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace feedd {

struct ExtractCommandOptions {
  bool json = false;
  std::optional<std::string> url;  // the address of FILE inputs, for relative links
  std::string selector;            // empty: auto
  std::vector<std::string> remove;
  std::vector<std::string> inputs;  // paths, or http(s):// URLs fetched with feedd's HTTP client
};

// Prints each input's article in order: its HTML, or with `json` one object
// per line {"input","title","byline","published","content","text"} (absent
// values null). An input that cannot be read or fetched is named on stderr
// and the others still print. Returns 0 when every input was read, 1 when
// one was not, 2 for a bad selector (before any input is read).
int command_extract(const ExtractCommandOptions& options);

}  // namespace feedd
