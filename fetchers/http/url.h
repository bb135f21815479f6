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
// Surrounding whitespace of `reference` is ignored. Spaces and non-ASCII bytes
// in path, query and fragment come back percent-encoded (a space in the query
// as '+'); an internationalised host stays as written. Links without a host
// (mailto:, javascript:) give nullopt.
std::optional<std::string> resolve(std::string_view base, std::string_view reference);

// resolve() without its shortcut for plain absolute references
// (plain_url.h): every reference through curl. The reference the shortcut
// is proven against (url_test, fuzz_url).
std::optional<std::string> resolve_by_curl(std::string_view base, std::string_view reference);

// `uri` with each percent-encoded UTF-8 sequence of non-ASCII characters
// written as the characters (RFC 3987 section 3.2: the IRI of a URI). The
// same URL, as its author wrote it when the author wrote an IRI; escapes of
// ASCII and bytes that are not UTF-8 stay escaped.
std::string iri_of(std::string_view uri);

// True for an absolute URL with a scheme and host (http, https, ...), and for
// file:// URLs, whose host is empty by definition.
bool is_absolute(std::string_view text);

// The identity form of an absolute URL: scheme and host lower-cased, default
// port and fragment dropped, tracking parameters (utm_*, fbclid, gclid, spm,
// ...) removed, everything else kept in order. nullopt when not a URL.
std::optional<std::string> canonical(std::string_view absolute_url);

// The host part, lower-cased ("" for file:// or an unparsable URL); used to
// group transfers per host.
std::string host_of(std::string_view absolute_url);

}  // namespace feedd::url
