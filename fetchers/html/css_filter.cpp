#include "fetchers/html/css_filter.h"

#include <algorithm>
#include <cctype>
#include <array>
#include <vector>

namespace feedd {
namespace {

// Colours, type, alignment, the box an image or table is drawn in, and
// spacing. Kept apart: position, top/left/..., z-index, display, visibility,
// opacity, transform, content, cursor, filter, mask, clip, overflow,
// background-image, list-style-image, border-image and every vendor prefix.
constexpr std::array<std::string_view, 64> kAllowedProperties = {
    "background",      "background-color", "border",          "border-bottom",   "border-collapse",
    "border-color",    "border-left",      "border-radius",   "border-right",    "border-spacing",
    "border-style",    "border-top",       "border-width",    "caption-side",    "clear",
    "color",           "direction",        "empty-cells",     "float",           "font",
    "font-family",     "font-size",        "font-stretch",    "font-style",      "font-variant",
    "font-weight",     "height",           "hyphens",         "letter-spacing",  "line-height",
    "list-style",      "list-style-type",  "margin",          "margin-bottom",   "margin-left",
    "margin-right",    "margin-top",       "max-height",      "max-width",       "min-height",
    "min-width",       "overflow-wrap",    "padding",         "padding-bottom",  "padding-left",
    "padding-right",   "padding-top",      "table-layout",    "text-align",      "text-decoration",
    "text-decoration-color", "text-decoration-line", "text-decoration-style", "text-indent",
    "text-transform",  "unicode-bidi",     "vertical-align",  "white-space",     "width",
    "word-break",      "word-spacing",     "word-wrap",       "writing-mode",
};

// The only functions a kept value may call: none of them loads anything.
constexpr std::array<std::string_view, 5> kAllowedFunctions = {"rgb", "rgba", "hsl", "hsla", "calc"};

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string lowered(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), ascii_lower);
  return lower;
}

// Declarations split at semicolons outside quotes and parentheses.
std::vector<std::string_view> declarations(std::string_view style) {
  std::vector<std::string_view> parts;
  char quote = 0;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < style.size(); ++i) {
    const char c = style[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (c == ';' && depth == 0) {
      parts.push_back(style.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(style.substr(start));
  return parts;
}

// Plain characters only: escapes, comments, at-rules, markup and controls
// are how filters are fooled, and real feeds' inline styles need none.
bool has_plain_characters(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && !is_space(c)) return false;
    if (c == '\\' || c == '@' || c == '<' || c == '>' || c == '{' || c == '}' || c == '&' || byte == 0x7F) {
      return false;
    }
  }
  return value.find("/*") == std::string_view::npos;
}

// Every "(" follows the name of an allowed function.
bool calls_only_allowed_functions(std::string_view value) {
  for (std::size_t open = value.find('('); open != std::string_view::npos; open = value.find('(', open + 1)) {
    std::size_t start = open;
    while (start > 0 && (std::isalnum(static_cast<unsigned char>(value[start - 1])) || value[start - 1] == '-')) {
      --start;
    }
    const std::string_view name = value.substr(start, open - start);
    if (std::find(kAllowedFunctions.begin(), kAllowedFunctions.end(), name) == kAllowedFunctions.end()) {
      return false;
    }
  }
  return true;
}

// A negative margin pulls an element over whatever precedes it on the page.
bool has_negative_length(std::string_view value) {
  for (std::size_t i = 0; i + 1 < value.size(); ++i) {
    const bool starts_word = i == 0 || is_space(value[i - 1]) || value[i - 1] == ',' || value[i - 1] == '(';
    if (value[i] == '-' && starts_word && (std::isdigit(static_cast<unsigned char>(value[i + 1])) || value[i + 1] == '.')) {
      return true;
    }
  }
  return false;
}

bool is_allowed(std::string_view declaration) {
  const std::size_t colon = declaration.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string name = lowered(trim(declaration.substr(0, colon)));
  const std::string value = lowered(trim(declaration.substr(colon + 1)));
  if (value.empty()) return false;
  if (std::find(kAllowedProperties.begin(), kAllowedProperties.end(), name) == kAllowedProperties.end()) {
    return false;
  }
  if (!has_plain_characters(value) || !calls_only_allowed_functions(value)) return false;
  return !(name.starts_with("margin") && has_negative_length(value));
}

}  // namespace

std::string allowed_style(std::string_view style) {
  std::string kept;
  bool dropped = false;
  for (const std::string_view declaration : declarations(style)) {
    const std::string_view trimmed = trim(declaration);
    if (trimmed.empty()) continue;
    if (!is_allowed(trimmed)) {
      dropped = true;
      continue;
    }
    if (!kept.empty()) kept += "; ";
    kept += trimmed;
  }
  if (!dropped && !kept.empty()) return std::string(style);
  return kept;
}

}  // namespace feedd
