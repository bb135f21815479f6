// What feedd reads out of a feed document, independent of its format.
// Text fields are UTF-8. HTML fields hold markup exactly as the feed carries
// it; turning it into post content is the normaliser's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedd {

// Milliseconds since the Unix epoch, UTC.
using UnixMillis = std::int64_t;

// A file an entry carries along: a podcast's audio, a video, an image.
struct Enclosure {
  std::string url;   // absolute
  std::string type;  // MIME type as the feed gives it; may be empty
  std::optional<std::int64_t> length;  // bytes, when the feed says

  bool operator==(const Enclosure&) const = default;
};

struct FeedEntry {
  std::string title;    // as in the feed: may still hold markup and entities
  std::string link;     // absolute, or empty when the entry has none
  std::string guid;     // RSS guid / Atom id / RDF about, verbatim
  std::optional<UnixMillis> published;
  std::optional<UnixMillis> updated;
  std::string author;   // display name, else e-mail
  std::string summary;  // RSS description, Atom summary (HTML)
  std::string content;  // content:encoded, Atom content (HTML)
  std::vector<std::string> categories;
  // What relative URLs inside summary and content are relative to: the
  // xml:base in force at the element that held them, else the entry's link
  // (the page the content was mostly copied from), else the feed's URL.
  std::string summary_base;
  std::string content_base;
  std::string thumbnail;  // media:thumbnail, JSON Feed image: absolute URL
  // RSS <enclosure>, media:content, media:thumbnail, itunes:image, Atom
  // link rel="enclosure", JSON Feed attachments; in document order, each
  // URL once.
  std::vector<Enclosure> enclosures;
  // The item or entry on its own, as received but in UTF-8: XML with every
  // namespace declaration in scope and the effective xml:base copied onto
  // it, or a JSON Feed item object. parse_raw_entry reads it back to this
  // entry, so an entry can be reprocessed without its feed. Empty when
  // FeedParseOptions::keep_raw was off.
  std::string raw;
};

struct Feed {
  std::string format;   // "rss", "rdf", "atom", "json", "cdf"
  std::string version;  // "2.0", "1.0", ...
  std::string title;
  std::string link;
  std::string description;
  std::string description_base;  // what relative URLs in description resolve against
  std::string language;
  std::optional<UnixMillis> updated;
  std::optional<std::int64_t> ttl_minutes;  // <ttl> or sy:updatePeriod
  // The document was broken and read in recover mode, or its charset was
  // guessed (guessed_charset).
  bool recovered = false;
  // The charset the document was read in when it declared none and was not
  // UTF-8 ("GB18030", "BIG5-HKSCS", ...); empty when nothing was guessed.
  std::string guessed_charset;
  std::vector<FeedEntry> entries;  // in document order
};

}  // namespace feedd
