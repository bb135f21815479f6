// UTF-8 validation 32 bytes at a time with AVX2, for is_valid_utf8 on the
// long texts feeds are made of (documents, HTML fields). The algorithm is
// Keiser and Lemire's "Validating UTF-8 in less than one instruction per
// byte" (2021): three table lookups on the nibbles of each byte and the byte
// before it find every ill-formed pair, and the bytes two and three back say
// where a continuation byte must be.
#pragma once

#include <string_view>

namespace feedd::encoding::detail {

// True when the CPU runs AVX2 (checked once).
bool has_avx2();

// The same answer as is_valid_utf8's byte-wise check: well-formed UTF-8
// without NUL. REQUIRES: has_avx2().
bool is_valid_utf8_avx2(std::string_view text);

// Whether `text` holds EF BF BE or EF BF BF (U+FFFE, U+FFFF, the
// noncharacters XML readers refuse), 32 positions at a time. REQUIRES:
// has_avx2().
bool holds_fffe_or_ffff_avx2(std::string_view text);

// The first position at or after `from` where `text` holds one of `bytes`
// (at most 8 of them), looking 32 bytes at a time: either that byte's
// position, or where fewer than 32 bytes are left when no block before held
// one. For scanners that stop only at a few ASCII bytes (escapes) in long
// runs of text. REQUIRES: has_avx2(), from <= text.size().
std::size_t skip_bytes_other_than_avx2(std::string_view text, std::size_t from, std::string_view bytes);

}  // namespace feedd::encoding::detail
