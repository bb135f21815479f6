// The second try for XML that pugixml rejects: libxml2's recover mode.
// Internal to feedd_fetchers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::detail {

// `utf8` (REQUIRES: valid UTF-8) read by libxml2 in recover mode and written
// back as well-formed XML, or nullopt when even that finds no root element.
// Nothing is fetched (no DTD, no external entity), entities declared in the
// document are never expanded (they stay references, or go), nesting beyond
// libxml2's default limit of 256 levels is cut off, and nothing is printed.
// Thread-safe.
std::optional<std::string> recover_xml(std::string_view utf8);

}  // namespace feedd::detail
