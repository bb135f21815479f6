// html_to_text's reading of a fragment by feedd's own tokenizer
// (fetchers/html/tokenizer) instead of libxml2's tree: the same text, byte
// for byte, for the fragments the tokenizer models, found without building
// a tree; nothing for the others, which html_to_text then gives to libxml2.
// Proven against the tree walk (html_to_text_libxml2) by html_text_test,
// text_equality and the fuzz target fuzz_html_text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::detail {

// The text of `utf8` (REQUIRES: valid UTF-8) as html_text.cpp's walk over
// libxml2's tree gathers it, before whitespace is collapsed: hidden
// elements left out, a space either side of each separating one. nullopt
// when the tokenizer refuses the fragment, or when libxml2 would read its
// start differently from the document the tokenizer is handed.
std::optional<std::string> text_from_tokens(std::string_view utf8);

}  // namespace feedd::detail
