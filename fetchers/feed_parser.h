// Feed documents (RSS 2.0, RSS 1.0/RDF, Atom 1.0) into feedd::Feed.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "fetchers/feed.h"

namespace feedd {

struct FeedParseOptions {
  // Relative links resolve against this (the URL the feed was fetched from).
  std::string base_url;
  // IANA zone for dates that carry no zone of their own (and "CST").
  std::string default_timezone = "UTC";
};

// The document is not a feed feedd can read. what() says why, with the line
// or offset where the parser stopped when there is one.
class FeedParseError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Detects the format from the document itself (never from a URL or MIME
// type). Throws FeedParseError.
Feed parse_feed(std::string_view document, const FeedParseOptions& options);

}  // namespace feedd
