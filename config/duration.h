// The value syntaxes the config uses for time spans and sizes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace feedd::config {

// "90s", "15m", "2h", "1d", "500ms" and sums such as "1h30m". Whitespace is not
// allowed inside. nullopt for anything else, including a zero-length string
// and values that overflow.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "16MiB", "512KiB", "1GiB", "1000000" (bytes), "10MB" (decimal). nullopt
// when malformed or overflowing.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace feedd::config
