#include "store/post_format.h"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

namespace feedd {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view ascii_whitespace = " \t\n\v\f\r";

// Characters that never appear raw in front matter: C0, DEL and C1 controls
// (U+0085 is a line break to YAML 1.1), the Unicode line and paragraph
// separators (also breaks to YAML 1.1), a BOM (which a reader may swallow),
// and the two non-characters YAML 1.1 readers refuse outright.
bool needs_escape(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         c == 0xFEFF || c == 0xFFFE || c == 0xFFFF;
}

// Only escapes that YAML 1.1 and 1.2 both define, so libyaml (Jekyll's
// Psych), PyYAML and yaml-cpp all read them back the same way.
void append_escape(std::string& out, char32_t c) {
  switch (c) {
    case 0x00: out += "\\0"; return;
    case 0x07: out += "\\a"; return;
    case 0x08: out += "\\b"; return;
    case 0x09: out += "\\t"; return;
    case 0x0A: out += "\\n"; return;
    case 0x0B: out += "\\v"; return;
    case 0x0C: out += "\\f"; return;
    case 0x0D: out += "\\r"; return;
    case 0x1B: out += "\\e"; return;
    default: break;
  }
  if (c <= 0xFF) {
    out += fmt::format("\\x{:02X}", static_cast<unsigned>(c));
  } else {
    out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
  }
}

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, {}, ascii_lower, ascii_lower);
}

// YAML 1.1 booleans and nulls (y/n/on/off... as PyYAML reads them, matched in
// any case as Psych does), plus YAML 1.1's merge key and value key, which
// PyYAML's safe loader cannot even construct.
bool is_reserved_word(std::string_view text) {
  constexpr std::array words = {"y"sv,   "n"sv,  "yes"sv,   "no"sv,   "on"sv, "off"sv,
                                "true"sv, "false"sv, "null"sv, "~"sv, "="sv, "<<"sv};
  return std::ranges::any_of(words, [&](std::string_view word) {
    return equals_ignoring_ascii_case(text, word);
  });
}

// Numbers, sexagesimals and timestamps in every schema (YAML 1.1 and 1.2,
// Psych's comma-grouped integers) start with a digit, or with '.' before a
// digit, '_', "inf" or "nan", after an optional sign, and use no character
// outside this set. Matching that loose shape, rather than each grammar,
// quotes a few harmless strings ("3 days") and misses none.
bool looks_like_number_or_time(std::string_view text) {
  if (text.starts_with('+') || text.starts_with('-')) text.remove_prefix(1);
  if (text.empty()) return false;
  const bool numeric_start =
      is_ascii_digit(text[0]) ||
      (text[0] == '.' && text.size() > 1 &&
       (is_ascii_digit(text[1]) || std::string_view{"_iInN"}.find(text[1]) != std::string_view::npos));
  if (!numeric_start) return false;
  return std::ranges::all_of(text, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_ascii_digit(c) ||
           std::string_view{"_.:+-, "}.find(c) != std::string_view::npos;
  });
}

bool has_only_printable_utf8(std::string_view text) {
  while (!text.empty()) {
    const Utf8Char c = decode_utf8(text);
    if (!c.valid || needs_escape(c.code_point)) return false;
    text.remove_prefix(c.size);
  }
  return true;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Whether `text` written bare reads back as this very string. Flow context
// refuses every ':' and '?': libyaml before 0.2.1 rejected any ':' in a flow
// plain scalar and PyYAML ends one at '?'.
bool plain_reads_back(std::string_view text, YamlContext context) {
  if (text.empty() || !has_only_printable_utf8(text)) return false;
  if (text.front() == ' ' || text.back() == ' ') return false;
  if (std::string_view{"-?:,[]{}#&*!|>'\"%@`"}.find(text.front()) != std::string_view::npos) return false;
  if (text.starts_with("...")) return false;
  if (contains(text, ": ") || contains(text, " #") || text.ends_with(':')) return false;
  if (context == YamlContext::flow && text.find_first_of(",[]{}:?") != std::string_view::npos) return false;
  return !is_reserved_word(text) && !looks_like_number_or_time(text);
}

std::string flow_sequence(const std::vector<std::string>& values) {
  std::string out = "[ ";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += yaml_scalar(values[i], YamlContext::flow);
  }
  return out + " ]";
}

// Each line trimmed and the lines run together, as the reference posts have
// it; this also keeps Markdown from reading indented HTML as a code block.
std::string join_trimmed_lines(std::string_view content) {
  std::string out;
  out.reserve(content.size());
  while (true) {
    const std::size_t end = content.find('\n');
    std::string_view line = content.substr(0, end);
    const std::size_t first = line.find_first_not_of(ascii_whitespace);
    if (first != std::string_view::npos) {
      line = line.substr(first, line.find_last_not_of(ascii_whitespace) - first + 1);
      out += line;
    }
    if (end == std::string_view::npos) return out;
    content.remove_prefix(end + 1);
  }
}

// Every character that Markdown (kramdown, Jekyll's default, and
// CommonMark), HTML or Liquid would read as syntax in the link text, as a
// numeric character reference: the text then shows exactly as the title, and
// a feed cannot close the link early, open another one, emphasise, start
// math or strike-through (GFM), or reach Liquid (which runs before Markdown and knows no Markdown
// escapes, so only a reference keeps "{{" from it).
std::string_view link_text_reference(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '[': return "&#91;";
    case ']': return "&#93;";
    case '\\': return "&#92;";
    case '`': return "&#96;";
    case '*': return "&#42;";
    case '_': return "&#95;";
    case '{': return "&#123;";
    case '}': return "&#125;";
    case '$': return "&#36;";
    case '^': return "&#94;";
    case '|': return "&#124;";
    case '~': return "&#126;";
    // A line break would end the line the link and its heading stand on.
    case '\n': return "&#10;";
    case '\r': return "&#13;";
    default: return {};
  }
}

// Characters percent-encoded in the link's destination: a ')', a space or a
// control character would end it, '<' '>' '"' '`' '\\' '|' '^' are not
// allowed raw in a URL and some of them are Markdown, and braces could form
// Liquid's "{{".
bool percent_encoded_in_destination(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F || std::string_view{" ()<>\"`\\|^{}"}.find(c) != std::string_view::npos;
}

}  // namespace

std::string markdown_link_text(std::string_view title) {
  std::string out;
  out.reserve(title.size());
  for (const char c : title) {
    const std::string_view reference = link_text_reference(c);
    if (reference.empty()) {
      out += c;
    } else {
      out += reference;
    }
  }
  return out;
}

std::string markdown_link_destination(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  for (const char c : url) {
    if (percent_encoded_in_destination(c)) {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

// Liquid reads "{{" and "{%" anywhere in a post, HTML or not; "&#123;" shows
// as '{' in text and in attribute values alike, so only the brace that opens
// a tag changes.
std::string without_liquid_tags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool opens_tag = text[i] == '{' && i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '%');
    if (opens_tag) {
      out += "&#123;";
    } else {
      out += text[i];
    }
  }
  return out;
}

Utf8Char decode_utf8(std::string_view text) {
  constexpr Utf8Char invalid{0xFFFD, 1, false};
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return {lead, 1, true};

  std::size_t size = 0;
  char32_t code_point = 0;
  char32_t smallest = 0;  // below this the sequence is overlong
  if ((lead & 0xE0) == 0xC0) {
    size = 2, code_point = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    size = 3, code_point = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    size = 4, code_point = lead & 0x07, smallest = 0x10000;
  } else {
    return invalid;
  }
  if (text.size() < size) return invalid;
  for (std::size_t i = 1; i < size; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) != 0x80) return invalid;
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  if (code_point < smallest || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return invalid;
  }
  return {code_point, size, true};
}

std::string yaml_double_quoted(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  while (!text.empty()) {
    const Utf8Char c = decode_utf8(text);
    if (c.code_point == '"' || c.code_point == '\\') {
      out += '\\';
      out += static_cast<char>(c.code_point);
    } else if (needs_escape(c.code_point)) {
      append_escape(out, c.code_point);
    } else if (!c.valid) {
      // A YAML stream must be UTF-8; a stray byte would make the whole post
      // unreadable, so it becomes U+FFFD.
      out += "\xEF\xBF\xBD";
    } else {
      out += text.substr(0, c.size);
    }
    text.remove_prefix(c.size);
  }
  return out + '"';
}

std::string yaml_scalar(std::string_view text, YamlContext context) {
  if (plain_reads_back(text, context)) return std::string{text};
  return yaml_double_quoted(text);
}

std::string format_post_date(std::int64_t unix_ms) {
  using namespace std::chrono;
  // YAML timestamps need a four-digit year and Python's datetime starts at
  // year 1, so the date stays within 0001..9999 whatever the clock said.
  constexpr auto earliest = sys_days{year{1} / January / 1};
  constexpr auto latest = sys_days{year{10000} / January / 1} - milliseconds{1};
  const sys_time<milliseconds> time =
      std::clamp(sys_time<milliseconds>{milliseconds{unix_ms}}, sys_time<milliseconds>{earliest}, latest);

  const sys_days day = floor<days>(time);  // floor, not truncation, before 1970
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

// The removal's front-matter line and its notice above the content.
std::pair<std::string, std::string> removal_notice(const PostFields& post) {
  if (!post.removed_ms) return {};
  const std::string when = format_post_date(*post.removed_ms);
  return {fmt::format("removed: {}\n", when),
          fmt::format("> This article was found removed from its site on {} (UTC).\n\n", when.substr(0, 10))};
}

std::string render_post(const PostFields& post) {
  const auto [removed_key, removed_line] = removal_notice(post);
  return fmt::format(
      "---\n"
      "layout: post\n"
      "title: {}\n"
      "date: {}\n"
      "author: {}\n"
      "from: {}\n"
      "tags: {}\n"
      "categories: {}\n"
      "{}"
      "---\n"
      "<!--{}-->\n"
      "[{}]({})\n"
      "------\n"
      "\n"
      "{}"
      "<div>\n"
      "{}\n"
      "</div>\n",
      yaml_double_quoted(post.title), format_post_date(post.date_ms),
      yaml_scalar(post.author, YamlContext::block), yaml_scalar(post.url, YamlContext::block),
      flow_sequence(post.tags), flow_sequence(post.categories), removed_key, post.timestamp_ms,
      markdown_link_text(post.title), markdown_link_destination(post.url), removed_line,
      without_liquid_tags(join_trimmed_lines(post.content)));
}

}  // namespace feedd
