#include "store/post_file_name.h"

#include <algorithm>
#include <cstddef>
#include <limits>

#include "store/post_format.h"

namespace feedd {
namespace {

constexpr std::size_t slug_code_points = 50;
constexpr std::size_t name_bytes = 255;  // NAME_MAX on the file systems sites live on

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Up to `limit` code points of `text` that are safe inside one file name:
// invalid bytes and controls dropped, and '/' spelled "--" so a title can
// never reach another folder. The limit counts the characters kept.
std::string file_name_part(std::string_view text, std::size_t limit) {
  std::string out;
  for (std::size_t kept = 0; !text.empty() && kept < limit;) {
    const Utf8Char c = decode_utf8(text);
    if (c.valid && !is_control(c.code_point)) {
      out += c.code_point == '/' ? std::string_view{"--"} : text.substr(0, c.size);
      ++kept;
    }
    text.remove_prefix(c.size);
  }
  return out;
}

// `part` cut to at most `bytes`, never inside a code point.
void cut_to(std::string& part, std::size_t bytes) {
  if (part.size() <= bytes) return;
  while (bytes > 0 && (static_cast<unsigned char>(part[bytes]) & 0xC0) == 0x80) --bytes;
  part.resize(bytes);
}

}  // namespace

std::string post_slug(std::string_view title) {
  std::string slug = file_name_part(title, slug_code_points);
  // A leading '.' would hide the post from Jekyll, and "." or ".." alone
  // would name a folder.
  slug.erase(0, slug.find_first_not_of('.'));
  return slug;
}

std::string post_file_name(std::int64_t date_ms, std::string_view title, std::string_view suffix) {
  const std::string day = format_post_date(date_ms).substr(0, 10);  // same day as `date:`
  const std::string extension = ".md";
  const std::size_t room = name_bytes - day.size() - 1 - extension.size();

  std::string slug = post_slug(title);
  std::string tail = file_name_part(suffix, std::numeric_limits<std::size_t>::max());
  cut_to(tail, room);
  // The suffix is what keeps names apart, so the slug gives way to it.
  cut_to(slug, tail.empty() ? room : (room > tail.size() ? room - tail.size() - 1 : 0));

  std::string stem = slug;
  if (!slug.empty() && !tail.empty()) {
    stem += '-' + tail;
  } else if (slug.empty()) {
    stem = tail.empty() ? "untitled" : tail;
  }
  return day + '-' + stem + extension;
}

namespace {

// Scripts whose characters are letters or digits to every slugifier feedd's
// users meet; everything else (punctuation, symbols, emoji, spaces of every
// width) is dropped, which can only make two keys equal, never different.
bool is_word_code_point(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return (c >= 0x00C0 && c <= 0x024F && c != 0x00D7 && c != 0x00F7) ||  // Latin
         (c >= 0x0370 && c <= 0x03FF) || (c >= 0x0400 && c <= 0x04FF) ||  // Greek, Cyrillic
         (c >= 0x05D0 && c <= 0x05EA) || (c >= 0x0620 && c <= 0x064A) ||  // Hebrew, Arabic letters
         (c >= 0x0E01 && c <= 0x0E30) ||                                  // Thai
         (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||  // Hiragana, Katakana
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK ideographs
         (c >= 0xAC00 && c <= 0xD7A3) ||                                  // Hangul syllables
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

}  // namespace

std::string url_key_of(std::string_view file_name) {
  // "YYYY-MM-DD-" and ".md" are the generator's own; the key is the rest.
  if (file_name.size() > 11 && file_name[10] == '-') file_name.remove_prefix(11);
  if (file_name.ends_with(".md")) file_name.remove_suffix(3);
  std::string key;
  while (!file_name.empty()) {
    const auto decoded = decode_utf8(file_name);
    const std::string_view bytes = file_name.substr(0, decoded.size);
    file_name.remove_prefix(std::max<std::size_t>(decoded.size, 1));
    if (!decoded.valid || !is_word_code_point(decoded.code_point)) continue;
    if (decoded.code_point >= 'A' && decoded.code_point <= 'Z') {
      key += static_cast<char>(decoded.code_point - 'A' + 'a');
    } else {
      key += bytes;
    }
  }
  return key;
}

}  // namespace feedd
