// A srcset attribute read as the HTML standard reads it, minus its
// validation of descriptors: the sanitizer resolves each candidate's URL,
// local media downloads it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedd {

struct SrcsetCandidate {
  std::string url;
  std::string descriptor;  // "2x", "640w" or empty
};

// A URL runs to whitespace (so commas inside data: URLs survive), trailing
// commas end it, and a descriptor runs to a comma outside parentheses.
std::vector<SrcsetCandidate> parse_srcset(std::string_view srcset);

}  // namespace feedd
