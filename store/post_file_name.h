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

}  // namespace feedd
