#include "config/duration.h"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace feedd::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t scale;
};

// Largest first: a duration must name its units in this order, each once, so
// "1m1m" or "30m1h" are rejected as the typos they most likely are.
constexpr std::array<Unit, 5> duration_units{{
    {"d", 24 * 3600 * 1000},
    {"h", 3600 * 1000},
    {"m", 60 * 1000},
    {"s", 1000},
    {"ms", 1},
}};

// Only the unambiguous spellings: "KB" means 1000 to some and 1024 to others.
constexpr std::array<Unit, 9> size_units{{
    {"B", 1},
    {"kB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", 1000ull * 1000 * 1000 * 1000},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits a leading run of decimal digits off `text`. nullopt when there is no
// digit or the number does not fit.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{}) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

std::string_view take_suffix(std::string_view& text) {
  std::size_t length = 0;
  while (length < text.size() && !is_digit(text[length])) ++length;
  std::string_view suffix = text.substr(0, length);
  text.remove_prefix(length);
  return suffix;
}

// value * scale, or nullopt when the product exceeds `limit`.
std::optional<std::uint64_t> scaled(std::uint64_t value, std::uint64_t scale, std::uint64_t limit) {
  if (value > limit / scale) return std::nullopt;
  return value * scale;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  constexpr auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  std::size_t next_unit = 0;
  while (!text.empty()) {
    auto number = take_number(text);
    if (!number) return std::nullopt;
    std::string_view suffix = take_suffix(text);
    std::size_t unit = next_unit;
    while (unit < duration_units.size() && duration_units[unit].suffix != suffix) ++unit;
    if (unit == duration_units.size()) return std::nullopt;
    auto term = scaled(*number, duration_units[unit].scale, limit);
    if (!term || *term > limit - total) return std::nullopt;
    total += *term;
    next_unit = unit + 1;
  }
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(total)};
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto number = take_number(text);
  if (!number) return std::nullopt;
  if (text.empty()) return number;
  for (const Unit& unit : size_units) {
    if (unit.suffix == text) return scaled(*number, unit.scale, std::numeric_limits<std::uint64_t>::max());
  }
  return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds value) {
  const auto ms = value.count();
  for (const auto& [unit, size] : {std::pair{"d", 86'400'000LL}, {"h", 3'600'000LL}, {"m", 60'000LL}, {"s", 1'000LL}}) {
    if (ms != 0 && ms % size == 0) return fmt::format("{}{}", ms / size, unit);
  }
  return fmt::format("{}ms", ms);
}

}  // namespace feedd::config
