// A huge feed read in parts (fetchers/feed/xml_parts.h) must give exactly
// the entries of reading it whole: checked over every XML feed the tests
// carry (the feedparser corpus, the charset and enclosure feeds, the seed
// fixtures), in parts of one, two and three items.

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fetchers/feed/feed_parser.h"
#include "fetchers/feed/xml_parts.h"
#include "tests/support/process.h"

namespace feedd {
namespace {

namespace fs = std::filesystem;
using detail::XmlParts;

std::vector<fs::path> test_feeds() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(FEEDD_SOURCE_DIR) + "/tests/data")) {
    if (entry.is_regular_file() && entry.path().extension() == ".xml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every entry of `document`: the ones handed over while reading, then the
// rest left in the feed.
Feed read_streamed(const std::string& document, FeedParseOptions options, std::size_t batch,
                   std::size_t parts_above) {
  std::vector<FeedEntry> handed;
  options.entry_batch = batch;
  options.parts_above = parts_above;
  options.on_entries = [&](std::vector<FeedEntry>& entries, bool) {
    for (auto& entry : entries) handed.push_back(std::move(entry));
    entries.clear();
  };
  Feed feed = parse_feed(document, options);
  handed.insert(handed.end(), std::make_move_iterator(feed.entries.begin()),
                std::make_move_iterator(feed.entries.end()));
  feed.entries = std::move(handed);
  return feed;
}

std::string describe(const FeedEntry& e) {
  std::string enclosures;
  for (const auto& enclosure : e.enclosures) {
    enclosures += fmt::format("[{} {} {}]", enclosure.url, enclosure.type, enclosure.length.value_or(-1));
  }
  return fmt::format("title={}\nlink={}\nguid={}\npublished={}\nupdated={}\nauthor={}\nsummary={}\ncontent={}\n"
                     "categories={}\nbases={} {}\nthumbnail={}\nenclosures={}\nraw={}",
                     e.title, e.link, e.guid, e.published.value_or(-1), e.updated.value_or(-1), e.author,
                     e.summary, e.content, fmt::join(e.categories, "|"), e.summary_base, e.content_base,
                     e.thumbnail, enclosures, e.raw);
}

std::string describe(const Feed& f) {
  return fmt::format("{} {} title={} link={} description={} base={} language={} updated={} ttl={} recovered={}",
                     f.format, f.version, f.title, f.link, f.description, f.description_base, f.language,
                     f.updated.value_or(-1), f.ttl_minutes.value_or(-1), f.recovered);
}

TEST_CASE("Reading in parts gives the entries of reading whole, for every test feed") {
  int split = 0;
  int compared = 0;
  for (const fs::path& file : test_feeds()) {
    const std::string document = test::read_file(file.string());
    FeedParseOptions options;
    options.base_url = "http://example.test/feed.xml";
    Feed whole;
    try {
      whole = parse_feed(document, options);
    } catch (const FeedParseError&) {
      continue;  // not a feed: nothing to compare
    }
    if (whole.recovered) continue;  // broken documents are read whole, in recover mode
    const bool cut = XmlParts::split(document, 1).has_value();
    if (cut) ++split;
    // Every feed with entries is cut, but CDF's (<ITEM>, a format of 1997).
    if (!whole.entries.empty() && file.string().find("/cdf/") == std::string::npos) {
      CAPTURE(file.string());
      CHECK(cut);
    }
    for (const std::size_t batch : {1u, 2u, 3u}) {
      const Feed streamed = read_streamed(document, options, batch, 0);
      CAPTURE(file.string());
      CAPTURE(batch);
      CHECK(describe(streamed) == describe(whole));
      REQUIRE(streamed.entries.size() == whole.entries.size());
      for (std::size_t i = 0; i < whole.entries.size(); ++i) CHECK(describe(streamed.entries[i]) == describe(whole.entries[i]));
    }
    ++compared;
  }
  MESSAGE(fmt::format("{} feeds compared, {} of them cut into parts", compared, split));
  CHECK(compared > 300);
  CHECK(split > 200);
}

TEST_CASE("A part keeps the channel and the text written among the items") {
  const std::string document =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x \"]>\">]>\n"
      "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title>\n"
      "  <item><title>one</title><description><![CDATA[</item><item>]]></description></item>\n"
      "  <!-- <item>not one</item> -->\n"
      "  <language>zh</language>\n"
      "  <item><title>two</title></item><item/>\n"
      "</channel></rss>\n";
  const auto parts = XmlParts::split(document, 2);
  REQUIRE(parts);
  CHECK(parts->item_count() == 3);
  REQUIRE(parts->part_count() == 2);
  CHECK(parts->part(0).find("<language>zh</language>") != std::string::npos);
  CHECK(parts->part(1) ==
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x \"]>\">]>\n"
        "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title>\n  "
        "\n  <!-- <item>not one</item> -->\n  <language>zh</language>\n  <item/>\n</channel></rss>\n");
}

TEST_CASE("Documents the scan cannot follow are not cut") {
  CHECK_FALSE(XmlParts::split("<rss><channel><item></channel></item></rss>", 1));      // tags cross
  CHECK_FALSE(XmlParts::split("<rss><channel><item/></channel><item/></rss>", 1));     // two parents
  CHECK_FALSE(XmlParts::split("<rss><channel><title>T</title></channel></rss>", 1));  // no items
  CHECK_FALSE(XmlParts::split("<feed><entry><title>unclosed", 1));
  CHECK_FALSE(XmlParts::split("<feed><entry/></feed><feed/>", 1));                    // two roots
}

TEST_CASE("Items nested in an item stay inside it") {
  const auto parts = XmlParts::split("<channel><item><item/></item><item/></channel>", 1);
  REQUIRE(parts);
  CHECK(parts->item_count() == 2);
  CHECK(parts->part(0) == "<channel><item><item/></item></channel>");
}

TEST_CASE("A broken part sends the reader back to the whole document") {
  // The scan follows the tags; pugixml rejects the second part's attribute without a value.
  const std::string document =
      "<rss><channel><item><title>one</title></item><item><title>two</title><x y></x></item></channel></rss>";
  FeedParseOptions options;
  const Feed feed = read_streamed(document, options, 1, 0);
  // The first part's entry was handed over before the broken part was met,
  // and is handed over again by the whole reading.
  REQUIRE(feed.entries.size() == 3);
  CHECK(feed.entries[0].title == "one");
  CHECK(feed.entries[1].title == "one");
  CHECK(feed.entries[2].title == "two");
  CHECK(feed.recovered);
}

}  // namespace
}  // namespace feedd
