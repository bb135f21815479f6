// parse_feed on any bytes: a Feed whose text is UTF-8 and whose links are
// absolute, or a FeedParseError; never a crash, a leak, undefined behaviour
// or another exception. Every entry's raw form reads back.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "fetchers/feed/feed_parser.h"
#include "fetchers/http/url.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using feedd::fuzz::is_utf8;

void check_entry(const feedd::FeedEntry& entry) {
  for (const auto* text : {&entry.title, &entry.link, &entry.guid, &entry.author, &entry.summary, &entry.content,
                           &entry.summary_base, &entry.content_base, &entry.thumbnail, &entry.raw}) {
    FUZZ_CHECK(is_utf8(*text), "entry text is UTF-8");
  }
  for (const auto& category : entry.categories) FUZZ_CHECK(is_utf8(category), "category is UTF-8");
  FUZZ_CHECK(entry.link.empty() || feedd::url::is_absolute(entry.link), "entry link is absolute or empty");
  FUZZ_CHECK(entry.thumbnail.empty() || feedd::url::is_absolute(entry.thumbnail), "thumbnail is absolute or empty");
  for (const auto& enclosure : entry.enclosures) {
    FUZZ_CHECK(is_utf8(enclosure.url) && is_utf8(enclosure.type), "enclosure text is UTF-8");
    FUZZ_CHECK(feedd::url::is_absolute(enclosure.url), "enclosure URL is absolute");
    FUZZ_CHECK(!enclosure.length || *enclosure.length >= 0, "enclosure length is not negative");
  }
}

// The same document read in parts of one item (a huge feed's way,
// fetchers/feed/xml_parts.h) gives the same entries as read whole.
void check_parts_agree(std::string_view document, feedd::FeedParseOptions options, const feedd::Feed& whole) {
  std::vector<feedd::FeedEntry> entries;
  options.entry_batch = 1;
  options.parts_above = 0;
  options.on_entries = [&](std::vector<feedd::FeedEntry>& batch, bool) {
    for (auto& entry : batch) entries.push_back(std::move(entry));
    batch.clear();
  };
  feedd::Feed parts = feedd::parse_feed(document, options);
  for (auto& entry : parts.entries) entries.push_back(std::move(entry));
  FUZZ_CHECK(parts.title == whole.title && parts.link == whole.link, "parts read the same feed fields");
  FUZZ_CHECK(entries.size() == whole.entries.size(), "parts read as many entries as the whole");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const feedd::FeedEntry& a = entries[i];
    const feedd::FeedEntry& b = whole.entries[i];
    FUZZ_CHECK(a.title == b.title && a.link == b.link && a.guid == b.guid && a.summary == b.summary &&
                   a.content == b.content && a.raw == b.raw && a.published == b.published,
               "an entry read in parts is the entry read whole");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The Content-Type the document arrived with varies with the input's
  // length, so seeds stay intact and still meet every charset path.
  static constexpr std::string_view content_types[] = {
      "",
      "application/rss+xml",
      "text/xml; charset=gb2312",
      "application/xml; charset=UTF-16",
      "text/html; charset=big5",
      "application/feed+json",
      "application/atom+xml; charset=\"iso-8859-1\"",
      "text/xml; charset=no-such-charset",
  };
  const std::string_view document(reinterpret_cast<const char*>(data), size);
  feedd::FeedParseOptions options;
  options.base_url = "https://example.com/feeds/a/";
  options.default_timezone = "Asia/Shanghai";
  options.content_type = std::string(content_types[size % std::size(content_types)]);
  try {
    const feedd::Feed feed = feedd::parse_feed(document, options);
    for (const auto* text : {&feed.format, &feed.version, &feed.title, &feed.link, &feed.description,
                             &feed.description_base, &feed.language, &feed.guessed_charset}) {
      FUZZ_CHECK(is_utf8(*text), "feed text is UTF-8");
    }
    for (const auto& entry : feed.entries) {
      check_entry(entry);
      if (entry.raw.empty()) continue;
      try {
        const feedd::FeedEntry again = feedd::parse_raw_entry(entry.raw, options);
        check_entry(again);
        // `feedd reprocess` re-derives an entry's enclosures from its raw
        // item: read alone, it must list the ones the whole feed gave.
        if (!feed.recovered && feed.format != "json") {
          FUZZ_CHECK(again.enclosures.size() == entry.enclosures.size(), "a raw item lists the same enclosures");
          for (std::size_t i = 0; i < again.enclosures.size(); ++i) {
            FUZZ_CHECK(again.enclosures[i].url == entry.enclosures[i].url &&
                           again.enclosures[i].type == entry.enclosures[i].type &&
                           again.enclosures[i].length == entry.enclosures[i].length,
                       "a raw item lists the same enclosures");
          }
        }
      } catch (const feedd::FeedParseError&) {
      }
    }
    if (!feed.recovered && feed.format != "json") check_parts_agree(document, options, feed);
  } catch (const feedd::FeedParseError&) {
  }
  return 0;
}
