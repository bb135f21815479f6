// Which elements html_to_text reads past and which separate words: shared by
// the walk over libxml2's tree (html_text.cpp) and the one over the
// tokens (token_text.cpp), so the two cannot drift apart.
#pragma once

#include <string_view>

namespace feedd::detail {

// Content that is not text a reader sees: script, style, template.
// `name` is lower case, as the HTML parser and the tokenizer give it.
bool is_hidden_text_element(std::string_view name);

// Elements that end a line or a block: "one<br>two" reads as two words.
bool is_separating_text_element(std::string_view name);

}  // namespace feedd::detail
