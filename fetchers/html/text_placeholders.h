// Long runs of non-ASCII text handed to libxml2 as one character each.
// libxml2's HTML parser reads text a character at a time (decoding and
// re-encoding each), which made reading Chinese prose most of the cost of
// sanitizing it. Yet no decision the parser makes depends on which
// non-ASCII characters a run holds, except when a name is being read (an
// entity, a processing instruction's target, a DOCTYPE's name), and such a
// run is left as it is: only runs after a byte that cannot be part of a name
// or start one are replaced. Each replaced run becomes one character of
// Unicode's supplementary private use planes (U+F0000 + its index), as
// inert as the run, and the events put the run back into text and
// attribute values. Inside fetchers/html.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedd::detail {

class TextPlaceholders {
 public:
  // Replaces the runs of `utf8` (valid UTF-8; it must outlive this object)
  // worth replacing. The input is used as it is when none are, or when it
  // holds characters of those planes itself.
  explicit TextPlaceholders(std::string_view utf8);

  // What libxml2 is to read.
  std::string_view document() const { return runs_.empty() ? original_ : std::string_view(folded_); }

  // `text` as the input had it: placeholders replaced by their runs.
  // Returns `text` itself when it holds none, else a view of `scratch`.
  std::string_view restore(std::string_view text, std::string& scratch) const;

 private:
  std::string_view original_;
  std::string folded_;
  std::vector<std::string_view> runs_;
};

}  // namespace feedd::detail
