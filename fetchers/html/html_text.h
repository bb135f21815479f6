// HTML fragments reduced to plain text.
#pragma once

#include <string>
#include <string_view>

namespace feedd {

// Markup stripped, entities decoded, runs of whitespace collapsed to one
// space, trimmed. Used for titles, which are plain text everywhere, and for
// the search text of entry contents. Most fragments are read by feedd's own
// tokenizer (fetchers/html/tokenizer/token_text.h), the others by
// libxml2's HTML parser.
std::string html_to_text(std::string_view html);

// The same text from a walk over libxml2's tree for every fragment, as
// html_to_text was made before the tokenizer read the fragments it models:
// the reference it is proven equal to (tests/fetchers/html/text_equality.cpp,
// html_text_test, fuzz_html_text).
std::string html_to_text_libxml2(std::string_view html);

}  // namespace feedd
