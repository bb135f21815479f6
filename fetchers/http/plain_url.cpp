#include "fetchers/http/plain_url.h"

namespace feedd::url::detail {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_host_byte(char c) { return is_letter(c) || is_digit(c) || c == '.' || c == '-'; }

// RFC 3986's pchar and '/', which curl copies through untouched: unreserved,
// sub-delims, ':' and '@'. '%' is kept out, so escapes (whose case curl
// might change) go the long way; so are '\\', '[', ']' and whitespace.
bool is_path_byte(char c) {
  if (is_letter(c) || is_digit(c)) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':
    case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=':
    case ':': case '@': case '/':
      return true;
    default:
      return false;
  }
}

bool is_query_byte(char c) { return is_path_byte(c) || c == '?'; }

// The length of the run of `text` from `at` whose bytes pass `accept`.
template <typename Accept>
std::size_t run(std::string_view text, std::size_t at, Accept accept) {
  std::size_t end = at;
  while (end < text.size() && accept(text[end])) ++end;
  return end - at;
}

std::size_t scheme_length(std::string_view text) {
  if (text.starts_with("https://")) return 8;
  if (text.starts_with("http://")) return 7;
  return 0;
}

}  // namespace

std::optional<std::string> plain_absolute(std::string_view reference) {
  std::size_t at = scheme_length(reference);
  if (at == 0 || at >= reference.size() || !is_letter(reference[at])) return std::nullopt;
  at += run(reference, at, is_host_byte);
  if (at == reference.size()) {
    // curl gives a URL with no path the root path.
    std::string url(reference);
    url += '/';
    return url;
  }
  if (reference[at] != '/') return std::nullopt;  // port, user, '?' or '#' straight after the host
  const std::size_t path_start = at;
  at += run(reference, at, is_path_byte);
  // curl removes "." and ".." segments; any "/." takes the long way.
  if (reference.substr(path_start, at - path_start).find("/.") != std::string_view::npos) return std::nullopt;
  if (at < reference.size() && reference[at] == '?') {
    const std::size_t length = run(reference, at + 1, is_query_byte);
    if (length == 0) return std::nullopt;  // curl drops an empty query
    at += 1 + length;
  }
  if (at < reference.size() && reference[at] == '#') {
    const std::size_t length = run(reference, at + 1, is_query_byte);
    if (length == 0) return std::nullopt;  // curl drops an empty fragment
    at += 1 + length;
  }
  if (at != reference.size()) return std::nullopt;
  return std::string(reference);
}

}  // namespace feedd::url::detail
