#include "fetchers/html/html_text.h"

#include "fetchers/html/html_parse.h"
#include "fetchers/html/tokenizer/text_elements.h"
#include "fetchers/html/tokenizer/token_text.h"
#include "fetchers/text/encoding.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>

namespace feedd {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
using DocHandle = std::unique_ptr<xmlDoc, DocDeleter>;

// RECOVER: feed titles are full of broken markup, and the reading a browser
// would make is the one wanted. NOERROR/NOWARNING: those mistakes are routine,
// and this silences them per parse without touching libxml2's global error
// handlers, which other code in the process may rely on. NONET: a title never
// fetches anything. IGNORE_ENC: the bytes handed over are UTF-8 (repaired
// below), whatever a stray <meta charset> inside the fragment claims.
// Not NOBLANKS: the space in "<b>a</b> <i>b</i>" is text.
constexpr int kParseOptions = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                              HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC;

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// ASCII whitespace and U+00A0 (what &nbsp; decodes to) become one space;
// U+3000 and the other Unicode spaces are typography, kept as written.
// `text` is valid UTF-8, so C2 A0 can only be a whole NBSP. A byte at a
// time: the reference collapse_whitespace is tested against.
std::string collapse_whitespace_bytewise(std::string_view text) {
  std::string collapsed;
  collapsed.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool nbsp = text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
    if (nbsp || is_ascii_space(text[i])) {
      pending_space = true;
      if (nbsp) ++i;
      continue;
    }
    if (pending_space && !collapsed.empty()) collapsed += ' ';
    pending_space = false;
    collapsed += text[i];
  }
  return collapsed;
}

// Bytes that may start a space: ASCII whitespace, and C2 (NBSP's lead).
constexpr std::array<bool, 256> space_leads() {
  std::array<bool, 256> leads{};
  for (const char c : {' ', '\t', '\n', '\r', '\f', '\v'}) leads[static_cast<unsigned char>(c)] = true;
  leads[0xC2] = true;
  return leads;
}
constexpr std::array<bool, 256> kSpaceLeads = space_leads();

// collapse_whitespace_bytewise, copying the runs between spaces whole:
// byte by byte it was as much CPU as the tokenizer's whole read.
std::string collapse_whitespace(std::string_view text) {
  std::string collapsed;
  collapsed.reserve(text.size());
  bool pending_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size() && !kSpaceLeads[static_cast<unsigned char>(text[end])]) ++end;
    if (end > i) {
      if (pending_space && !collapsed.empty()) collapsed += ' ';
      pending_space = false;
      collapsed.append(text, i, end - i);
      i = end;
      continue;
    }
    const bool nbsp = text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
    if (nbsp || is_ascii_space(text[i])) {
      pending_space = true;
      i += nbsp ? 2 : 1;
    } else {  // C2 leading another character
      if (pending_space && !collapsed.empty()) collapsed += ' ';
      pending_space = false;
      collapsed += text[i++];
    }
  }
  return collapsed;
}

void ensure_libxml2_initialised() {
  // xmlInitParser is not safe to race with itself; a function-local static
  // runs it once even when titles are converted on several threads.
  static const bool initialised = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialised;
}

// Recursion is bounded: libxml2 stops reading at 256 levels of nesting.
void append_text(const xmlNode* first, std::string& text) {
  for (const xmlNode* node = first; node != nullptr; node = node->next) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      if (node->content != nullptr) text += reinterpret_cast<const char*>(node->content);
    } else if (node->type == XML_ELEMENT_NODE) {
      // The HTML parser lower-cases element names.
      const std::string_view name = reinterpret_cast<const char*>(node->name);
      const bool separates = detail::is_separating_text_element(name);
      if (separates) text += ' ';
      if (!detail::is_hidden_text_element(name)) append_text(node->children, text);
      if (separates) text += ' ';
    }
  }
}

std::string parsed_text(std::string_view html) {
  // libxml2 takes an int length; nothing that long is a title.
  if (html.size() > static_cast<std::size_t>(INT_MAX)) return {};
  ensure_libxml2_initialised();
  const std::optional<std::string> mapped = detail::with_html5_references(html);
  const std::string_view input = mapped ? std::string_view(*mapped) : html;
  const DocHandle doc(
      htmlReadMemory(input.data(), static_cast<int>(input.size()), nullptr, "UTF-8", kParseOptions));
  if (!doc) return {};  // libxml2 found no document at all, e.g. only a comment
  std::string text;
  append_text(doc->children, text);
  return text;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  // libxml2 copies ill-formed bytes through untouched, and titles go on to
  // YAML front matter and SQLite, which need valid UTF-8.
  std::string repaired;
  std::string_view valid = html;
  if (!encoding::is_valid_utf8(html)) valid = repaired = encoding::repair_utf8(html);
  if (valid.find_first_of("<&") == std::string_view::npos) return collapse_whitespace(valid);
  // Building libxml2's tree for every entry's content only to read its text
  // back was 79% of the parser threads' CPU in a first pass.
  if (std::optional<std::string> text = detail::text_from_tokens(valid)) return collapse_whitespace(*text);
  return collapse_whitespace(parsed_text(valid));
}

std::string html_to_text_libxml2(std::string_view html) {
  const std::string valid = encoding::repair_utf8(html);
  if (valid.find_first_of("<&") == std::string::npos) return collapse_whitespace_bytewise(valid);
  return collapse_whitespace_bytewise(parsed_text(valid));
}

}  // namespace feedd
