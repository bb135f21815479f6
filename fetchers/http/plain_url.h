// The shortcut url::resolve takes for the links most feed HTML carries: an
// absolute http(s) URL already in the form curl would give back, which needs
// no base and no parse. Anything else is left to curl.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::url::detail {

// `reference` (already trimmed) as url::resolve would give it, when it is a
// plain absolute URL: scheme `http` or `https` in lower case, a host of
// ASCII letters, digits, dots and hyphens starting with a letter (so never
// an IPv4 address curl would rewrite), no user, no port, a path without dot
// segments, query and fragment of printable ASCII that curl leaves as they
// are. nullopt for everything else, which curl resolves.
std::optional<std::string> plain_absolute(std::string_view reference);

}  // namespace feedd::url::detail
