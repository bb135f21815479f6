#include "store/versions/word_diff.h"

#include <algorithm>
#include <cstdint>

namespace feedd {
namespace {

// The code point at `at` and its length in bytes; an invalid sequence is
// one byte read as U+FFFD.
std::pair<char32_t, std::size_t> code_point_at(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || at + length > text.size()) return {U'\uFFFD', 1};
  char32_t c = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) return {U'\uFFFD', 1};
    c = (c << 6) | (next & 0x3F);
  }
  return {c, length};
}

// Scripts written without spaces between words, and their punctuation and
// full-width forms: each character is a token.
bool is_cjk(char32_t c) {
  return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xA960 && c <= 0xA97F) ||
         (c >= 0xAC00 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x3FFFF);
}

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0; }

enum class Kind { word, space, single };

Kind kind_of(char32_t c) {
  if (is_space(c)) return Kind::space;
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? Kind::word : Kind::single;
  if (c == U'\uFFFD' || is_cjk(c)) return Kind::single;
  return Kind::word;  // letters of alphabetic scripts: Latin with accents, Cyrillic, ...
}

using Tokens = std::vector<std::string_view>;

void add_piece(std::vector<DiffPiece>& pieces, DiffOp op, std::string_view text) {
  if (text.empty()) return;
  if (!pieces.empty() && pieces.back().op == op) {
    pieces.back().text += text;
  } else {
    pieces.push_back(DiffPiece{op, std::string(text)});
  }
}

// Myers' greedy search for the shortest edit script between a and b,
// keeping each round's frontier for the walk back. Returns false when the
// script is longer than max_diff_edits.
struct Frontiers {
  std::vector<std::vector<std::int64_t>> rounds;  // round d: x on diagonals -d-1 .. d+1
  static std::int64_t at(const std::vector<std::int64_t>& round, std::int64_t d, std::int64_t k) { return round[static_cast<std::size_t>(k + d + 1)]; }
};

bool shortest_edit(const Tokens& a, const Tokens& b, Frontiers& frontiers) {
  const auto n = static_cast<std::int64_t>(a.size());
  const auto m = static_cast<std::int64_t>(b.size());
  const std::int64_t limit = std::min<std::int64_t>(n + m, static_cast<std::int64_t>(max_diff_edits));
  std::vector<std::int64_t> v(static_cast<std::size_t>(2 * limit + 3), 0);
  const std::int64_t offset = limit + 1;
  const auto x_on = [&](std::int64_t k) -> std::int64_t& { return v[static_cast<std::size_t>(k + offset)]; };
  for (std::int64_t d = 0; d <= limit; ++d) {
    frontiers.rounds.emplace_back(v.begin() + (offset - d - 1), v.begin() + (offset + d + 2));
    for (std::int64_t k = -d; k <= d; k += 2) {
      std::int64_t x = (k == -d || (k != d && x_on(k - 1) < x_on(k + 1))) ? x_on(k + 1) : x_on(k - 1) + 1;
      std::int64_t y = x - k;
      while (x < n && y < m && a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]) ++x, ++y;
      x_on(k) = x;
      if (x >= n && y >= m) return true;
    }
  }
  return false;
}

// The script walked back from the end, then put in order.
std::vector<DiffPiece> pieces_of(const Tokens& a, const Tokens& b, const Frontiers& frontiers) {
  struct Step {
    DiffOp op;
    std::string_view token;
  };
  std::vector<Step> steps;
  auto x = static_cast<std::int64_t>(a.size());
  auto y = static_cast<std::int64_t>(b.size());
  for (auto d = static_cast<std::int64_t>(frontiers.rounds.size()) - 1; d >= 0; --d) {
    const auto& round = frontiers.rounds[static_cast<std::size_t>(d)];
    const std::int64_t k = x - y;
    const bool down = k == -d || (k != d && Frontiers::at(round, d, k - 1) < Frontiers::at(round, d, k + 1));
    const std::int64_t previous_k = down ? k + 1 : k - 1;
    const std::int64_t previous_x = d == 0 ? 0 : Frontiers::at(round, d, previous_k);
    const std::int64_t previous_y = d == 0 ? 0 : previous_x - previous_k;
    while (x > previous_x && y > previous_y) {
      steps.push_back({DiffOp::same, a[static_cast<std::size_t>(--x)]});
      --y;
    }
    if (d == 0) break;
    if (down) {
      steps.push_back({DiffOp::added, b[static_cast<std::size_t>(previous_y)]});
    } else {
      steps.push_back({DiffOp::removed, a[static_cast<std::size_t>(previous_x)]});
    }
    x = previous_x;
    y = previous_y;
  }
  std::vector<DiffPiece> pieces;
  for (auto step = steps.rbegin(); step != steps.rend(); ++step) add_piece(pieces, step->op, step->token);
  return pieces;
}

std::string joined(Tokens::const_iterator from, Tokens::const_iterator to) {
  std::string text;
  for (auto token = from; token != to; ++token) text += *token;
  return text;
}

}  // namespace

std::vector<std::string_view> diff_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  Kind current = Kind::single;
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, length] = code_point_at(text, at);
    const Kind kind = kind_of(c);
    if (at > start && (kind == Kind::single || kind != current)) {
      tokens.push_back(text.substr(start, at - start));
      start = at;
    }
    current = kind;
    at += length;
    if (kind == Kind::single) {
      tokens.push_back(text.substr(start, at - start));
      start = at;
    }
  }
  if (start < text.size()) tokens.push_back(text.substr(start));
  return tokens;
}

std::vector<DiffPiece> word_diff(std::string_view before, std::string_view after) {
  const Tokens a_all = diff_tokens(before);
  const Tokens b_all = diff_tokens(after);
  // The common start and end cost nothing to find and keep the search to
  // what changed.
  const auto [a_mid, b_mid] = std::mismatch(a_all.begin(), a_all.end(), b_all.begin(), b_all.end());
  const auto [a_end, b_end] = std::mismatch(a_all.rbegin(), std::make_reverse_iterator(a_mid), b_all.rbegin(),
                                            std::make_reverse_iterator(b_mid));
  const Tokens a(a_mid, a_end.base());
  const Tokens b(b_mid, b_end.base());

  std::vector<DiffPiece> pieces;
  add_piece(pieces, DiffOp::same, joined(a_all.begin(), a_mid));
  Frontiers frontiers;
  if (shortest_edit(a, b, frontiers)) {
    for (auto& piece : pieces_of(a, b, frontiers)) add_piece(pieces, piece.op, piece.text);
  } else {
    add_piece(pieces, DiffOp::removed, joined(a.begin(), a.end()));
    add_piece(pieces, DiffOp::added, joined(b.begin(), b.end()));
  }
  add_piece(pieces, DiffOp::same, joined(a_end.base(), a_all.end()));
  return pieces;
}

}  // namespace feedd
