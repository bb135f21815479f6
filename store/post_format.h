// The Jekyll post feedd writes for an entry. The format is a contract with
// existing sites (see store/POST_FORMAT.md); render_post is its only writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd {

struct PostFields {
  std::string title;     // plain text
  std::int64_t timestamp_ms = 0;  // T: the entry's own time (or first seen)
  std::int64_t date_ms = 0;       // D: T clamped to the fetch time
  std::string author;    // the source's name
  std::string url;       // the entry's absolute link
  std::vector<std::string> tags;
  std::vector<std::string> categories;
  std::string content;   // HTML, as the source's content mode carries it
  // Set only for a source with removed_notice whose entry's page was found
  // removed (daemon/runtime/watch): when that was noticed. Unset, the post is
  // byte for byte what it always was.
  std::optional<std::int64_t> removed_ms{};
};

// The whole post file, byte for byte.
std::string render_post(const PostFields& post);

// The title as the link line's text: every character Markdown, HTML or
// Liquid would take as syntax becomes a character reference, so the page
// shows the title as text and nothing else.
std::string markdown_link_text(std::string_view title);

// The entry URL as the link line's destination: the characters that would
// end it early or mean something to Markdown or Liquid are percent-encoded
// (which leaves the address the same to a browser).
std::string markdown_link_destination(std::string_view url);

// `text` with the '{' of every "{{" and "{%" written "&#123;", so Liquid,
// which Jekyll runs over the whole post, finds no tag in it.
std::string without_liquid_tags(std::string_view text);

// "2021-04-17T02:56:40.156Z" (UTC, always milliseconds): the `date:` value.
std::string format_post_date(std::int64_t unix_ms);

// Where a YAML scalar stands decides which characters YAML would misread.
enum class YamlContext { block, flow };

// A YAML double-quoted scalar that any YAML 1.1 or 1.2 parser reads back as
// exactly `text` (`\` and `"` escaped, control characters as escapes).
std::string yaml_double_quoted(std::string_view text);

// `text` as a plain scalar when every YAML parser reads it back as that same
// string (not a number, bool, null, date, comment, alias...); otherwise
// double-quoted.
std::string yaml_scalar(std::string_view text, YamlContext context);

// The code point `text` starts with and how many bytes it takes. A byte that
// does not start a well-formed sequence (overlong, surrogate, above U+10FFFF,
// truncated) comes back as {U+FFFD, 1, false}, so a caller can drop or
// replace exactly that byte and go on. Shared by the YAML writer and the
// slug so both see the same characters. REQUIRES: !text.empty().
struct Utf8Char {
  char32_t code_point;
  std::size_t size;
  bool valid;
};
Utf8Char decode_utf8(std::string_view text);

}  // namespace feedd
