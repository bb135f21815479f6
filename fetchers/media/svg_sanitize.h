// An SVG image made inert before it is kept: a browser runs script in an SVG
// opened on its own, and fetches what it references. Cut: script,
// foreignObject, style, handler and the like with their content; processing
// instructions (xml-stylesheet); every on* attribute; every href or url()
// that is not a fragment (#id); javascript: anywhere; animations that set an
// href. A document with entity declarations (entity expansion bombs) or
// whose root is not <svg> is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::media {

// The sanitised document, serialised again; nullopt when refused.
std::optional<std::string> sanitize_svg(std::string_view bytes);

}  // namespace feedd::media
