#include "fetchers/text/encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "fetchers/text/charset_guess.h"
#include "fetchers/text/utf8_simd.h"

namespace feedd::encoding {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view unquote(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
  }
  return trim(text);
}

// ------------------------------------------------------------ labels ---

// The name iconv should decode a charset label with. Producers label GBK
// text "GB2312" and windows-1252 text "ISO-8859-1" so routinely that the
// superset is the only safe reading; it decodes the subset identically.
std::string iconv_name(std::string_view label) {
  const std::string name = lowered(trim(label));
  static constexpr std::pair<std::string_view, std::string_view> aliases[] = {
      {"utf-8", "UTF-8"},          {"utf8", "UTF-8"},
      {"unicode-1-1-utf-8", "UTF-8"},
      // ASCII is a subset of UTF-8, and bytes beyond it in a feed that says
      // "ascii" are far more often UTF-8 than anything else.
      {"us-ascii", "UTF-8"},       {"ascii", "UTF-8"},
      {"ansi_x3.4-1968", "UTF-8"}, {"iso646-us", "UTF-8"},
      {"gb2312", "GB18030"},       {"gbk", "GB18030"},
      {"gb_2312-80", "GB18030"},   {"gb_2312", "GB18030"},
      {"x-gbk", "GB18030"},        {"cp936", "GB18030"},
      {"ms936", "GB18030"},        {"windows-936", "GB18030"},
      {"euc-cn", "GB18030"},       {"csgb2312", "GB18030"},
      {"chinese", "GB18030"},      {"iso-ir-58", "GB18030"},
      {"gb18030", "GB18030"},      {"big5", "BIG5-HKSCS"},
      {"big5-hkscs", "BIG5-HKSCS"}, {"cn-big5", "BIG5-HKSCS"},
      {"x-x-big5", "BIG5-HKSCS"},  {"csbig5", "BIG5-HKSCS"},
      {"shift_jis", "CP932"},      {"shift-jis", "CP932"},
      {"sjis", "CP932"},           {"x-sjis", "CP932"},
      {"ms_kanji", "CP932"},       {"csshiftjis", "CP932"},
      {"windows-31j", "CP932"},    {"cp932", "CP932"},
      {"euc-kr", "CP949"},         {"ks_c_5601-1987", "CP949"},
      {"ksc5601", "CP949"},        {"windows-949", "CP949"},
      {"cp949", "CP949"},          {"uhc", "CP949"},          {"iso-8859-1", "WINDOWS-1252"},
      {"iso8859-1", "WINDOWS-1252"}, {"iso_8859-1", "WINDOWS-1252"},
      {"latin1", "WINDOWS-1252"},  {"l1", "WINDOWS-1252"},
      {"utf-16", "UTF-16"},        {"utf-32", "UTF-32"},
  };
  for (const auto& [alias, canonical] : aliases) {
    if (alias == name) return std::string(canonical);
  }
  std::string upper(trim(label));
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  return upper;
}

bool is_wide(std::string_view name) { return name.starts_with("UTF-16") || name.starts_with("UTF-32"); }

// Charsets in which every ASCII byte means the ASCII character, so a pure
// ASCII document needs no transcoding. ISO-2022 and HZ hide text behind
// ASCII escapes and UTF-7 behind "+", so they are not.
bool is_ascii_superset(std::string_view name) {
  return !is_wide(name) && !name.starts_with("ISO-2022") && !name.starts_with("ISO2022") &&
         !name.starts_with("HZ") && !name.starts_with("UTF-7") && !name.starts_with("UTF7");
}

// ---------------------------------------------------------- detection ---

struct Sniffed {
  std::string_view name;
  std::size_t bom_length = 0;
};

// A byte order mark, or the first characters of an XML document in UTF-16
// or UTF-32 without one (XML 1.0 appendix F). UTF-32 goes first: "<" in
// UTF-32LE also opens like UTF-16LE.
std::optional<Sniffed> sniff_bytes(std::string_view document) {
  const auto starts = [&](std::string_view prefix) { return document.starts_with(prefix); };
  using namespace std::string_view_literals;
  if (starts("\xEF\xBB\xBF")) return Sniffed{"UTF-8", 3};
  if (starts("\x00\x00\xFE\xFF"sv)) return Sniffed{"UTF-32BE", 4};
  if (starts("\xFF\xFE\x00\x00"sv)) return Sniffed{"UTF-32LE", 4};
  if (starts("\xFE\xFF")) return Sniffed{"UTF-16BE", 2};
  if (starts("\xFF\xFE")) return Sniffed{"UTF-16LE", 2};
  if (starts("\x00\x00\x00<"sv)) return Sniffed{"UTF-32BE", 0};
  if (starts("<\x00\x00\x00"sv)) return Sniffed{"UTF-32LE", 0};
  if (starts("<\x00"sv) && document.size() >= 4 && document[3] == '\0') return Sniffed{"UTF-16LE", 0};
  if (starts("\x00<"sv) && document.size() >= 4 && document[2] == '\0') return Sniffed{"UTF-16BE", 0};
  return std::nullopt;
}

// The encoding pseudo-attribute's value and where it sits, when the document
// opens with an XML declaration that has one.
struct DeclaredEncoding {
  std::size_t offset = 0;
  std::string_view value;
};

std::optional<DeclaredEncoding> declared_encoding(std::string_view document) {
  std::size_t start = 0;
  while (start < document.size() && is_space(document[start])) ++start;
  if (document.substr(start, 5) != "<?xml" || start + 5 >= document.size() || !is_space(document[start + 5])) {
    return std::nullopt;
  }
  // A declaration is short; a search bounded to the first bytes keeps a
  // document without "?>" from being scanned to its end.
  const std::string_view head = document.substr(0, start + 512);
  const auto end = head.find("?>", start);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view declaration = head.substr(0, end);
  auto at = declaration.find("encoding", start);
  if (at == std::string_view::npos) return std::nullopt;
  at += 8;
  while (at < declaration.size() && is_space(declaration[at])) ++at;
  if (at >= declaration.size() || declaration[at] != '=') return std::nullopt;
  ++at;
  while (at < declaration.size() && is_space(declaration[at])) ++at;
  if (at >= declaration.size() || (declaration[at] != '"' && declaration[at] != '\'')) return std::nullopt;
  const char quote = declaration[at++];
  const auto close = declaration.find(quote, at);
  if (close == std::string_view::npos) return std::nullopt;
  return DeclaredEncoding{at, declaration.substr(at, close - at)};
}

std::optional<std::string_view> content_type_charset(std::string_view content_type) {
  const std::string lower_type = lowered(content_type);
  std::size_t at = 0;
  while ((at = lower_type.find("charset", at)) != std::string::npos) {
    const bool starts_parameter = at > 0 && (lower_type[at - 1] == ';' || is_space(lower_type[at - 1]));
    at += 7;
    auto equals = at;
    while (equals < lower_type.size() && is_space(lower_type[equals])) ++equals;
    if (!starts_parameter || equals >= lower_type.size() || lower_type[equals] != '=') continue;
    const auto value_end = content_type.find(';', equals);
    const auto value = unquote(content_type.substr(equals + 1, value_end - equals - 1));
    if (!value.empty()) return value;
  }
  return std::nullopt;
}

std::size_t bom_length(std::string_view document) {
  const auto sniffed = sniff_bytes(document);
  return sniffed ? sniffed->bom_length : 0;
}

// ---------------------------------------------------------------- iconv ---

class Iconv {
 public:
  // nullopt when iconv does not know `from`.
  static std::optional<Iconv> open(const std::string& from) {
    const iconv_t handle = iconv_open("UTF-8", from.c_str());
    if (handle == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
    return Iconv(handle);
  }

  // Every decodable character of `input`, a U+FFFD for each undecodable
  // unit (`unit` bytes: 2 for UTF-16), never stopping early.
  std::string decode(std::string_view input, std::size_t unit) {
    std::string out(input.size() + input.size() / 2 + 16, '\0');
    std::size_t written = 0;
    char* in = const_cast<char*>(input.data());  // iconv's signature; it only reads
    std::size_t in_left = input.size();
    while (true) {
      char* out_at = out.data() + written;
      std::size_t out_left = out.size() - written;
      const bool all_in = in_left == 0;
      const std::size_t result = all_in ? iconv(handle_.get(), nullptr, nullptr, &out_at, &out_left)
                                        : iconv(handle_.get(), &in, &in_left, &out_at, &out_left);
      const int error = errno;
      written = out.size() - out_left;
      if (result != static_cast<std::size_t>(-1)) {
        if (all_in) break;
        continue;  // loops once more to flush a stateful decoder
      }
      if (error == E2BIG) {
        out.resize(out.size() * 2);
      } else if (error == EILSEQ || error == EINVAL) {
        // EINVAL is a sequence cut off by the end of the input.
        const std::size_t skip = error == EINVAL ? in_left : std::min(unit, in_left);
        if (out.size() - written < replacement_character.size()) out.resize(out.size() * 2);
        std::copy(replacement_character.begin(), replacement_character.end(), out.begin() + written);
        written += replacement_character.size();
        in += skip;
        in_left -= skip;
      } else {
        break;
      }
    }
    out.resize(written);
    return out;
  }

 private:
  struct Closer {
    void operator()(void* handle) const noexcept { iconv_close(static_cast<iconv_t>(handle)); }
  };
  explicit Iconv(iconv_t handle) : handle_(handle) {}

  std::unique_ptr<void, Closer> handle_;
};

std::size_t code_unit(std::string_view name) {
  if (name.starts_with("UTF-16")) return 2;
  if (name.starts_with("UTF-32")) return 4;
  return 1;
}

void declare_utf8(std::string& document) {
  if (const auto declared = declared_encoding(document)) {
    document.replace(declared->offset, declared->value.size(), "UTF-8");
  }
}

Utf8Document as_utf8(std::string_view body) {
  if (is_valid_utf8(body)) return Utf8Document::borrow(body);
  return Utf8Document::own(repair_utf8(body));
}

// `body` decoded from `charset` (an iconv name), the declaration rewritten;
// nullopt when iconv does not know the charset.
std::optional<std::string> transcoded(std::string_view body, const std::string& charset) {
  auto decoder = Iconv::open(charset);
  if (!decoder) return std::nullopt;
  std::string text = decoder->decode(body, code_unit(charset));
  // iconv turns NUL into NUL, and a wide document may hold stray ones.
  if (!is_valid_utf8(text)) text = repair_utf8(text);
  declare_utf8(text);
  return text;
}

// A document that says nothing of its charset: UTF-8 if it is, else what
// the statistics say, else UTF-8 with the bad bytes replaced.
Utf8Document undeclared_to_utf8(std::string_view body) {
  if (is_valid_utf8(body)) return Utf8Document::borrow(body);
  if (const auto guess = guess_legacy_charset(body)) {
    const std::string name = iconv_name(*guess);
    if (auto text = transcoded(body, name)) return Utf8Document::own(std::move(*text), name);
  }
  return Utf8Document::own(repair_utf8(body));
}

}  // namespace

Charset detect_charset(std::string_view document, std::string_view content_type) {
  if (const auto sniffed = sniff_bytes(document)) {
    return Charset{std::string(sniffed->name), CharsetSource::byte_order_mark};
  }
  // A declaration readable as ASCII rules out the wide encodings, whatever
  // it or the header claims.
  if (const auto declared = declared_encoding(document)) {
    std::string name = iconv_name(declared->value);
    if (!name.empty() && !is_wide(name)) return Charset{std::move(name), CharsetSource::xml_declaration};
  }
  if (const auto label = content_type_charset(content_type)) {
    std::string name = iconv_name(*label);
    if (!name.empty() && !is_wide(name)) return Charset{std::move(name), CharsetSource::content_type};
  }
  return Charset{"UTF-8", CharsetSource::assumed};
}

Utf8Document to_utf8(std::string_view document, std::string_view content_type) {
  const Charset charset = detect_charset(document, content_type);
  const std::string_view body = document.substr(bom_length(document));
  if (charset.source == CharsetSource::assumed) return undeclared_to_utf8(body);
  if (charset.name == "UTF-8") return as_utf8(body);
  // Servers that label every response GBK, and feeds that kept their old
  // declaration when the site moved to UTF-8, are common. Text in a legacy
  // charset is next to never valid UTF-8 once it has a few non-ASCII
  // characters, so valid UTF-8 is read as what it is (pure ASCII included,
  // at no cost).
  if (is_ascii_superset(charset.name) && is_valid_utf8(body)) return Utf8Document::borrow(body);
  auto text = transcoded(body, charset.name);
  if (!text) return as_utf8(body);
  return Utf8Document::own(std::move(*text));
}

namespace {

bool is_plain_three_byte(const char* at, const char* end) {
  if (end - at < 3) return false;
  const auto byte = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(at[i]); };
  return byte(0) >= 0xE1 && byte(0) <= 0xEF && byte(0) != 0xED && (byte(1) & 0xC0) == 0x80 &&
         (byte(2) & 0xC0) == 0x80;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  // Below two blocks the byte-wise loop is as fast and needs no padding copy.
  if (text.size() >= 64 && detail::has_avx2()) return detail::is_valid_utf8_avx2(text);
  return is_valid_utf8_bytewise(text);
}

bool holds_fffe_or_ffff(std::string_view text) {
  if (text.size() >= 64 && detail::has_avx2()) return detail::holds_fffe_or_ffff_avx2(text);
  return text.find("\xEF\xBF\xBE") != std::string_view::npos || text.find("\xEF\xBF\xBF") != std::string_view::npos;
}

bool is_valid_utf8_bytewise(std::string_view text) {
  const char* at = text.data();
  const char* const end = at + text.size();
  while (at < end) {
    // Most feed text is ASCII markup; take it eight bytes at a time while
    // no byte has its high bit set or is NUL.
    if (end - at >= 8) {
      std::uint64_t chunk = 0;
      std::memcpy(&chunk, at, sizeof chunk);
      constexpr std::uint64_t ones = 0x0101010101010101ULL;
      constexpr std::uint64_t highs = 0x8080808080808080ULL;
      if (((chunk | (chunk - ones)) & highs) == 0) {
        at += 8;
        continue;
      }
    }
    // CJK text is runs of three-byte sequences whose lead puts no bound on
    // the second byte; check those without the general decoder, and without
    // trying the ASCII test again between two of them.
    if (is_plain_three_byte(at, end)) {
      do {
        at += 3;
      } while (is_plain_three_byte(at, end));
      continue;
    }
    const std::size_t length = utf8_sequence_length(std::string_view(at, static_cast<std::size_t>(end - at)));
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::string repair_utf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size() + 16);
  while (!text.empty()) {
    const std::size_t length = utf8_sequence_length(text);
    if (length == 0) {
      valid += replacement_character;
      text.remove_prefix(1);
    } else {
      valid += text.substr(0, length);
      text.remove_prefix(length);
    }
  }
  return valid;
}

void append_utf8(std::string& out, char32_t code) {
  if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

char32_t html_reference_code(char32_t code) {
  // HTML5's table of replacements for references to C1 controls; 0 where
  // the control stays.
  static constexpr char16_t windows1252[32] = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
  };
  if (code < 0x80 || code > 0x9F || windows1252[code - 0x80] == 0) return code;
  return windows1252[code - 0x80];
}

}  // namespace feedd::encoding
