// One fetched page judged for a full_text source: its article (extracted,
// sanitised with the source's rules, links absolute) replaces the feed's
// content only when the page answered and gave more text than the feed.
#pragma once

#include <string>

#include "config/config.h"
#include "fetchers/http/http_client.h"

namespace feedd::full_text {

struct PageVerdict {
  bool page_wins = false;
  std::string content;  // the article as the post would carry it; "" when none was found
  std::string problem;  // why the feed's content stays: "HTTP 404", "no article found", ...
};

// Thread-safe; never throws except std::bad_alloc.
PageVerdict judge_page(const HttpResponse& response, const config::Source& source, const std::string& page_url,
                       const std::string& feed_content);

// Characters of text, white space not counted, in `html`: how feed and page
// are compared.
std::size_t text_length(const std::string& html);

}  // namespace feedd::full_text
