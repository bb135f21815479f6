// is_valid_utf8's AVX2 check (utf8_simd.h) gives the byte-wise check's
// answer: every pair of bytes and every three-byte sequence of edge bytes,
// at each position across a block boundary, inside ASCII and inside Chinese
// text, and random damage to Chinese text.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>

#include "fetchers/text/encoding.h"
#include "fetchers/text/utf8_simd.h"

namespace encoding = feedd::encoding;

namespace {

// A mix of ASCII and three-byte characters long enough for several blocks.
std::string chinese_text(std::size_t size) {
  std::string text;
  const std::string pieces[] = {"中", "文", "，", "a", "<p>", " ", "é", "😀"};
  for (std::size_t i = 0; text.size() < size; ++i) text += pieces[(i * 7 + i / 3) % 8];
  text.resize(size);
  while (!encoding::is_valid_utf8_bytewise(text)) text.pop_back();
  return text;
}

bool same_answer(std::string_view text) {
  return encoding::detail::is_valid_utf8_avx2(text) == encoding::is_valid_utf8_bytewise(text);
}

const unsigned char kEdges[] = {0x00, 0x20, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
                                0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};

}  // namespace

TEST_CASE("The AVX2 UTF-8 check agrees with the byte-wise one") {
  if (!encoding::detail::has_avx2()) {
    MESSAGE("no AVX2 on this CPU: the byte-wise check is used");
    return;
  }
  const std::string ascii(100, 'a');
  const std::string chinese = chinese_text(100);
  std::size_t compared = 0;
  std::size_t failed = 0;
  const auto compare = [&](const std::string& text) {
    ++compared;
    if (!same_answer(text)) {
      if (++failed <= 5) {
        std::string hex;
        for (const unsigned char c : text) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
        CAPTURE(hex);
        FAIL_CHECK("different answers");
      }
    }
  };
  SUBCASE("every pair of bytes and edge triples and quadruples across a block boundary") {
    for (const std::string* around : {&ascii, &chinese}) {
      for (const std::size_t at : {0, 29, 30, 31, 32, 62, 63, 64, 97, 98, 99}) {
        for (int a = 0; a < 256; ++a) {
          for (int b = 0; b < 256; ++b) {
            std::string text = *around;
            text.insert(at, {static_cast<char>(a), static_cast<char>(b)});
            compare(text);
          }
        }
        for (const unsigned char a : kEdges) {
          for (const unsigned char b : kEdges) {
            for (const unsigned char c : kEdges) {
              for (const unsigned char d : kEdges) {
                std::string text = *around;
                text.insert(at, {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
                compare(text);
                compare(text.substr(0, at + 3));  // ends inside
              }
            }
          }
        }
      }
    }
  }
  SUBCASE("random damage to Chinese text of every length") {
    std::mt19937 random(17);
    for (int round = 0; round < 200000; ++round) {
      std::string text = chinese_text(64 + random() % 300);
      const int damage = static_cast<int>(random() % 3);
      for (int i = 0; i < damage; ++i) text[random() % text.size()] = static_cast<char>(random());
      if (random() % 4 == 0) text.resize(text.size() - random() % 4);
      compare(text);
    }
  }
  MESSAGE(compared << " texts compared");
  CHECK(failed == 0);
}

TEST_CASE("is_valid_utf8 answers as before on long texts") {
  CHECK(encoding::is_valid_utf8(chinese_text(1000)));
  std::string with_nul = chinese_text(1000);
  with_nul[500] = '\0';
  CHECK_FALSE(encoding::is_valid_utf8(with_nul));
  std::string cut = chinese_text(1000);
  cut += "\xE4\xB8";
  CHECK_FALSE(encoding::is_valid_utf8(cut));
  std::string surrogate = chinese_text(1000);
  surrogate.insert(700, "\xED\xA0\x80");
  CHECK_FALSE(encoding::is_valid_utf8(surrogate));
}

TEST_CASE("The AVX2 search for U+FFFE and U+FFFF finds them at every position and nothing else") {
  if (!encoding::detail::has_avx2()) return;
  const auto by_find = [](std::string_view text) {
    return text.find("\xEF\xBF\xBE") != std::string_view::npos || text.find("\xEF\xBF\xBF") != std::string_view::npos;
  };
  const std::string base = chinese_text(130) + "\xEF\xBC\x8C\xEF\xBF\xBD";  // fullwidth comma, U+FFFD
  std::size_t compared = 0;
  std::size_t failed = 0;
  for (const std::string_view needle : {"\xEF\xBF\xBE", "\xEF\xBF\xBF", "\xEF\xBF\xBD", "\xEF\xBE\xBF", "\xEF\xBF"}) {
    for (std::size_t at = 0; at <= base.size(); ++at) {
      for (const std::size_t length : {base.size() + needle.size(), at + needle.size(), at + 2, at + 1}) {
        std::string text = base;
        text.insert(at, needle);
        text.resize(std::min(length, text.size()));
        ++compared;
        if (encoding::detail::holds_fffe_or_ffff_avx2(text) != by_find(text)) ++failed;
        if (encoding::holds_fffe_or_ffff(text) != by_find(text)) ++failed;
      }
    }
  }
  MESSAGE(compared << " texts compared");
  CHECK(failed == 0);
  CHECK_FALSE(encoding::holds_fffe_or_ffff(base));
}

TEST_CASE("The AVX2 skip stops at the first wanted byte or where less than a block is left") {
  if (!encoding::detail::has_avx2()) return;
  const std::string base = chinese_text(200);
  std::size_t failed = 0;
  std::size_t compared = 0;
  for (const std::string_view stops : {std::string_view("&<>\xC2"), std::string_view("&<>\"\xC2")}) {
    for (std::size_t at = 0; at < base.size(); ++at) {
      for (const char byte : {'&', '<', '>', '"', '\xC2', 'a'}) {
        std::string text = base;
        text.insert(at, 1, byte);
        for (const std::size_t from : {std::size_t{0}, std::size_t{1}, at, at + 1}) {
          if (from > text.size()) continue;
          ++compared;
          const std::size_t got = encoding::detail::skip_bytes_other_than_avx2(text, from, stops);
          const std::size_t first = std::min(text.find_first_of(stops, from), text.size());
          // Either the first wanted byte, or the start of a tail of less than
          // 32 bytes with no wanted byte before it.
          const bool right = got == first || (got < first && got >= from && text.size() - got < 32 &&
                                              (got - from) % 32 == 0);
          if (!right) ++failed;
        }
      }
    }
  }
  MESSAGE(compared << " skips compared");
  CHECK(failed == 0);
}
