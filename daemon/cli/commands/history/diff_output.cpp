#include "daemon/cli/commands/history/diff_output.h"

#include <cstddef>
#include <string_view>

namespace feedd {
namespace {

// Unchanged text longer than this is cut to its ends: a one-word edit in a
// long article would otherwise scroll off the screen.
constexpr std::size_t kept_context = 120;

// The first `count` characters of `text`, not splitting a UTF-8 sequence.
std::string_view head(std::string_view text, std::size_t count) {
  if (text.size() <= count) return text;
  while (count > 0 && (static_cast<unsigned char>(text[count]) & 0xC0) == 0x80) --count;
  return text.substr(0, count);
}

std::string_view tail(std::string_view text, std::size_t count) {
  if (text.size() <= count) return text;
  std::size_t start = text.size() - count;
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  return text.substr(start);
}

std::string shortened(std::string_view same, bool first, bool last) {
  if (same.size() <= 2 * kept_context + 5) return std::string(same);
  if (first && last) return std::string(head(same, kept_context)) + " … " + std::string(tail(same, kept_context));
  if (first) return "… " + std::string(tail(same, kept_context));
  if (last) return std::string(head(same, kept_context)) + " …";
  return std::string(head(same, kept_context)) + " … " + std::string(tail(same, kept_context));
}

}  // namespace

std::string diff_for_people(const std::vector<DiffPiece>& pieces, bool colour) {
  std::string out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const DiffPiece& piece = pieces[i];
    switch (piece.op) {
      case DiffOp::same: out += shortened(piece.text, i == 0, i + 1 == pieces.size()); break;
      case DiffOp::removed:
        out += colour ? "\x1b[31m[-" + piece.text + "-]\x1b[0m" : "[-" + piece.text + "-]";
        break;
      case DiffOp::added:
        out += colour ? "\x1b[32m{+" + piece.text + "+}\x1b[0m" : "{+" + piece.text + "+}";
        break;
    }
  }
  return out;
}

nlohmann::json diff_as_json(const std::vector<DiffPiece>& pieces) {
  auto array = nlohmann::json::array();
  for (const auto& piece : pieces) {
    const char* op = piece.op == DiffOp::same ? "same" : piece.op == DiffOp::removed ? "removed" : "added";
    array.push_back({{"op", op}, {"text", piece.text}});
  }
  return array;
}

}  // namespace feedd
