#include "fetchers/html/srcset.h"

#include <utility>

namespace feedd {
namespace {

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

std::vector<SrcsetCandidate> parse_srcset(std::string_view srcset) {
  std::vector<SrcsetCandidate> candidates;
  std::size_t i = 0;
  const auto skip = [&](auto predicate) {
    while (i < srcset.size() && predicate(srcset[i])) ++i;
  };
  while (true) {
    skip([](char c) { return is_ascii_space(c) || c == ','; });
    if (i >= srcset.size()) break;
    const std::size_t url_start = i;
    skip([](char c) { return !is_ascii_space(c); });
    SrcsetCandidate candidate{std::string(srcset.substr(url_start, i - url_start)), {}};
    if (candidate.url.ends_with(',')) {
      while (candidate.url.ends_with(',')) candidate.url.pop_back();
    } else {
      const std::size_t descriptor_start = i;
      int depth = 0;
      for (; i < srcset.size() && !(srcset[i] == ',' && depth == 0); ++i) {
        if (srcset[i] == '(') ++depth;
        if (srcset[i] == ')' && depth > 0) --depth;
      }
      candidate.descriptor = std::string(trim(srcset.substr(descriptor_start, i - descriptor_start)));
    }
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

}  // namespace feedd
