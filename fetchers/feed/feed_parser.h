// Feed documents (RSS 0.9x/2.0, RSS 1.0/RDF, Atom 1.0/0.3, JSON Feed 1.0/1.1,
// CDF) in any common charset into feedd::Feed.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/feed/feed.h"

namespace feedd {

struct FeedParseOptions {
  // Relative links resolve against this (the URL the feed was fetched from).
  std::string base_url;
  // IANA zone for dates that carry no zone of their own (and "CST").
  std::string default_timezone = "UTC";
  // The HTTP Content-Type the document came with, if any. Its charset is
  // the last word on the encoding, after a byte order mark and the XML
  // declaration.
  std::string content_type;
  // Fill FeedEntry::raw. Storing entries for reprocessing needs it; a
  // one-off look does not, and skips the copy.
  bool keep_raw = true;
  // A huge feed need not be held at once: when set, every `entry_batch`
  // entries read are handed here as they are read (in document order, with
  // `recovered` as Feed::recovered will be), and the sink empties the vector;
  // Feed::entries keeps only those read after the last full batch. The
  // sink may block: reading waits for it.
  std::function<void(std::vector<FeedEntry>& entries, bool recovered)> on_entries;
  std::size_t entry_batch = 0;
  // With on_entries, an XML document of at least this many bytes (in UTF-8)
  // is read in parts of entry_batch items, never as one tree (xml_parts.h):
  // its memory is the document plus one part. A document the parts cannot
  // be cut from is read whole; one whose later part turns out broken is read
  // whole after the earlier parts' entries were handed over, so they are
  // handed over again. (A document of one part costs a scan more than
  // before: pugixml copies a borrowed document anyway.)
  std::size_t parts_above = 256u << 10;
};

namespace detail {
// Every reader adds its entries through here.
void add_entry(Feed& feed, const FeedParseOptions& options, FeedEntry entry);
}  // namespace detail

// The document is not a feed feedd can read. what() says why, with the line
// or offset where the parser stopped when there is one.
class FeedParseError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Detects the format from the document itself (never from a URL or MIME
// type) and the charset from the document and options.content_type; the
// result is UTF-8 throughout. XML that is not well-formed gets a second,
// lenient reading (Feed::recovered). Throws FeedParseError. Thread-safe.
Feed parse_feed(std::string_view document, const FeedParseOptions& options);

// FeedEntry::raw read back into the entry it came from (raw included).
// Pass the options the feed was parsed with; base_url matters for JSON
// Feed items, which cannot carry their base. Throws FeedParseError.
FeedEntry parse_raw_entry(std::string_view raw, const FeedParseOptions& options);

}  // namespace feedd
