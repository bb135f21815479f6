#include "daemon/cli/output/json_string.h"

#include <nlohmann/json.hpp>

#include <bit>
#include <cstdint>
#include <cstring>

#include "fetchers/text/encoding.h"
#include "fetchers/text/utf8_simd.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace feedd {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Some byte of `chunk` is zero. Exact as a yes/no answer: a borrow can only
// flag bytes above one that really is zero.
constexpr std::uint64_t has_zero(std::uint64_t chunk) { return (chunk - kOnes) & ~chunk & kHighs; }

// Some byte of `chunk` is a control, '"' or '\': one that is escaped.
constexpr std::uint64_t has_escaped(std::uint64_t chunk) {
  const std::uint64_t control = (chunk - kOnes * 0x20) & ~chunk & kHighs;
  return control | has_zero(chunk ^ (kOnes * '"')) | has_zero(chunk ^ (kOnes * '\\'));
}

std::uint64_t load(const char* at) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, at, sizeof chunk);
  return chunk;
}

// The escape for an ASCII byte, or empty when it is written as it is.
std::string_view escape_of(unsigned char byte, char (&buffer)[6]) {
  switch (byte) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
  }
  if (byte >= 0x20) return {};
  constexpr char kHex[] = "0123456789abcdef";
  std::memcpy(buffer, "\\u00", 4);
  buffer[4] = kHex[byte >> 4];
  buffer[5] = kHex[byte & 0xF];
  return std::string_view(buffer, sizeof buffer);
}

// Where U+FFFD goes for each kind of bad sequence is the replace handler's
// own business; bad sequences are rare enough to ask it rather than copy it.
[[gnu::cold, gnu::noinline]] void append_with_replacements(std::string_view text, std::string& out) {
  out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends text[copied, i) and the escape of text[i] when it has one; the
// index after the byte.
std::size_t escape_byte(std::string_view text, std::size_t i, std::size_t& copied, std::string& out) {
  char buffer[6];
  const std::string_view escape = escape_of(static_cast<unsigned char>(text[i]), buffer);
  if (!escape.empty()) {
    out.append(text.data() + copied, i - copied);
    out += escape;
    copied = i + 1;
  }
  return i + 1;
}

#if defined(__x86_64__) || defined(__i386__)
// The first position at or after `from` whose byte is escaped (a control,
// '"' or '\\'), looking 32 bytes at a time; where fewer than 32 are left
// when no block before held one. Sanitized HTML has a quote every few dozen
// bytes and Chinese prose between them. Compiled for AVX2 whatever the
// build's target; called only on a CPU that has it.
__attribute__((target("avx2"))) std::size_t skip_unescaped_avx2(std::string_view text, std::size_t from) {
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i highest_control = _mm256_set1_epi8(0x1F);
  std::size_t at = from;
  for (; at + 32 <= text.size(); at += 32) {
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + at));
    const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(block, highest_control), block);
    const __m256i escaped =
        _mm256_or_si256(control, _mm256_or_si256(_mm256_cmpeq_epi8(block, quote), _mm256_cmpeq_epi8(block, backslash)));
    const auto mask = static_cast<unsigned>(_mm256_movemask_epi8(escaped));
    if (mask != 0) return at + static_cast<std::size_t>(std::countr_zero(mask));
  }
  return at;
}
#endif

// Where the scan of append_valid_json_string goes on from `from`: AVX2's
// answer on long texts, else `from` (the eight-byte loop takes over).
std::size_t skip_unescaped(std::string_view text, std::size_t from) {
#if defined(__x86_64__) || defined(__i386__)
  if (text.size() - from >= 64 && encoding::detail::has_avx2()) return skip_unescaped_avx2(text, from);
#endif
  return from;
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  const std::size_t start = out.size();
  out += '"';
  std::size_t copied = 0;  // text[0, copied) is in `out`
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.size() - i >= 8) {
      const std::uint64_t chunk = load(text.data() + i);
      if (((chunk & kHighs) | has_escaped(chunk)) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      i = escape_byte(text, i, copied, out);
      continue;
    }
    const std::size_t length = encoding::utf8_sequence_length(text.substr(i));
    if (length == 0) {
      out.resize(start);
      return append_with_replacements(text, out);
    }
    i += length;
  }
  out.append(text.data() + copied, text.size() - copied);
  out += '"';
}

void append_valid_json_string(std::string_view utf8, std::string& out) {
  out += '"';
  std::size_t copied = 0;  // utf8[0, copied) is in `out`
  std::size_t i = 0;
  while (i < utf8.size()) {
    i = skip_unescaped(utf8, i);
    if (i >= utf8.size()) break;
    // Bytes of multi-byte sequences are all >= 0x80 and never escaped, so
    // Chinese text goes eight bytes at a time like ASCII.
    if (utf8.size() - i >= 8) {
      const std::uint64_t escaped = has_escaped(load(utf8.data() + i));
      if (escaped == 0) {
        i += 8;
        continue;
      }
      // Borrows only flag bytes above one that is escaped, so the lowest
      // flagged byte is one: the bytes before it are written as they are.
      if constexpr (std::endian::native == std::endian::little) i += static_cast<std::size_t>(std::countr_zero(escaped)) / 8;
    }
    i = escape_byte(utf8, i, copied, out);
  }
  out.append(utf8.data() + copied, utf8.size() - copied);
  out += '"';
}

}  // namespace feedd
