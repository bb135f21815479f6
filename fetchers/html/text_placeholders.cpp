#include "fetchers/html/text_placeholders.h"

#include <cstdint>
#include <cstring>

#include "fetchers/text/encoding.h"

namespace feedd::detail {
namespace {

// A run shorter than this is left alone: a placeholder takes four bytes.
constexpr std::size_t kShortestRun = 12;
constexpr char32_t kFirstPlaceholder = 0xF0000;
constexpr std::size_t kMostRuns = 0x110000 - kFirstPlaceholder;

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

// Lead bytes of U+C0000 to U+10FFFF: the placeholders' planes (and two
// rarely used ones, which merely turn the replacing off).
constexpr const char* kPlaceholderLeads = "\xF3\xF4";

// A run after one of these could be read into a name, or start one:
// ASCII name characters (HTML names are ASCII, but libxml2 reads entity
// names, processing instructions' targets and DOCTYPE names as XML names,
// which take any letter), '&' and '#' (entities), '<', '/', '!' and '?'
// (tags, declarations, processing instructions).
bool may_precede_a_run(char c) {
  const bool name_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                         c == '-' || c == '.' || c == ':';
  return !name_char && std::strchr("&#</!?", c) == nullptr;
}

// A character reference such as &#xF0000; decodes to a character of the
// placeholders' planes, which would then read as a placeholder.
bool has_reference_beyond_bmp(std::string_view utf8) {
  for (std::size_t at = utf8.find("&#"); at != std::string_view::npos; at = utf8.find("&#", at + 2)) {
    std::size_t i = at + 2;
    const bool hex = i < utf8.size() && (utf8[i] == 'x' || utf8[i] == 'X');
    if (hex) ++i;
    char32_t value = 0;
    for (; i < utf8.size() && value <= 0x10FFFF; ++i) {
      const char c = utf8[i];
      if (c >= '0' && c <= '9') {
        value = value * (hex ? 16 : 10) + static_cast<char32_t>(c - '0');
      } else if (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        value = value * 16 + static_cast<char32_t>((c | 0x20) - 'a' + 10);
      } else {
        break;
      }
    }
    if (value >= 0x10000) return true;
  }
  return false;
}

// U+FFFE and U+FFFF are the non-ASCII characters libxml2 does look at:
// XML allows neither, and it reports and replaces them.
bool holds_noncharacter(std::string_view run) {
  for (const char* at = run.data(); (at = static_cast<const char*>(std::memchr(at, '\xEF', run.data() + run.size() - at)));
       ++at) {
    if (run.data() + run.size() - at >= 3 && at[1] == '\xBF' && (at[2] == '\xBE' || at[2] == '\xBF')) return true;
  }
  return false;
}

bool holds_placeholder_lead(std::string_view text) {
  return std::memchr(text.data(), '\xF3', text.size()) != nullptr ||
         std::memchr(text.data(), '\xF4', text.size()) != nullptr;
}

constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

std::uint64_t high_bits(const char* at) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, at, sizeof chunk);
  return chunk & kHighs;
}

// The end of the ASCII (or, with ascii false, non-ASCII) bytes from `i`,
// eight at a time where it can.
std::size_t skip(std::string_view text, std::size_t i, bool ascii) {
  const std::uint64_t all = ascii ? 0 : kHighs;
  while (text.size() - i >= 8 && high_bits(text.data() + i) == all) i += 8;
  while (i < text.size() && is_ascii(text[i]) == ascii) ++i;
  return i;
}

void append_placeholder(std::size_t index, std::string& out) {
  const char32_t code = kFirstPlaceholder + static_cast<char32_t>(index);
  out += static_cast<char>(0xF0 | (code >> 18));
  out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
  out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
  out += static_cast<char>(0x80 | (code & 0x3F));
}

}  // namespace

TextPlaceholders::TextPlaceholders(std::string_view utf8) : original_(utf8) {
  if (holds_placeholder_lead(utf8) || has_reference_beyond_bmp(utf8)) return;
  // Most fields hold neither noncharacter, and then no run needs
  // holds_noncharacter's look, which stops at every fullwidth comma.
  const bool noncharacters = encoding::holds_fffe_or_ffff(utf8);
  std::size_t copied = 0;  // utf8[0, copied) is in folded_
  for (std::size_t i = skip(utf8, 0, true); i < utf8.size(); i = skip(utf8, i, true)) {
    const std::size_t end = skip(utf8, i, false);
    const std::string_view run = utf8.substr(i, end - i);
    if (run.size() >= kShortestRun && (i == 0 || may_precede_a_run(utf8[i - 1])) &&
        !(noncharacters && holds_noncharacter(run)) &&
        runs_.size() < kMostRuns) {
      if (runs_.empty()) folded_.reserve(utf8.size());
      folded_.append(utf8.data() + copied, i - copied);
      append_placeholder(runs_.size(), folded_);
      runs_.push_back(run);
      copied = end;
    }
    i = end;
  }
  if (!runs_.empty()) folded_.append(utf8.data() + copied, utf8.size() - copied);
}

std::string_view TextPlaceholders::restore(std::string_view text, std::string& scratch) const {
  if (runs_.empty()) return text;
  if (!holds_placeholder_lead(text)) return text;
  std::size_t at = text.find_first_of(kPlaceholderLeads);
  scratch.clear();
  std::size_t copied = 0;
  for (; at != std::string_view::npos; at = text.find_first_of(kPlaceholderLeads, at)) {
    // libxml2 hands over whole characters, so a lead byte has its three
    // continuation bytes.
    if (text.size() - at < 4) break;
    const auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(text[at + k])); };
    const char32_t code = ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
    if (code < kFirstPlaceholder || code - kFirstPlaceholder >= runs_.size()) {
      ++at;  // not one of ours (cannot happen: the input held none)
      continue;
    }
    scratch.append(text.data() + copied, at - copied);
    scratch += runs_[code - kFirstPlaceholder];
    at += 4;
    copied = at;
  }
  scratch.append(text.data() + copied, text.size() - copied);
  return scratch;
}

}  // namespace feedd::detail
