#include "store/postings/grams.h"

namespace feedd::postings {

GramKey gram_key(std::string_view gram) {
  GramKey key = 0;
  std::size_t bytes = 0;
  for_each_gram(gram, [&](GramKey k) {
    // The widest gram of the text is the key of a one- or two-character gram.
    const std::size_t size = 8 - static_cast<std::size_t>(__builtin_ctzll(k) / 8);
    if (size > bytes) {
      bytes = size;
      key = k;
    }
  });
  return key;
}

std::string gram_text(GramKey key) {
  std::string text;
  for (int shift = 56; shift >= 0 && ((key >> shift) & 0xFF) != 0; shift -= 8) {
    text += static_cast<char>((key >> shift) & 0xFF);
  }
  return text;
}

}  // namespace feedd::postings
