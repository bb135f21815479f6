// feedd's own reading of an HTML fragment for the sanitizer: the start,
// end, text and comment events libxml2 2.9's HTML parser gives for it
// (fetchers/html/html_events.h), found without libxml2 for the markup this
// reader models exactly: known and unknown elements with plain names,
// attributes quoted or not, character and entity references, comments, void
// and self-closed elements, end tags that close the innermost element, and
// the start tags libxml2 lets close it (libxml2_elements.h). Anything else
// (an end tag that closes more or nothing, markup it would recover from,
// raw-text elements, control characters, a depth libxml2's tree builder
// would stop at, ...) makes read() refuse the whole document before any
// token is kept, and the caller asks libxml2 instead. Proven against
// libxml2's events and the sanitizer's output by
// tests/fetchers/html/tokenizer/html_tokens_test.cpp, sanitize_equality and
// the fuzz targets fuzz_sanitize and fuzz_html_tokens.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::detail {

struct TokenAttribute {
  std::string_view name;   // lower case
  std::string_view value;  // references decoded; a valueless boolean attribute has its name
};

struct HtmlToken {
  enum class Kind : std::uint8_t { start, end, text, other };
  Kind kind;
  std::string_view text;  // start: the element's name (lower case); text: the text
  std::uint32_t first_attribute = 0;
  std::uint32_t attribute_count = 0;
};

class HtmlTokens {
 public:
  // Reads `document`: valid UTF-8 starting "<body>", as the sanitizer hands
  // it to libxml2. False when it is not sure to read it as libxml2 would;
  // the tokens are then empty. Views stay valid while `document` and this
  // object live and until the next read().
  bool read(std::string_view document);

  std::span<const HtmlToken> tokens() const { return tokens_; }
  std::span<const TokenAttribute> attributes_of(const HtmlToken& token) const {
    return std::span<const TokenAttribute>(attributes_).subspan(token.first_attribute, token.attribute_count);
  }

 private:
  friend class TokenReader;
  std::vector<HtmlToken> tokens_;
  std::vector<TokenAttribute> attributes_;
  std::string decoded_;  // lower-cased names and decoded references; never reallocated during a read
};

}  // namespace feedd::detail
