#include "fetchers/article/page_charset.h"

#include <algorithm>
#include <cstddef>

namespace feedd::article::detail {
namespace {

constexpr std::size_t prescan_limit = 4096;  // browsers look at 1024 bytes; real pages put long <head>s first

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/'; }

// The value of attribute `name` inside one tag's text (lower-cased), or "".
std::string attribute_in_tag(std::string_view tag, std::string_view name) {
  std::size_t at = 0;
  while ((at = tag.find(name, at)) != std::string_view::npos) {
    const bool starts_word = at > 0 && is_space(tag[at - 1]);
    std::size_t i = at + name.size();
    at = i;
    if (!starts_word) continue;
    while (i < tag.size() && is_space(tag[i]) && tag[i] != '/') ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r')) ++i;
    if (i >= tag.size()) return {};
    if (tag[i] == '"' || tag[i] == '\'') {
      const std::size_t close = tag.find(tag[i], i + 1);
      return std::string(tag.substr(i + 1, close == std::string_view::npos ? std::string_view::npos : close - i - 1));
    }
    std::size_t end = i;
    while (end < tag.size() && !is_space(tag[end]) && tag[end] != '>' && tag[end] != ';' && tag[end] != '"' &&
           tag[end] != '\'') {
      ++end;
    }
    return std::string(tag.substr(i, end - i));
  }
  return {};
}

// The charset parameter in a Content-Type value (lower-cased input).
std::string charset_parameter(std::string_view value) {
  const std::size_t at = value.find("charset");
  if (at == std::string_view::npos) return {};
  std::size_t i = at + 7;
  while (i < value.size() && value[i] == ' ') ++i;
  if (i >= value.size() || value[i] != '=') return {};
  ++i;
  while (i < value.size() && (value[i] == ' ' || value[i] == '"' || value[i] == '\'')) ++i;
  std::size_t end = i;
  while (end < value.size() && value[end] != ';' && value[end] != '"' && value[end] != '\'' && value[end] != ' ') ++end;
  return std::string(value.substr(i, end - i));
}

}  // namespace

std::string meta_charset(std::string_view page) {
  std::string head(page.substr(0, prescan_limit));
  std::transform(head.begin(), head.end(), head.begin(), lower);
  std::size_t at = 0;
  while ((at = head.find("<meta", at)) != std::string::npos) {
    const std::size_t close = head.find('>', at);
    const std::string_view tag =
        std::string_view(head).substr(at + 5, close == std::string::npos ? std::string_view::npos : close - at - 5);
    at += 5;
    if (const std::string charset = attribute_in_tag(tag, "charset"); !charset.empty()) return charset;
    if (attribute_in_tag(tag, "http-equiv") == "content-type") {
      if (std::string charset = charset_parameter(attribute_in_tag(tag, "content")); !charset.empty()) return charset;
    }
  }
  return {};
}

encoding::Utf8Document decode_page(std::string_view page, std::string_view content_type) {
  std::string lowered_type(content_type);
  std::transform(lowered_type.begin(), lowered_type.end(), lowered_type.begin(), lower);
  if (!charset_parameter(lowered_type).empty()) return encoding::to_utf8(page, content_type);
  const std::string from_meta = meta_charset(page);
  if (from_meta.empty()) return encoding::to_utf8(page, content_type);
  return encoding::to_utf8(page, "text/html; charset=" + from_meta);
}

}  // namespace feedd::article::detail
