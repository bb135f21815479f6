// Which version of an edited entry its post shows (sources[].update). Every
// version is stored whatever the rule says; the rule only decides whether
// the post moves on to a new one.
#pragma once

#include <cstddef>
#include <string_view>

namespace feedd {

enum class UpdateMode {
  latest,        // the post shows each new version (feedd's behaviour before versions)
  first,         // the post keeps the version first stored
  never_shrink,  // the post moves on unless the new text lost more than shrink_limit of it
};

struct UpdateRule {
  UpdateMode mode = UpdateMode::latest;
  // With never_shrink: the share of its text (0 to 1) a version may lose and
  // still be shown; a removal notice in place of an article loses nearly all.
  double shrink_limit = 0.5;
};

// Whether a post showing `shown_content` moves on to `incoming_content`, a
// newer version's (both HTML).
bool post_follows(const UpdateRule& rule, std::string_view shown_content, std::string_view incoming_content);

// A version's size as history shows it: the characters (code points) of
// its text, markup stripped.
std::size_t text_size(std::string_view content_html);

}  // namespace feedd
