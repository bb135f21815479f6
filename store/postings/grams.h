// The grams of a text, as the search index keys them: every character and
// every pair of adjacent characters within a run of non-spaces, ASCII
// letters folded to lower case (store/search_tokenizer.h has the same
// rule for FTS5). A gram is at most 8 bytes of UTF-8, packed big-endian into
// a 64-bit key and padded with zero bytes, so comparing keys compares the
// grams' bytes; a NUL byte counts as a space, so no gram holds one and the
// padding is never ambiguous.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace feedd::postings {

using GramKey = std::uint64_t;

// The key of one gram of one or two characters (already folded or not:
// this folds it).
GramKey gram_key(std::string_view gram);
// The gram's bytes back from its key.
std::string gram_text(GramKey key);

// Calls `emit(key)` for each character and each bigram of `text`, in order
// of position; repeats included (callers keep each once).
template <typename Emit>
void for_each_gram(std::string_view text, Emit&& emit);

// Bytes of the UTF-8 character starting at `text[at]`; a byte at a time where
// the text is not valid UTF-8 (stored text is; anything else is not refused).
// The grams here and store/search_tokenizer's both step with it.
inline std::size_t char_size(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t size = 1;
  if (lead >= 0xF0) {
    size = 4;
  } else if (lead >= 0xE0) {
    size = 3;
  } else if (lead >= 0xC0) {
    size = 2;
  }
  return at + size <= text.size() ? size : 1;
}

// ---- implementation ----
namespace detail {
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0';
}
// The character at `text[at]` (`size` bytes), folded, packed into the low
// bytes of a key.
inline GramKey char_bits(std::string_view text, std::size_t at, std::size_t size) {
  GramKey bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    auto c = static_cast<unsigned char>(text[at + i]);
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    bits = bits << 8 | c;
  }
  return bits;
}
}  // namespace detail

template <typename Emit>
void for_each_gram(std::string_view text, Emit&& emit) {
  GramKey previous = 0;  // the previous character's bits, 0 at a run's start
  std::size_t previous_size = 0;
  for (std::size_t at = 0; at < text.size();) {
    if (detail::is_space(text[at])) {
      previous = 0;
      ++at;
      continue;
    }
    const std::size_t size = char_size(text, at);
    const GramKey bits = detail::char_bits(text, at, size);
    if (previous != 0) {
      // previous then this character, left-aligned in 8 bytes.
      const std::size_t bytes = previous_size + size;
      emit(((previous << (8 * size)) | bits) << (8 * (8 - bytes)));
    }
    emit(bits << (8 * (8 - size)));
    previous = bits;
    previous_size = size;
    at += size;
  }
}

}  // namespace feedd::postings
