#include "fetchers/feed/not_a_feed.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "fetchers/html/html_text.h"

namespace feedd {
namespace {

// Only the start of a page is looked at: challenge pages put their title
// first, and a 16 MiB body must not cost a full scan on the event loop.
constexpr std::size_t looked_at = 64 * 1024;
constexpr std::size_t quoted_at_most = 80;

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](unsigned char a, unsigned char b) {
           return std::tolower(a) == std::tolower(b);
         });
}

std::size_t find_nocase(std::string_view text, std::string_view needle, std::size_t from = 0) {
  for (std::size_t at = from; at + needle.size() <= text.size(); ++at) {
    if (starts_with_nocase(text.substr(at), needle)) return at;
  }
  return std::string_view::npos;
}

std::string_view skip_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos ? std::string_view{} : text.substr(first);
}

// Past the XML declaration, comments and processing instructions: what is
// left starts with the first element (or a DOCTYPE).
std::string_view first_markup(std::string_view text) {
  for (;;) {
    text = skip_blanks(text);
    std::string_view close;
    if (text.starts_with("<?")) close = "?>";
    else if (text.starts_with("<!--")) close = "-->";
    else return text;
    const auto end = text.find(close);
    if (end == std::string_view::npos) return {};
    text.remove_prefix(end + close.size());
  }
}

bool is_html_start(std::string_view markup) {
  for (std::string_view opener : {"<!doctype html", "<html", "<head", "<body", "<meta", "<title", "<script"}) {
    if (starts_with_nocase(markup, opener)) return true;
  }
  return false;
}

// At most `limit` bytes, never cutting a UTF-8 sequence, with "..." when cut.
std::string shortened(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

// Goes into log lines: control characters become spaces, bytes that are not
// UTF-8 (a binary body) '?'.
std::string printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80            ? 1
                               : (lead >> 5) == 0x6   ? 2
                               : (lead >> 4) == 0xe   ? 3
                               : (lead >> 3) == 0x1e  ? 4
                                                      : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (!valid) {
      out += '?';
      ++i;
    } else if (length == 1) {
      out += (lead < 0x20 || lead == 0x7f) ? ' ' : text[i];
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string html_gist(std::string_view page) {
  const auto title = find_nocase(page, "<title");
  if (title != std::string_view::npos) {
    const auto open_end = page.find('>', title);
    const auto close = find_nocase(page, "</title", title);
    if (open_end != std::string_view::npos && close != std::string_view::npos && close > open_end) {
      std::string text = html_to_text(page.substr(open_end + 1, close - open_end - 1));
      if (!text.empty()) return text;
    }
  }
  const auto body = find_nocase(page, "<body");
  return html_to_text(page.substr(body == std::string_view::npos ? 0 : body));
}

std::string text_gist(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
    if (out.size() > quoted_at_most * 2) break;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string media_type(std::string_view content_type) {
  const auto end = content_type.find(';');
  std::string type(skip_blanks(content_type.substr(0, end)));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  return type.empty() ? std::string("no Content-Type") : printable(type);
}

}  // namespace

std::optional<std::string> not_a_feed(std::string_view content_type, std::string_view body) {
  std::string_view start = body.substr(0, looked_at);
  if (start.starts_with("\xEF\xBB\xBF")) start.remove_prefix(3);
  // UTF-16 and other encodings the parser may still read: not judged here.
  if (start.starts_with("\xFF\xFE") || start.starts_with("\xFE\xFF")) return std::nullopt;
  start = skip_blanks(start);
  if (start.empty() || start.front() == '{' || start.front() == '[') return std::nullopt;
  std::string gist;
  if (start.front() == '<') {
    const std::string_view markup = first_markup(start);
    if (!is_html_start(markup)) return std::nullopt;
    gist = html_gist(start);
  } else {
    gist = text_gist(start);
  }
  gist = shortened(printable(gist), quoted_at_most);
  const std::string type = media_type(content_type);
  if (gist.empty()) return fmt::format("{}, not a feed", type);
  return fmt::format("{}, not a feed: '{}'", type, gist);
}

}  // namespace feedd
