// dates::parse on any text, in zones with and without daylight saving: an
// instant RFC 3339 can write (years 0000-9999) or nothing, never a crash or
// undefined behaviour; and what format_rfc3339 writes parses back to the
// same instant, both ways.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fetchers/feed/dates.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view zones[] = {"UTC", "Asia/Shanghai", "America/New_York", "Australia/Lord_Howe",
                                               "No/Such_Zone"};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = feedd::dates::parse(text, zones[size % std::size(zones)]);
  if (!parsed) return 0;
  const std::string written = feedd::dates::format_rfc3339(*parsed);
  FUZZ_CHECK(feedd::dates::parse_rfc3339(written) == parsed, "format_rfc3339 output reads back strictly");
  FUZZ_CHECK(feedd::dates::parse(written) == parsed, "format_rfc3339 output reads back leniently");
  return 0;
}
