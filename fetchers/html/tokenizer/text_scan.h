// Where a run of text ends for the tokenizer: the next '<' or '&', or a byte
// it refuses (a control character other than tab and newline, or DEL),
// found 32 bytes at a time with AVX2 where the CPU has it. Feed content is
// mostly long runs of Chinese prose between tags; looking at them a byte at
// a time was a fifth of `feedd parse`'s CPU.
#pragma once

#include <cstddef>
#include <string_view>

namespace feedd::detail {

// The first position at or after `from` holding '<', '&', a byte below
// 0x20 other than '\t' and '\n', or 0x7F; text.size() when there is none.
// REQUIRES: from <= text.size().
std::size_t end_of_text(std::string_view text, std::size_t from);

// The same, a byte at a time: the reference the AVX2 scan is tested against.
std::size_t end_of_text_bytewise(std::string_view text, std::size_t from);

}  // namespace feedd::detail
