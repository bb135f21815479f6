// Names of post files: "YYYY-MM-DD-<slug>.md", always a single path
// component, whatever the title holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace feedd {

// The title's first 50 code points, `/` replaced by "--", NUL and control
// characters dropped, no leading '.'. Invalid UTF-8 bytes are dropped.
std::string post_slug(std::string_view title);

// "<YYYY-MM-DD>-<slug>[-<suffix>].md", date from `date_ms` (UTC), at most 255
// bytes (the slug is cut at a code point boundary to fit). `suffix` tells
// apart two entries that would otherwise share a name; when the slug is
// empty the suffix stands alone.
std::string post_file_name(std::int64_t date_ms, std::string_view title, std::string_view suffix = {});

// What a static site generator may reduce the post's name to when it builds
// the page URL (Jekyll drops punctuation, may lower-case, and can leave the
// date out of permalinks). Deliberately coarser than any of them: only
// letters and digits, lower-cased. Two posts whose keys differ can never
// share a URL; an empty key means the name alone cannot tell posts apart.
std::string url_key_of(std::string_view post_file_name);

}  // namespace feedd
