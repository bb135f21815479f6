#include "fetchers/text/utf8_simd.h"

#include <cstdlib>
#include <cstring>

// AVX2 is x86's: elsewhere (arm64 servers, a Raspberry Pi) has_avx2() is
// false and the byte-wise checks serve alone.
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

// The functions below are compiled for AVX2 whatever the build's target;
// is_valid_utf8 calls them only on a CPU that has it.
#define FEEDD_AVX2 __attribute__((target("avx2")))

namespace feedd::encoding::detail {
namespace {

// What an ill-formed pair of bytes (the first, the second) can be; each table
// below gives, for one nibble, the kinds of error it is consistent with, and
// a pair is in error when all three agree on one.
constexpr char kTooShort = 1 << 0;   // lead followed by a lead or ASCII
constexpr char kTooLong = 1 << 1;    // ASCII followed by a continuation
constexpr char kOverlong3 = 1 << 2;  // E0 followed by 80..9F
constexpr char kTooLarge = 1 << 3;   // F4 followed by 90..BF, or F5..FF
constexpr char kSurrogate = 1 << 4;  // ED followed by A0..BF
constexpr char kOverlong2 = 1 << 5;  // C0 or C1 as a lead
constexpr char kTooLarge1000 = 1 << 6;  // F5..FF followed by 80..8F
constexpr char kOverlong4 = 1 << 6;     // F0 followed by 80..8F
constexpr char kTwoConts = static_cast<char>(1 << 7);  // continuation after continuation (allowed only where a 3- or 4-byte sequence needs it)
constexpr char kCarry = kTooShort | kTooLong | kTwoConts;

FEEDD_AVX2 __m256i table(char a0, char a1, char a2, char a3, char a4, char a5, char a6, char a7, char a8, char a9,
                         char a10, char a11, char a12, char a13, char a14, char a15) {
  return _mm256_setr_epi8(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a0, a1, a2, a3, a4,
                          a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
}

FEEDD_AVX2 __m256i high_nibbles(__m256i bytes) {
  return _mm256_and_si256(_mm256_srli_epi16(bytes, 4), _mm256_set1_epi8(0x0F));
}

FEEDD_AVX2 __m256i low_nibbles(__m256i bytes) { return _mm256_and_si256(bytes, _mm256_set1_epi8(0x0F)); }

// The 32 bytes ending N bytes before the end of `input`, whose first N come
// from the end of `previous`.
template <int N>
FEEDD_AVX2 __m256i earlier(__m256i input, __m256i previous) {
  return _mm256_alignr_epi8(input, _mm256_permute2x128_si256(previous, input, 0x21), 16 - N);
}

FEEDD_AVX2 __m256i special_cases(__m256i input, __m256i previous1) {
  const __m256i byte1_high = _mm256_shuffle_epi8(
      table(kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,  // 0_______
            kTwoConts, kTwoConts, kTwoConts, kTwoConts,                                      // 10______
            kTooShort | kOverlong2,                                                          // 1100____
            kTooShort,                                                                       // 1101____
            kTooShort | kOverlong3 | kSurrogate,                                             // 1110____
            kTooShort | kTooLarge | kTooLarge1000 | kOverlong4),                             // 1111____
      high_nibbles(previous1));
  constexpr char kLarge = kCarry | kTooLarge | kTooLarge1000;
  const __m256i byte1_low = _mm256_shuffle_epi8(
      table(kCarry | kOverlong3 | kOverlong2 | kOverlong4,  // ____0000
            kCarry | kOverlong2,                            // ____0001
            kCarry, kCarry,                                 // ____001_
            kCarry | kTooLarge,                             // ____0100
            kLarge, kLarge, kLarge,                         // ____0101, ____011_
            kLarge, kLarge, kLarge, kLarge, kLarge,         // ____1000 .. ____1100
            kLarge | kSurrogate,                            // ____1101
            kLarge, kLarge),                                // ____111_
      low_nibbles(previous1));
  constexpr char kContinuation = kTooLong | kOverlong2 | kTwoConts;
  const __m256i byte2_high = _mm256_shuffle_epi8(
      table(kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,  // 0_______
            kContinuation | kOverlong3 | kTooLarge1000 | kOverlong4,                                 // 1000____
            kContinuation | kOverlong3 | kTooLarge,                                                  // 1001____
            kContinuation | kSurrogate | kTooLarge, kContinuation | kSurrogate | kTooLarge,          // 101_____
            kTooShort, kTooShort, kTooShort, kTooShort),                                             // 11______
      high_nibbles(input));
  return _mm256_and_si256(_mm256_and_si256(byte1_high, byte1_low), byte2_high);
}

// 0x80 where a byte must be a continuation because the byte two back leads a
// 3- or 4-byte sequence, or the byte three back leads a 4-byte one.
FEEDD_AVX2 __m256i must_continue(__m256i previous2, __m256i previous3) {
  const __m256i third = _mm256_subs_epu8(previous2, _mm256_set1_epi8(static_cast<char>(0xE0 - 1)));
  const __m256i fourth = _mm256_subs_epu8(previous3, _mm256_set1_epi8(static_cast<char>(0xF0 - 1)));
  const __m256i either = _mm256_cmpgt_epi8(_mm256_or_si256(third, fourth), _mm256_setzero_si256());
  return _mm256_and_si256(either, _mm256_set1_epi8(static_cast<char>(0x80)));
}

// One block of 32 bytes after `previous`: its errors or-ed into `error`.
FEEDD_AVX2 void check_block(__m256i input, __m256i& previous, __m256i& error) {
  const __m256i previous1 = earlier<1>(input, previous);
  const __m256i pairs = special_cases(input, previous1);
  const __m256i needed = must_continue(earlier<2>(input, previous), earlier<3>(input, previous));
  error = _mm256_or_si256(error, _mm256_xor_si256(needed, pairs));
  error = _mm256_or_si256(error, _mm256_cmpeq_epi8(input, _mm256_setzero_si256()));  // NUL
  previous = input;
}

}  // namespace

bool has_avx2() {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return avx2;
}

FEEDD_AVX2 bool is_valid_utf8_avx2(std::string_view text) {
  __m256i error = _mm256_setzero_si256();
  __m256i previous = _mm256_setzero_si256();
  const char* at = text.data();
  const char* const end = at + text.size();
  for (; end - at >= 32; at += 32) {
    check_block(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at)), previous, error);
    // Stop early on a document that is not UTF-8, every 1 KiB.
    if (((at - text.data()) & 1023) == 992 && !_mm256_testz_si256(error, error)) return false;
  }
  // The rest, padded with spaces: ASCII, so a sequence the text ends inside
  // is found cut short, and never NUL. Always one block, even when nothing
  // is left, for that reason.
  char last[32];
  std::memset(last, ' ', sizeof last);
  std::memcpy(last, at, static_cast<std::size_t>(end - at));
  check_block(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(last)), previous, error);
  return _mm256_testz_si256(error, error) != 0;
}

FEEDD_AVX2 bool holds_fffe_or_ffff_avx2(std::string_view text) {
  const __m256i ef = _mm256_set1_epi8(static_cast<char>(0xEF));
  const __m256i bf = _mm256_set1_epi8(static_cast<char>(0xBF));
  const __m256i be = _mm256_set1_epi8(static_cast<char>(0xBE));
  std::size_t i = 0;
  // Each step reads 34 bytes and judges the 32 sequences starting there.
  for (; text.size() - i >= 34; i += 32) {
    const __m256i first = _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + i)), ef);
    const __m256i second = _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + i + 1)), bf);
    const __m256i third = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + i + 2));
    const __m256i last = _mm256_or_si256(_mm256_cmpeq_epi8(third, bf), _mm256_cmpeq_epi8(third, be));
    if (!_mm256_testz_si256(_mm256_and_si256(first, second), last)) return true;
  }
  const std::string_view rest = text.substr(i);
  return rest.find("\xEF\xBF\xBE") != std::string_view::npos || rest.find("\xEF\xBF\xBF") != std::string_view::npos;
}

FEEDD_AVX2 std::size_t skip_bytes_other_than_avx2(std::string_view text, std::size_t from, std::string_view bytes) {
  __m256i wanted[8];
  const std::size_t count = bytes.size() < 8 ? bytes.size() : 8;
  for (std::size_t k = 0; k < count; ++k) wanted[k] = _mm256_set1_epi8(bytes[k]);
  std::size_t i = from;
  for (; text.size() - i >= 32; i += 32) {
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + i));
    __m256i found = _mm256_setzero_si256();
    for (std::size_t k = 0; k < count; ++k) found = _mm256_or_si256(found, _mm256_cmpeq_epi8(block, wanted[k]));
    const auto mask = static_cast<unsigned>(_mm256_movemask_epi8(found));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
  return i;
}

}  // namespace feedd::encoding::detail

#else  // not x86

namespace feedd::encoding::detail {

bool has_avx2() { return false; }

// Never called: every caller asks has_avx2() first.
bool is_valid_utf8_avx2(std::string_view) { std::abort(); }
bool holds_fffe_or_ffff_avx2(std::string_view) { std::abort(); }
std::size_t skip_bytes_other_than_avx2(std::string_view, std::size_t, std::string_view) { std::abort(); }

}  // namespace feedd::encoding::detail

#endif
