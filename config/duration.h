// The value syntaxes the config uses for time spans and sizes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::config {

// "90s", "15m", "2h", "1d", "500ms" and sums such as "1h30m". Units come
// largest first (d, h, m, s, ms), each at most once; whitespace is not allowed
// inside. "0s" parses as zero: whether zero is acceptable is the caller's call.
// nullopt for anything else, including a zero-length string and values that
// overflow.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// `value` in the largest unit that states it exactly, as a person would
// write it ("15m", "1d", "1500ms"); parse_duration reads it back.
std::string format_duration(std::chrono::milliseconds value);

// "16MiB", "512KiB", "1GiB", "1000000" (bytes), "10MB" (decimal). Units: B,
// kB, MB, GB, TB, KiB, MiB, GiB, TiB; "KB" is refused as ambiguous. nullopt
// when malformed or overflowing.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace feedd::config
