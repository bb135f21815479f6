// A web page that lists articles, read as a feed: each element the `item`
// selector matches is an entry whose link, title, date and summary are found
// inside it by the other selectors (css_selector.h's syntax). The result is
// the Feed the feed parser gives, so identity, dedup, posts and search treat
// the items as feed items.
#pragma once

#include <string>
#include <string_view>

#include "fetchers/feed/feed.h"

namespace feedd::listing {

struct ListingSelectors {
  std::string item;         // required
  std::string link;         // required: its href (or its first <a href>'s) is the entry's page
  std::string title;        // empty: the link's text
  std::string date;         // empty: no date; the datetime attribute, else the text
  std::string date_format;  // strptime-style; empty: the feed date reader's formats
  std::string summary;      // empty: no summary; the element's HTML
};

struct ListingOptions {
  ListingSelectors selectors;
  std::string base_url;          // the page's address: links resolve against it
  std::string content_type;      // the HTTP Content-Type (its charset), may be empty
  std::string default_timezone = "UTC";  // for dates without a zone
};

// Items without a usable link are skipped. Throws std::invalid_argument for
// a bad selector (config checks catch those first). Thread-safe.
Feed parse_listing(std::string_view page, const ListingOptions& options);

}  // namespace feedd::listing
