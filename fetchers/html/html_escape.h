// Plain text written as HTML that means the same text.
#pragma once

#include <string>
#include <string_view>

namespace feedd {

// & < > as entities; everything else as is (quotes too: the result is text
// content, not an attribute value).
std::string escape_html(std::string_view text);

// escape_html, with each line break also written as <br>, for text made to
// be shown in a text box (media:description, JSON Feed content_text).
std::string text_to_html(std::string_view text);

}  // namespace feedd
