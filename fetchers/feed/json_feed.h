// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1). Internal to
// feedd_fetchers; parse_feed is the way in.
#pragma once

#include <string_view>

#include "fetchers/feed/feed.h"
#include "fetchers/feed/feed_parser.h"

namespace feedd::detail {

// True when the first character that is not white space opens a JSON
// object: the document is JSON, not XML, whatever it claims to be.
bool looks_like_json(std::string_view utf8);

// REQUIRES: `utf8` is valid UTF-8. Throws FeedParseError for JSON that is
// broken, nested deeper than 256 levels, or not a JSON Feed. JSON Feed's
// plain-text fields (title, summary, content_text) come back escaped as
// HTML, like the XML formats' text constructs.
Feed read_json_feed(std::string_view utf8, const FeedParseOptions& options);

// One item object written by FeedEntry::raw, read back.
FeedEntry read_json_entry(std::string_view utf8, const FeedParseOptions& options);

}  // namespace feedd::detail
