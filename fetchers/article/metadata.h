// Title, byline and publication date of a page, from what publishers put
// there for search engines and social networks (Open Graph, article:*,
// JSON-LD, <time>) before what a reader sees. Internal to feedd_article.
#pragma once

#include <libxml/tree.h>

#include <string>

namespace feedd::article::detail {

struct PageMetadata {
  std::string title;
  std::string byline;
  std::string published;  // RFC 3339 UTC when readable, else as written
};

// REQUIRES: `root` is the page's <html> element, scripts still in place.
PageMetadata read_metadata(xmlNode* root);

}  // namespace feedd::article::detail
