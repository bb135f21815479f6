// HTML fragments reduced to plain text.
#pragma once

#include <string>
#include <string_view>

namespace feedd {

// Markup stripped, entities decoded, runs of whitespace collapsed to one
// space, trimmed. Used for titles, which are plain text everywhere.
std::string html_to_text(std::string_view html);

}  // namespace feedd
