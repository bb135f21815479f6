// Dates as feeds write them, read into Unix milliseconds; and the two forms
// feedd writes dates in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fetchers/feed/feed.h"

namespace feedd::dates {

// RFC 822/1123 (and their common breakages), RFC 3339 / ISO 8601 / W3DTF,
// asctime. A time without a zone, and the ambiguous "CST", are read in
// `default_timezone` (IANA name; unknown names fall back to UTC).
// An impossible date (31 Feb, hour 25) is nullopt, never a guess.
// Thread-safe.
std::optional<UnixMillis> parse(std::string_view text, std::string_view default_timezone = "UTC");

// "2021-04-17T02:56:40Z", with ".156" only when the fraction is non-zero.
std::string format_rfc3339(UnixMillis t);

// Parses an RFC 3339 instant such as the output of format_rfc3339 (strictly:
// no other shapes); used for --now.
std::optional<UnixMillis> parse_rfc3339(std::string_view text);

}  // namespace feedd::dates
