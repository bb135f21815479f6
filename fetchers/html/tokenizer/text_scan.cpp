#include "fetchers/html/tokenizer/text_scan.h"

#include "fetchers/text/utf8_simd.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace feedd::detail {
namespace {

bool ends_text(unsigned char c) { return c == '<' || c == '&' || c == 0x7F || (c < 0x20 && c != '\t' && c != '\n'); }

#if defined(__x86_64__) || defined(__i386__)
// Compiled for AVX2 whatever the build's target; called only on a CPU
// that has it.
__attribute__((target("avx2"))) std::size_t end_of_text_avx2(std::string_view text, std::size_t from) {
  const auto* const bytes = reinterpret_cast<const unsigned char*>(text.data());
  const __m256i lt = _mm256_set1_epi8('<');
  const __m256i amp = _mm256_set1_epi8('&');
  const __m256i del = _mm256_set1_epi8(0x7F);
  const __m256i tab = _mm256_set1_epi8('\t');
  const __m256i newline = _mm256_set1_epi8('\n');
  const __m256i highest_control = _mm256_set1_epi8(0x1F);
  std::size_t at = from;
  for (; at + 32 <= text.size(); at += 32) {
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + at));
    // Unsigned block <= 0x1F, less tab and newline.
    __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(block, highest_control), block);
    control = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpeq_epi8(block, tab), _mm256_cmpeq_epi8(block, newline)),
                                  control);
    const __m256i markup = _mm256_or_si256(_mm256_cmpeq_epi8(block, lt), _mm256_cmpeq_epi8(block, amp));
    const __m256i hit = _mm256_or_si256(_mm256_or_si256(markup, control), _mm256_cmpeq_epi8(block, del));
    const auto mask = static_cast<unsigned>(_mm256_movemask_epi8(hit));
    if (mask != 0) return at + static_cast<std::size_t>(__builtin_ctz(mask));
  }
  return end_of_text_bytewise(text, at);
}
#endif

}  // namespace

std::size_t end_of_text_bytewise(std::string_view text, std::size_t from) {
  for (std::size_t at = from; at < text.size(); ++at) {
    if (ends_text(static_cast<unsigned char>(text[at]))) return at;
  }
  return text.size();
}

std::size_t end_of_text(std::string_view text, std::size_t from) {
#if defined(__x86_64__) || defined(__i386__)
  if (text.size() - from >= 64 && encoding::detail::has_avx2()) return end_of_text_avx2(text, from);
#endif
  return end_of_text_bytewise(text, from);
}

}  // namespace feedd::detail
