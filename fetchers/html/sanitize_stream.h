// The sanitizer's walk over libxml2's parse events (html_events.h): the
// walk html_sanitize.cpp makes over libxml2's tree, made as the fragment is
// parsed, with a stack of the open elements and whether each was written,
// left out whole, or left out with its content kept. Inside fetchers/html.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fetchers/html/html_sanitize.h"

namespace feedd::detail {

// One reading of a fragment, as sanitize_html makes it up to twice.
struct SanitizePass {
  std::string html;
  // Stray html/head/body tags, the children of a cut element written in
  // its place, or a prefixed SVG or MathML name written bare shaped the
  // result: read back, it may nest differently.
  bool reshaped = false;
};

// Who reads the fragment: feedd's tokenizer, and libxml2 when it refuses
// (html_events.h's read_html_tokens), or libxml2 alone, as the reference.
enum class HtmlReader : std::uint8_t { tokenizer_first, libxml2 };

// `document` is the fragment as the sanitizer hands it to libxml2 (valid
// UTF-8 behind a leading <body>). REQUIRES: options.remove holds no
// :contains rule (those judge an element by its whole text: the tree walk).
SanitizePass sanitize_stream(std::string_view document, const SanitizeOptions& options, bool keep_fallback,
                             HtmlReader reader = HtmlReader::tokenizer_first);

}  // namespace feedd::detail
