// A word-level diff of two texts, for `feedd history --diff`. Text is cut
// into tokens: a run of letters and digits is a word, a run of white space
// is one token, and every other character is a token of its own, so Chinese,
// Japanese and Korean (written without spaces) are compared character by
// character, as is punctuation. The pieces come from Myers' shortest edit
// script over the tokens, so the diff shows as little change as there was.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace feedd {

// The tokens of `text` (UTF-8; an invalid byte is a token of its own). Joined
// they give `text` back.
std::vector<std::string_view> diff_tokens(std::string_view text);

enum class DiffOp { same, removed, added };

struct DiffPiece {
  DiffOp op;
  std::string text;
  bool operator==(const DiffPiece&) const = default;
};

// Past this many differing tokens between the common start and end, the
// texts are taken as rewritten: the middle is one piece removed and one
// added (the exact script would cost memory quadratic in the change).
inline constexpr std::size_t max_diff_edits = 2000;

// `before` turned into `after`: pieces in order, neighbours never of the
// same op. The removed and same pieces joined give `before`; the added and
// same pieces give `after`.
std::vector<DiffPiece> word_diff(std::string_view before, std::string_view after);

}  // namespace feedd
