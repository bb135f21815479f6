#include "fetchers/http/private_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace feedd {
namespace {

std::optional<std::string_view> ipv4_kind(const std::uint8_t* a) {
  if (a[0] == 127) return "loopback";
  if (a[0] == 0) return "unspecified";
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168)) return "private";
  if (a[0] == 169 && a[1] == 254) return "link-local";
  if (a[0] == 100 && (a[1] & 0xc0) == 64) return "CGNAT";
  return std::nullopt;
}

std::optional<std::string_view> ipv6_kind(const std::uint8_t* a) {
  constexpr std::array<std::uint8_t, 12> mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(mapped_prefix.begin(), mapped_prefix.end(), a)) return ipv4_kind(a + 12);
  const bool high_zero = std::all_of(a, a + 15, [](std::uint8_t b) { return b == 0; });
  if (high_zero && a[15] == 1) return "loopback";
  if (high_zero && a[15] == 0) return "unspecified";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "link-local";
  if ((a[0] & 0xfe) == 0xfc) return "unique-local";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return "site-local";  // deprecated, still private
  return std::nullopt;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "[::1]" and "::1" name the same host.
std::string_view unbracket(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

std::optional<std::string_view> private_address_kind(std::string_view ip) {
  const std::string text(unbracket(ip));
  std::uint8_t bytes[16] = {};
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return ipv4_kind(bytes);
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return ipv6_kind(bytes);
  return std::nullopt;
}

std::optional<std::string> AddressPolicy::refusal(std::string_view host, std::string_view ip) const {
  if (allow_private) return std::nullopt;
  if (!trusted_host.empty() && lower(unbracket(host)) == lower(unbracket(trusted_host))) return std::nullopt;
  const auto kind = private_address_kind(ip);
  if (!kind) return std::nullopt;
  return fmt::format("{} is at {}, a {} address, and only the configured host may be one "
                     "(allow_private = true allows it)",
                     unbracket(host), unbracket(ip), *kind);
}

}  // namespace feedd
