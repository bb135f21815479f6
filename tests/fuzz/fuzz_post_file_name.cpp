// post_file_name on any title, suffix and date dates::parse can give: one
// path component, at most 255 bytes, no NUL, no control characters, valid
// UTF-8, never hidden (leading '.') and always "YYYY-MM-DD-....md".
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "store/post_file_name.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The instants dates::parse yields: years 0000 to 9999 (and the fetch time).
constexpr std::int64_t first_ms = -62167219200000;  // 0000-01-01T00:00:00Z
constexpr std::int64_t end_ms = 253402300800000;    // 10000-01-01T00:00:00Z

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 8 bytes of date, then "title\0suffix" (no NUL: no suffix).
  if (size < 8) return 0;
  std::uint64_t raw = 0;
  std::memcpy(&raw, data, sizeof raw);
  const std::int64_t date_ms = first_ms + static_cast<std::int64_t>(raw % static_cast<std::uint64_t>(end_ms - first_ms));
  const std::string_view rest(reinterpret_cast<const char*>(data) + 8, size - 8);
  const auto nul = rest.find('\0');
  const std::string_view title = rest.substr(0, nul);
  const std::string_view suffix = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);

  const std::string name = feedd::post_file_name(date_ms, title, suffix);
  FUZZ_CHECK(!name.empty() && name.size() <= 255, "at most 255 bytes");
  FUZZ_CHECK(name.find('/') == std::string::npos, "a single path component");
  FUZZ_CHECK(name.find('\0') == std::string::npos, "no NUL");
  FUZZ_CHECK(name != "." && name != ".." && name.front() != '.', "not hidden, not a folder");
  FUZZ_CHECK(name.size() > 14 && name.ends_with(".md") && name[4] == '-' && name[7] == '-' && name[10] == '-',
             "YYYY-MM-DD-<stem>.md");
  for (const char c : name) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "no control character");
  FUZZ_CHECK(feedd::fuzz::is_utf8(name), "valid UTF-8");

  const std::string slug = feedd::post_slug(title);
  FUZZ_CHECK(feedd::fuzz::is_utf8(slug) && slug.find('/') == std::string::npos && !slug.starts_with('.'),
             "the slug is safe on its own");
  return 0;
}
