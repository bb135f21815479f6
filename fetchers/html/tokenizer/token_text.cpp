#include "fetchers/html/tokenizer/token_text.h"

#include <array>
#include <cstdint>
#include <vector>

#include "fetchers/html/tokenizer/text_elements.h"
#include "fetchers/html/tokenizer/html_tokens.h"

namespace feedd::detail {
namespace {

// libxml2's IS_BLANK_CH, which htmlParseDocument skips before any content.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The start tags htmlCheckImplied does not open <body> for when they come
// first: they go into an implied <head> (script ... base), stand without a
// body (the frames), or are the document's own html, head and body.
constexpr std::array<std::string_view, 12> kNoImpliedBody = {
    "script", "style", "meta", "link", "title", "base", "noframes", "frame", "frameset", "html", "head", "body",
};

// The name of the start tag `markup` begins with, lower case, as far as
// htmlParseHTMLName reads one.
std::string lower_case_name(std::string_view markup) {
  std::string name;
  for (std::size_t i = 1; i < markup.size() && name.size() <= 10; ++i) {
    const char c = markup[i];
    if (!is_ascii_letter(c) && !(c >= '0' && c <= '9') && c != ':' && c != '-' && c != '_' && c != '.') break;
    name += lower(c);
  }
  return name;
}

// The tokenizer reads documents starting "<body>", as the sanitizer hands
// them over; html_to_text hands libxml2 the bare fragment. The two parses
// reach the same state when the fragment's content (after the blanks
// htmlParseDocument skips) starts with
//  - a start tag htmlCheckImplied opens html and body for: "<body>" opens
//    the same two, and nothing is told before either;
//  - text: htmlCheckParagraph opens html, body and an implied <p> for it,
//    as "<body><p>" does.
// Anything else (a comment, a doctype, an end tag, a byte order mark, a
// head element) is left to libxml2. False then.
bool tokenizer_document(std::string_view fragment, std::string& document) {
  std::size_t start = 0;
  while (start < fragment.size() && is_blank(fragment[start])) ++start;
  const std::string_view content = fragment.substr(start);
  if (content.empty() || content.starts_with("\xEF\xBB\xBF")) return false;
  document.assign("<body>");
  if (content.front() == '<') {
    if (content.size() < 2 || !is_ascii_letter(content[1])) return false;
    const std::string name = lower_case_name(content);
    for (const std::string_view refused : kNoImpliedBody) {
      if (name == refused) return false;
    }
  } else {
    document += "<p>";
  }
  document += content;
  return true;
}

// html_text.cpp's tree walk, made over the tokens in document order.
std::string gathered_text(const HtmlTokens& tokens, std::size_t size_hint) {
  std::string text;
  text.reserve(size_hint);
  thread_local std::vector<bool> separating;  // of each open element outside a hidden one
  separating.clear();
  std::size_t hidden_depth = 0;  // elements open from the outermost hidden one in
  for (const HtmlToken& token : tokens.tokens()) {
    switch (token.kind) {
      case HtmlToken::Kind::start: {
        if (hidden_depth > 0) {
          ++hidden_depth;
          break;
        }
        const bool separates = is_separating_text_element(token.text);
        if (separates) text += ' ';
        separating.push_back(separates);
        if (is_hidden_text_element(token.text)) hidden_depth = 1;
        break;
      }
      case HtmlToken::Kind::end:
        if (hidden_depth > 1) {
          --hidden_depth;
          break;
        }
        hidden_depth = 0;
        if (separating.back()) text += ' ';
        separating.pop_back();
        break;
      case HtmlToken::Kind::text:
        if (hidden_depth == 0) text += token.text;
        break;
      case HtmlToken::Kind::other:
        break;
    }
  }
  return text;
}

}  // namespace

std::optional<std::string> text_from_tokens(std::string_view utf8) {
  thread_local std::string document;
  thread_local HtmlTokens tokens;
  if (!tokenizer_document(utf8, document)) return std::nullopt;
  const bool read = tokens.read(document);
  std::optional<std::string> text;
  if (read) text = gathered_text(tokens, document.size());
  // The buffers grow to the largest fragment read; a daemon's threads keep
  // them for good, so a huge one's are let go.
  constexpr std::size_t kLargestKept = 1 << 20;
  if (document.size() > kLargestKept) {
    document = std::string();
    tokens = HtmlTokens();
  }
  return text;
}

}  // namespace feedd::detail
