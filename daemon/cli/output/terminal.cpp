#include "daemon/cli/output/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "store/post_format.h"

namespace feedd {
namespace {

using Range = std::pair<char32_t, char32_t>;

// East Asian Wide (W) and Fullwidth (F) blocks of UAX #11, and the emoji
// blocks terminals draw two columns wide. Sorted, for binary search.
constexpr std::array<Range, 19> wide_ranges = {{
    {0x1100, 0x115F},    // Hangul Jamo initials
    {0x231A, 0x231B},    // watch, hourglass
    {0x2E80, 0x303E},    // CJK radicals, Kangxi, ideographic punctuation
    {0x3041, 0x33FF},    // kana, bopomofo, CJK compatibility
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xA960, 0xA97F},    // Hangul Jamo extended A
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFE10, 0xFE19},    // vertical forms
    {0xFE30, 0xFE6F},    // CJK compatibility forms, small forms
    {0xFF00, 0xFF60},    // fullwidth forms
    {0xFFE0, 0xFFE6},    // fullwidth signs
    {0x1F300, 0x1F64F},  // pictographs, emoticons
    {0x1F680, 0x1F6FF},  // transport and map symbols
    {0x1F900, 0x1F9FF},  // supplemental symbols and pictographs
    {0x20000, 0x2FFFD},  // CJK extensions B-F
    {0x30000, 0x3FFFD},  // CJK extension G
}};

constexpr std::array<Range, 7> zero_width_ranges = {{
    {0x0300, 0x036F},  // combining diacritical marks
    {0x200B, 0x200F},  // zero-width space, joiners, direction marks
    {0x2028, 0x202E},  // separators, embedding controls
    {0x2060, 0x2064},  // word joiner, invisible operators
    {0x20D0, 0x20FF},  // combining marks for symbols
    {0xFE00, 0xFE0F},  // variation selectors
    {0xFE20, 0xFE2F},  // combining half marks
}};

template <std::size_t N>
bool in_ranges(char32_t c, const std::array<Range, N>& ranges) {
  const auto after = std::upper_bound(ranges.begin(), ranges.end(), c,
                                      [](char32_t value, const Range& range) { return value < range.first; });
  return after != ranges.begin() && c <= std::prev(after)->second;
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c < 0xA0); }

constexpr std::string_view ellipsis = "…";

// Control characters as spaces, bytes that are not UTF-8 as U+FFFD: what is
// left can be measured and printed safely.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const Utf8Char decoded = decode_utf8(text);
    if (!decoded.valid) {
      out += "\uFFFD";
    } else if (is_control(decoded.code_point)) {
      out += ' ';
    } else {
      out += text.substr(0, decoded.size);
    }
    text.remove_prefix(decoded.size);
  }
  return out;
}

}  // namespace

int terminal_columns(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    int value = 0;
    const std::string_view text(columns);
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc{} && end == text.data() + text.size() && value > 0) return value;
  }
  return 0;
}

int char_width(char32_t c) {
  if (is_control(c) || in_ranges(c, zero_width_ranges)) return 0;
  return in_ranges(c, wide_ranges) ? 2 : 1;
}

int display_width(std::string_view text) {
  int width = 0;
  while (!text.empty()) {
    const Utf8Char decoded = decode_utf8(text);
    width += decoded.valid ? char_width(decoded.code_point) : 1;
    text.remove_prefix(decoded.size);
  }
  return width;
}

std::string fit_width(std::string_view text, int width) {
  const std::string clean = printable(text);
  if (display_width(clean) <= width) return clean;
  if (width <= 0) return {};
  std::string out;
  int used = 0;
  std::string_view rest = clean;
  while (!rest.empty()) {
    const Utf8Char decoded = decode_utf8(rest);
    const int columns = char_width(decoded.code_point);
    if (used + columns > width - 1) break;  // the ellipsis takes the last column
    out += rest.substr(0, decoded.size);
    used += columns;
    rest.remove_prefix(decoded.size);
  }
  return out + std::string(ellipsis);
}

std::string pad_width(std::string_view text, int width, Align align) {
  std::string fitted = fit_width(text, width);
  const std::string padding(static_cast<std::size_t>(std::max(0, width - display_width(fitted))), ' ');
  return align == Align::left ? fitted + padding : padding + fitted;
}

}  // namespace feedd
