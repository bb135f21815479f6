// URLs: made absolute, and reduced to the canonical form feedd uses as an
// entry's identity. Built on libcurl's URL API so feedd parses URLs the same
// way it fetches them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::url {

// `reference` resolved against `base` (RFC 3986). An absolute reference is
// returned normalised; nullopt when neither yields a valid absolute URL.
std::optional<std::string> resolve(std::string_view base, std::string_view reference);

// True for an absolute URL with a scheme and host (http, https, ...).
bool is_absolute(std::string_view text);

// The identity form of an absolute URL: scheme and host lower-cased, default
// port and fragment dropped, tracking parameters (utm_*, fbclid, gclid, spm,
// ...) removed, everything else kept in order. nullopt when not a URL.
std::optional<std::string> canonical(std::string_view absolute_url);

// The host part, lower-cased ("" for file:// or an unparsable URL); used to
// group transfers per host.
std::string host_of(std::string_view absolute_url);

}  // namespace feedd::url
