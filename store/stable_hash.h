// A hash whose value never changes between builds, machines or library
// versions (std::hash promises none of that): it ends up in file names and
// identities stored for years.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace feedd {

// 64-bit FNV-1a as lower-case hex, `digits` long (1..16).
inline std::string stable_hash_hex(std::string_view text, int digits = 16) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", hash).substr(0, static_cast<std::size_t>(digits));
}

}  // namespace feedd
