// The XML formats (RSS 0.9x/2.0, RSS 1.0/0.90 RDF, Atom 1.0/0.3, CDF) read
// from a pugixml tree. Internal to feedd_fetchers; parse_feed is the way in.
#pragma once

#include <pugixml.hpp>

#include "fetchers/feed/feed.h"
#include "fetchers/feed/feed_parser.h"

namespace feedd::detail {

// The feed whose root element is `root`. Throws FeedParseError when the
// root is no feed format feedd knows. With options.keep_raw, each entry's
// element is modified in place (namespace declarations and xml:base are
// copied onto it) so that it can be serialised on its own.
Feed read_xml_feed(pugi::xml_node root, const FeedParseOptions& options);

// One item or entry written by FeedEntry::raw, read back. Throws
// FeedParseError when `element` is neither.
FeedEntry read_xml_entry(pugi::xml_node element, const FeedParseOptions& options);

}  // namespace feedd::detail
