#include "fetchers/feed/feed_parser.h"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/text/encoding.h"
#include "tests/support/stderr_capture.h"

namespace feedd {
namespace {

using test::StderrCapture;

std::string read_seed(const std::string& name) {
  const std::string path = std::string(FEEDD_SOURCE_DIR) + "/seeds/feeds/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The bytes of the first <description>'s CDATA section after `marker`, cut
// straight from the file so the comparison does not trust the parser.
std::string description_cdata_after(std::string_view document, std::string_view marker) {
  const auto at = document.find("<description>", document.find(marker));
  REQUIRE(at != std::string_view::npos);
  const auto open = document.find("<![CDATA[", at);
  REQUIRE(open != std::string_view::npos);
  const auto start = open + 9;
  const auto end = document.find("]]>", start);
  REQUIRE(end != std::string_view::npos);
  return std::string(document.substr(start, end - start));
}

Feed parse(std::string_view document, std::string base_url = "https://feeds.example.com/dir/feed.xml") {
  FeedParseOptions options;
  options.base_url = std::move(base_url);
  return parse_feed(document, options);
}

std::string parse_error(std::string_view document) {
  try {
    parse(document);
  } catch (const FeedParseError& error) {
    return error.what();
  }
  FAIL("no FeedParseError");
  return {};
}

Feed parse_with_content_type(std::string_view document, std::string content_type) {
  FeedParseOptions options;
  options.content_type = std::move(content_type);
  return parse_feed(document, options);
}

// Parsed, or rejected with FeedParseError; anything else fails the test.
std::optional<Feed> parse_or_reject(std::string_view document) {
  try {
    return parse(document);
  } catch (const FeedParseError&) {
    return std::nullopt;
  }
}

// `text` in UTF-16, with a byte order mark when `bom`.
std::string utf16(std::u16string_view text, bool big_endian, bool bom) {
  std::string bytes;
  const auto put = [&](char16_t unit) {
    const char high = static_cast<char>(unit >> 8);
    const char low = static_cast<char>(unit & 0xFF);
    bytes += big_endian ? high : low;
    bytes += big_endian ? low : high;
  };
  if (bom) put(0xFEFF);
  for (const char16_t unit : text) put(unit);
  return bytes;
}

std::string rss_with_title(std::string_view declaration, std::string_view title) {
  return std::string(declaration) + "<rss version=\"2.0\"><channel><title>" + std::string(title) +
         "</title></channel></rss>";
}

// Peak resident memory of this process so far, in KiB.
long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void check_same_entry(const FeedEntry& actual, const FeedEntry& expected) {
  CHECK(actual.title == expected.title);
  CHECK(actual.link == expected.link);
  CHECK(actual.guid == expected.guid);
  CHECK(actual.published == expected.published);
  CHECK(actual.updated == expected.updated);
  CHECK(actual.author == expected.author);
  CHECK(actual.summary == expected.summary);
  CHECK(actual.content == expected.content);
  CHECK(actual.categories == expected.categories);
  CHECK(actual.summary_base == expected.summary_base);
  CHECK(actual.content_base == expected.content_base);
  CHECK(actual.thumbnail == expected.thumbnail);
  CHECK(actual.enclosures == expected.enclosures);
  CHECK(actual.raw == expected.raw);
}

// Every entry of `feed` read back from its raw form.
void check_raw_round_trip(const Feed& feed, const FeedParseOptions& options) {
  REQUIRE_FALSE(feed.entries.empty());
  for (const FeedEntry& entry : feed.entries) {
    INFO("raw: " << entry.raw);
    REQUIRE_FALSE(entry.raw.empty());
    check_same_entry(parse_raw_entry(entry.raw, options), entry);
  }
}

}  // namespace

TEST_CASE("Reads the VOA feedx fixture, description byte for byte") {
  const std::string document = read_seed("voa-feedx.xml");
  const Feed feed = parse(document);

  CHECK(feed.format == "rss");
  CHECK(feed.version == "2.0");
  CHECK(feed.title == "美国之音");
  CHECK(feed.link == "https://www.voachinese.com/");
  CHECK(feed.language == "zh-cn");
  CHECK(feed.ttl_minutes == 60);
  CHECK(feed.updated == 1618495511000);  // Thu, 15 Apr 2021 14:05:11 GMT
  REQUIRE(feed.entries.size() == 1);

  const FeedEntry& entry = feed.entries[0];
  CHECK(entry.title == "克里抵达上海，拜登寻求美中合作的首次努力面临考验");
  CHECK(entry.link ==
        "https://www.voachinese.com/a/"
        "Kerry-visitsing-to-China-a-test-for-Biden-s-bid-to-win-cooperation-with-Beijing-20210415/"
        "5854181.html");
  CHECK(entry.guid == "5854181");
  CHECK(entry.published == 1618495142000);
  CHECK_FALSE(entry.updated);
  CHECK(entry.summary == description_cdata_after(document, "<item>"));
  CHECK(entry.summary.find("\n        <p>") != std::string::npos);
}

TEST_CASE("Reads the zaobao RSSHub fixture, CDATA title and description verbatim") {
  const std::string document = read_seed("zaobao-rsshub.xml");
  const Feed feed = parse(document);

  CHECK(feed.title == "联合早报 - 中国即时");
  CHECK(feed.link == "https://www.zaobao.com/realtime/china");
  CHECK(feed.description == "联合早报 - 中国即时");
  CHECK(feed.ttl_minutes == 5);
  REQUIRE(feed.entries.size() == 1);

  const FeedEntry& entry = feed.entries[0];
  CHECK(entry.title == "韩正：中国重视与美开展应对气候变化对话合作");
  CHECK(entry.link == "https://www.zaobao.com/realtime/china/story20210417-1140067");
  CHECK(entry.guid == "https://www.zaobao.com/realtime/china/story20210417-1140067");
  CHECK(entry.published == 1618674240000);
  CHECK(entry.summary == description_cdata_after(document, "<item>"));
}

TEST_CASE("Reads the GB18030 fixture as the same feed as the UTF-8 one, content byte for byte") {
  const std::string utf8_document = read_seed("zaobao-rsshub.xml");
  const Feed utf8 = parse(utf8_document);
  const Feed gb18030 = parse(read_seed("zaobao-rsshub-gb18030.xml"));

  CHECK(gb18030.title == utf8.title);
  CHECK(gb18030.link == utf8.link);
  CHECK(gb18030.description == utf8.description);
  CHECK(gb18030.updated == utf8.updated);
  CHECK_FALSE(gb18030.recovered);
  REQUIRE(gb18030.entries.size() == 1);
  REQUIRE(utf8.entries.size() == 1);
  const FeedEntry& entry = gb18030.entries[0];
  CHECK(entry.title == "韩正：中国重视与美开展应对气候变化对话合作");
  CHECK(entry.title == utf8.entries[0].title);
  CHECK(entry.link == utf8.entries[0].link);
  CHECK(entry.guid == utf8.entries[0].guid);
  CHECK(entry.published == utf8.entries[0].published);
  CHECK(entry.summary == utf8.entries[0].summary);
  CHECK(entry.summary == description_cdata_after(utf8_document, "<item>"));
}

TEST_CASE("Reads RSS 1.0 with the dc, content and syndication modules") {
  const Feed feed = parse(R"(<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
         xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel rdf:about="https://example.org/">
    <title>Example RDF</title>
    <link>https://example.org/</link>
    <description>All about examples</description>
    <dc:language>en</dc:language>
    <dc:date>2021-04-17T02:56:40Z</dc:date>
    <sy:updatePeriod>hourly</sy:updatePeriod>
    <sy:updateFrequency>2</sy:updateFrequency>
  </channel>
  <item rdf:about="https://example.org/one">
    <title>One &amp; only</title>
    <link>https://example.org/one</link>
    <description>Short &lt;b&gt;one&lt;/b&gt;</description>
    <dc:creator>Ann Author</dc:creator>
    <dc:date>2021-04-17T15:44:00+08:00</dc:date>
    <dc:subject>news</dc:subject>
    <content:encoded><![CDATA[<p>Full <em>one</em></p>]]></content:encoded>
  </item>
</rdf:RDF>)");

  CHECK(feed.format == "rdf");
  CHECK(feed.version == "1.0");
  CHECK(feed.title == "Example RDF");
  CHECK(feed.language == "en");
  CHECK(feed.updated == 1618628200000);
  CHECK(feed.ttl_minutes == 30);
  REQUIRE(feed.entries.size() == 1);

  const FeedEntry& entry = feed.entries[0];
  CHECK(entry.title == "One & only");
  CHECK(entry.link == "https://example.org/one");
  CHECK(entry.guid == "https://example.org/one");
  CHECK(entry.author == "Ann Author");
  CHECK(entry.published == 1618645440000);
  CHECK(entry.summary == "Short <b>one</b>");
  CHECK(entry.content == "<p>Full <em>one</em></p>");
  CHECK(entry.categories == std::vector<std::string>{"news"});
}

TEST_CASE("Reads Atom 1.0: xml:base, alternate links, the three content types, authors") {
  const Feed feed = parse(R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.net/" xml:lang="en-GB">
  <title type="text">Tom &amp; Jerry's &lt;blog&gt;</title>
  <subtitle type="html">&lt;i&gt;cartoons&lt;/i&gt;</subtitle>
  <link rel="self" href="/atom.xml"/>
  <link href="/"/>
  <updated>2021-04-17T02:56:40Z</updated>
  <author><name>Feed Owner</name></author>
  <entry xml:base="posts/2021/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <b>xhtml</b> title</div></title>
    <id>tag:blog.example.net,2021:1</id>
    <link rel="alternate" type="application/pdf" href="one.pdf"/>
    <link rel="enclosure" type="text/html" href="enclosure.html"/>
    <link rel="alternate" type="text/html" href="one.html"/>
    <link rel="replies" href="one/comments"/>
    <published>2021-04-15T13:59:02Z</published>
    <updated>2021-04-17T15:44:00Z</updated>
    <author><name>Ann</name><email>ann@example.net</email></author>
    <category term="cats" label="Cats"/>
    <summary type="text">1 &lt; 2 &amp; so on</summary>
    <content type="xhtml">
      <div xmlns="http://www.w3.org/1999/xhtml"><p class="a&amp;b">Hello <em>world</em></p>
<br/><img src="x.png"/> <span></span></div>
    </content>
  </entry>
  <entry>
    <title>Second</title>
    <id>tag:blog.example.net,2021:2</id>
    <link href="two.html" xml:base="https://other.example.com/a/"/>
    <author><email>bob@example.net</email></author>
    <summary type="html">&lt;p&gt;escaped&lt;/p&gt;</summary>
    <content><![CDATA[<p>as is</p>]]></content>
  </entry>
  <entry>
    <title>Third, no author</title>
    <link href="https://absolute.example.org/3"/>
    <content type="text/plain">plain &lt;text&gt;</content>
  </entry>
</feed>)");

  CHECK(feed.format == "atom");
  CHECK(feed.version == "1.0");
  CHECK(feed.title == "Tom &amp; Jerry's &lt;blog&gt;");
  CHECK(feed.description == "<i>cartoons</i>");
  CHECK(feed.link == "https://blog.example.net/");
  CHECK(feed.language == "en-GB");
  CHECK(feed.updated == 1618628200000);
  REQUIRE(feed.entries.size() == 3);

  const FeedEntry& first = feed.entries[0];
  CHECK(first.title == "An <b>xhtml</b> title");
  CHECK(first.guid == "tag:blog.example.net,2021:1");
  CHECK(first.link == "https://blog.example.net/posts/2021/one.html");
  CHECK(first.published == 1618495142000);
  CHECK(first.updated == 1618674240000);
  CHECK(first.author == "Ann");
  CHECK(first.categories == std::vector<std::string>{"cats"});
  CHECK(first.summary == "1 &lt; 2 &amp; so on");
  CHECK(first.content == "<p class=\"a&amp;b\">Hello <em>world</em></p>\n<br><img src=\"x.png\"> <span></span>");

  const FeedEntry& second = feed.entries[1];
  CHECK(second.link == "https://other.example.com/a/two.html");
  CHECK(second.author == "bob@example.net");
  CHECK(second.summary == "<p>escaped</p>");
  CHECK(second.content == "<p>as is</p>");

  const FeedEntry& third = feed.entries[2];
  CHECK(third.link == "https://absolute.example.org/3");
  CHECK(third.author == "Feed Owner");
  CHECK(third.content == "plain &lt;text&gt;");
}

TEST_CASE("Reads Atom 0.3 names and content modes") {
  const Feed feed = parse(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">
  <title>Old</title>
  <tagline>Old times</tagline>
  <modified>2004-01-02T03:04:05Z</modified>
  <entry>
    <title>Old entry</title>
    <link rel="alternate" type="text/html" href="https://old.example.com/1"/>
    <issued>2004-01-01T00:00:00Z</issued>
    <modified>2004-01-02T00:00:00Z</modified>
    <content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content>
    <summary type="image/png" mode="base64">iVBORw0KGgo=</summary>
  </entry>
</feed>)");
  CHECK(feed.version == "0.3");
  CHECK(feed.description == "Old times");
  CHECK(feed.updated == 1073012645000);
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].published == 1072915200000);
  CHECK(feed.entries[0].updated == 1073001600000);
  // Atom 0.3's inline XML has no wrapper: the div is content.
  CHECK(feed.entries[0].content == "<div><p>x</p></div>");
  CHECK(feed.entries[0].summary.empty());
}

TEST_CASE("Matches namespaces by URI whatever the prefix") {
  SUBCASE("Atom elements in RSS under another prefix") {
    const Feed feed = parse(R"(<rss version="2.0" xmlns:a="http://www.w3.org/2005/Atom"
        xmlns:atom="urn:not-atom" xmlns:creator="http://purl.org/dc/elements/1.1/">
      <channel><title>T</title>
        <item>
          <atom:link href="https://wrong.example.com/"/>
          <a:link rel="self" href="https://self.example.com/"/>
          <a:link rel="alternate" href="https://right.example.com/"/>
          <a:updated>2021-04-17T15:44:00Z</a:updated>
          <creator:creator>Dee</creator:creator>
        </item>
      </channel></rss>)");
    REQUIRE(feed.entries.size() == 1);
    CHECK(feed.entries[0].link == "https://right.example.com/");
    CHECK(feed.entries[0].updated == 1618674240000);
    CHECK(feed.entries[0].author == "Dee");
  }
  SUBCASE("An Atom feed whose own elements are prefixed") {
    const Feed feed = parse(R"(<x:feed xmlns:x="http://www.w3.org/2005/Atom" xmlns="urn:other">
      <x:title>Prefixed</x:title><title>not this</title>
      <x:entry><x:id>1</x:id><x:title>Entry</x:title></x:entry>
      <entry><id>2</id></entry>
    </x:feed>)");
    CHECK(feed.format == "atom");
    CHECK(feed.title == "Prefixed");
    REQUIRE(feed.entries.size() == 1);
    CHECK(feed.entries[0].guid == "1");
  }
  SUBCASE("A declaration on the element itself") {
    const Feed feed = parse(R"(<rss version="2.0"><channel><item>
      <c:encoded xmlns:c="http://purl.org/rss/1.0/modules/content/">body</c:encoded>
      <dc:creator>Undeclared prefix, conventional meaning</dc:creator>
    </item></channel></rss>)");
    REQUIRE(feed.entries.size() == 1);
    CHECK(feed.entries[0].content == "body");
    CHECK(feed.entries[0].author == "Undeclared prefix, conventional meaning");
  }
}

TEST_CASE("Resolves relative links against the feed URL") {
  const Feed feed = parse(R"(<rss version="0.91"><channel>
      <title>Relative</title><link>/home</link>
      <item><title>a</title><link> ../posts/a.html </link><guid>a</guid></item>
      <item><title>b</title><guid isPermaLink="true">https://example.com/b</guid></item>
    </channel></rss>)",
                          "https://feeds.example.com/dir/feed.xml");
  CHECK(feed.version == "0.91");
  CHECK(feed.link == "https://feeds.example.com/home");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].link == "https://feeds.example.com/posts/a.html");
  CHECK(feed.entries[1].link == "https://example.com/b");  // a permalink guid stands in
  CHECK(feed.entries[1].guid == "https://example.com/b");
}

TEST_CASE("Reduces an RSS author e-mail address to the name") {
  const Feed feed = parse(R"(<rss version="2.0"><channel>
      <item><author>joe@example.com (Joe Bloggs)</author></item>
      <item><author>"Jane" &lt;jane@example.com&gt;</author></item>
      <item><author>nobody@example.com</author></item>
      <item><author>Plain Name</author><category> a </category><category>b</category></item>
    </channel></rss>)");
  REQUIRE(feed.entries.size() == 4);
  CHECK(feed.entries[0].author == "Joe Bloggs");
  CHECK(feed.entries[1].author == "Jane");
  CHECK(feed.entries[2].author == "nobody@example.com");
  CHECK(feed.entries[3].author == "Plain Name");
  CHECK(feed.entries[3].categories == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Prefers pubDate over dc:date and falls back when pubDate does not parse") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
      <item><dc:date>2021-04-17T15:44:00Z</dc:date><pubDate>Thu, 15 Apr 2021 13:59:02 GMT</pubDate></item>
      <item><pubDate>not a date</pubDate><dc:date>2021-04-17T15:44:00Z</dc:date></item>
    </channel></rss>)");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].published == 1618495142000);
  CHECK(feed.entries[1].published == 1618674240000);
}

TEST_CASE("Keeps raw markup that a feed puts unescaped in description") {
  const Feed feed = parse(R"(<rss version="2.0"><channel><item>
      <description><p>Raw <a href="x?a=1&amp;b=2">link</a></p></description>
    </item></channel></rss>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].summary == "<p>Raw <a href=\"x?a=1&amp;b=2\">link</a></p>");
}

TEST_CASE("Rejects documents that are not feeds, saying why") {
  CHECK(parse_error("") == "empty document");
  CHECK(parse_error("  \n ") == "empty document");
  const std::string malformed = parse_error("\n just some text, no markup");
  CHECK(malformed.starts_with("not well-formed XML at line 2, column "));
  CHECK(malformed.find("offset") != std::string::npos);
  CHECK(parse_error("<!DOCTYPE html><html><head><title>Oops</title></head><body/></html>") ==
        "document root <html> is not rss, RDF, Atom or CDF");
  // Broken HTML is recovered as XML, and then it is still not a feed.
  CHECK(parse_error("<!DOCTYPE html><html><body><p>unclosed<br></body></html>") ==
        "document root <html> is not rss, RDF, Atom or CDF");
  CHECK(parse_error("<rss version=\"2.0\"/>") == "<rss> has no <channel>");
  CHECK(parse_error("{\"title\": \"JSON, but no feed\"}").starts_with("JSON document is not a JSON Feed"));
  CHECK(parse_error("<?xml version=\"1.0\"?><!-- nothing -->") != "");
}

TEST_CASE("Expands a plain internal entity once and never an external one in a well-formed document") {
  const Feed feed = parse(R"(<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lollollollollol"><!ENTITY ext SYSTEM "file:///etc/passwd">
  <!ENTITY lol2 "&lol;&lol;">]>
<rss version="2.0"><channel><item><title>&lol;&ext;&lol2;</title></item></channel></rss>)");
  CHECK_FALSE(feed.recovered);
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "lollollollollol&ext;&lol2;");
  CHECK(feed.entries[0].title.find("root:") == std::string::npos);
}

TEST_CASE("A well-formed document's internal entities apply as feedparser applies them") {
  const Feed feed = parse(R"(<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY id "tag:example.com,"><!ENTITY copy "&#169;"><!ENTITY q 'say "hi"'>]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&q;</title>
  <entry><id>&id;2006-01-01:1</id><title>&copy; 2006</title><link href="https://example.com/?a=&q;"/>
    <content type="html"><![CDATA[&id; stays in CDATA]]></content></entry></feed>)");
  CHECK_FALSE(feed.recovered);
  CHECK(feed.title == "say \"hi\"");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].guid == "tag:example.com,2006-01-01:1");
  CHECK(feed.entries[0].title == "© 2006");  // a character reference alone is a character
  CHECK(feed.entries[0].link.starts_with("https://example.com/?a=say"));
  CHECK(feed.entries[0].content == "&id; stays in CDATA");
}

TEST_CASE("Keeps references to C1 controls in well-formed XML text, as XML and feedparser read them") {
  // U+0092 is what XML says "&#146;" is; HTML fields map it when read as
  // HTML (sanitize_test), as HTML5 does.
  const Feed feed = parse(R"(<rss version="2.0"><channel><title>it&#146;s</title>
    <item><description>it&amp;#146;s</description></item></channel></rss>)");
  CHECK_FALSE(feed.recovered);
  CHECK(feed.title == "it\xC2\x92s");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].summary == "it&#146;s");
}

TEST_CASE("Survives deeply nested markup without recursing") {
  constexpr int depth = 200000;
  std::string document = R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml"><div>)";
  for (int i = 0; i < depth; ++i) document += "<b>";
  document += "deep";
  for (int i = 0; i < depth; ++i) document += "</b>";
  document += "</div></content><title>";
  for (int i = 0; i < depth; ++i) document += "<i>";
  for (int i = 0; i < depth; ++i) document += "</i>";
  document += "</title></entry></feed>";

  const Feed feed = parse(document);
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].content.size() == 7 * depth + 4);
  CHECK(feed.entries[0].content.find("<b><b>deep</b></b>") != std::string::npos);
}

TEST_CASE("Accepts a UTF-8 byte order mark") {
  const Feed feed = parse("\xEF\xBB\xBF<rss version=\"2.0\"><channel><title>BOM</title></channel></rss>");
  CHECK(feed.title == "BOM");
}


// ------------------------------------------------------------- formats ---

TEST_CASE("Reads RSS 0.90 in its RDF wrapper") {
  const Feed feed = parse(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://my.netscape.com/rdf/simple/0.9/">
    <channel><title>Old Netscape</title><link>http://old.example.com/</link></channel>
    <item><title>First</title><link>http://old.example.com/1</link></item>
  </rdf:RDF>)");
  CHECK(feed.format == "rdf");
  CHECK(feed.version == "0.9");
  CHECK(feed.title == "Old Netscape");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "First");
  CHECK(feed.entries[0].link == "http://old.example.com/1");
}

TEST_CASE("Reads RSS 0.92 items that have no channel link and no title") {
  const Feed feed = parse(R"(<rss version="0.92"><channel><title>T</title>
      <item><description>Only a description</description></item></channel></rss>)");
  CHECK(feed.version == "0.92");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title.empty());
  CHECK(feed.entries[0].summary == "Only a description");
}

TEST_CASE("Reads YouTube's media:group: media:description is the summary, media:thumbnail the thumbnail") {
  const Feed feed = parse(R"(<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"
      xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
    <title>A channel</title>
    <entry>
      <id>yt:video:abc</id><yt:videoId>abc</yt:videoId>
      <title>A video</title>
      <link rel="alternate" href="https://www.youtube.com/watch?v=abc"/>
      <author><name>Channel</name></author>
      <published>2021-04-15T13:59:02+00:00</published>
      <media:group>
        <media:title>A video</media:title>
        <media:thumbnail url="https://i1.ytimg.com/vi/abc/hqdefault.jpg" width="480" height="360"/>
        <media:description>Line one &amp; more
Line two</media:description>
      </media:group>
    </entry>
    <entry>
      <title>Has its own summary</title>
      <summary>Own</summary>
      <media:description>Not this</media:description>
    </entry>
  </feed>)");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].summary == "Line one &amp; more<br>\nLine two");
  CHECK(feed.entries[0].thumbnail == "https://i1.ytimg.com/vi/abc/hqdefault.jpg");
  CHECK(feed.entries[0].author == "Channel");
  CHECK(feed.entries[1].summary == "Own");
}

// ------------------------------------------------- extension fallbacks ---

TEST_CASE("Takes itunes:summary, then itunes:subtitle, as the summary when there is none") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
    <channel><title>Podcast</title><itunes:subtitle>Short</itunes:subtitle>
      <itunes:summary>About the show &amp; more</itunes:summary>
      <item><title>1</title><itunes:subtitle>Sub</itunes:subtitle><itunes:summary>Line one
Line two</itunes:summary></item>
      <item><title>2</title><itunes:subtitle>Only a subtitle</itunes:subtitle></item>
      <item><title>3</title><description>Own</description><itunes:summary>Not this</itunes:summary></item>
      <item><title>4</title><itunes:summary><![CDATA[<p>Markup <b>kept</b></p>]]></itunes:summary></item>
    </channel></rss>)");
  CHECK(feed.description == "About the show &amp; more");
  REQUIRE(feed.entries.size() == 4);
  CHECK(feed.entries[0].summary == "Line one<br>\nLine two");
  CHECK(feed.entries[1].summary == "Only a subtitle");
  CHECK(feed.entries[2].summary == "Own");
  CHECK(feed.entries[3].summary == "<p>Markup <b>kept</b></p>");
}

TEST_CASE("Reads itunes:category, media:category and dc:subject as categories") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
      xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel><title>t</title><item><title>1</title>
      <category>Own</category>
      <itunes:category text="Technology"><itunes:category text="Podcasting"/></itunes:category>
      <media:category scheme="urn:x">News/World</media:category>
      <dc:subject>Politics</dc:subject>
    </item></channel></rss>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].categories ==
        std::vector<std::string>{"Own", "Technology", "Podcasting", "News/World", "Politics"});
  const Feed atom = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:media="http://search.yahoo.com/mrss/"><title>t</title>
    <entry><title>1</title><category term="a" label="Label A"/><category label="Only a label"/>
      <dc:subject>Politics</dc:subject><media:group><media:category>Grouped</media:category></media:group></entry>
  </feed>)");
  REQUIRE(atom.entries.size() == 1);
  CHECK(atom.entries[0].categories == std::vector<std::string>{"a", "Only a label", "Politics", "Grouped"});
}

TEST_CASE("Reads atom:content and atom:summary inside an RSS item") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
    <channel><title>t</title>
      <item><title>1</title><atom:summary type="text">A &lt; B</atom:summary>
        <atom:content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Full <b>text</b></p></div></atom:content></item>
      <item><title>2</title><description>Own</description><atom:content type="html">&lt;p&gt;Body&lt;/p&gt;</atom:content></item>
    </channel></rss>)");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].summary == "A &lt; B");
  CHECK(feed.entries[0].content == "<p>Full <b>text</b></p>");
  CHECK(feed.entries[1].summary == "Own");
  CHECK(feed.entries[1].content == "<p>Body</p>");
}

TEST_CASE("Reads Atom 0.3 modified as the update time") {
  const Feed feed = parse(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title>
    <modified>2004-01-02T03:04:05Z</modified>
    <entry><title>1</title><issued>2004-01-01T00:00:00Z</issued><modified>2004-01-03T00:00:00Z</modified></entry>
  </feed>)");
  REQUIRE(feed.updated);
  CHECK(*feed.updated == 1073012645000);
  REQUIRE(feed.entries.size() == 1);
  REQUIRE(feed.entries[0].updated);
  CHECK(*feed.entries[0].updated == 1073088000000);
  CHECK(*feed.entries[0].published == 1072915200000);
}

TEST_CASE("Reads module namespaces bound without their trailing slash or in another letter case") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content"
      xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd" xmlns:m="http://search.yahoo.com/mrss">
    <channel><title>t</title><item><title>1</title>
      <content:encoded><![CDATA[<p>Show notes</p>]]></content:encoded>
      <itunes:author>Host</itunes:author><itunes:summary>Summary</itunes:summary>
      <m:thumbnail url="https://example.com/t.jpg"/>
    </item></channel></rss>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].content == "<p>Show notes</p>");
  CHECK(feed.entries[0].author == "Host");
  CHECK(feed.entries[0].summary == "Summary");
  CHECK(feed.entries[0].thumbnail == "https://example.com/t.jpg");
}

TEST_CASE("Of several links, takes the rel=alternate one, else the last plain one") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
    <channel><title>t</title>
      <atom:link rel="self" href="https://example.com/feed.xml"/>
      <link>https://example.com/old</link><link>https://example.com/</link>
      <item><title>1</title><link>https://example.com/a</link><link>https://example.com/b</link></item>
      <item><title>2</title><link rel="alternate">https://example.com/alt</link><link>https://example.com/plain</link></item>
      <item><title>3</title><link rel="self">https://example.com/self</link><link>https://example.com/page</link>
        <atom:link rel="alternate" href="https://example.com/atom"/></item>
      <item><title>4</title><atom:link rel="self" href="https://example.com/self"/>
        <atom:link rel="alternate" href="https://example.com/atom"/></item>
    </channel></rss>)");
  CHECK(feed.link == "https://example.com/");
  REQUIRE(feed.entries.size() == 4);
  CHECK(feed.entries[0].link == "https://example.com/b");
  CHECK(feed.entries[1].link == "https://example.com/alt");
  CHECK(feed.entries[2].link == "https://example.com/page");
  CHECK(feed.entries[3].link == "https://example.com/atom");
}

TEST_CASE("Gives the text of author, category and guid when a producer wrapped it in markup") {
  const Feed feed = parse(R"(<rss version="2.0"><channel><title>t</title>
    <item><title>1</title><author><p>Item Author</p></author><category><b>Cat</b></category>
      <guid isPermaLink="false"><span>id-1</span></guid></item>
  </channel></rss>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].author == "Item Author");
  CHECK(feed.entries[0].categories == std::vector<std::string>{"Cat"});
  CHECK(feed.entries[0].guid == "id-1");
  const Feed atom = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>1</title><author><name><span>Name</span></name></author></entry></feed>)");
  REQUIRE(atom.entries.size() == 1);
  CHECK(atom.entries[0].author == "Name");
}

// ---------------------------------------------------------- enclosures ---

TEST_CASE("Reads enclosures from RSS, Media RSS, iTunes and Atom, each URL once") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
      xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom">
    <channel><title>t</title>
      <item><title>1</title>
        <enclosure url="https://rfa.example/a.mp3" type="audio/mpeg" length="12345"/>
        <media:content url="https://rfa.example/a.mp3" type="audio/mpeg"/>
        <media:group><media:content url="v.mp4" type="video/mp4" fileSize="999"/></media:group>
        <media:thumbnail url="https://rfa.example/t.jpg"/>
        <itunes:image href="https://rfa.example/cover.jpg"/>
        <atom:link rel="enclosure" href="https://rfa.example/b.ogg" type="audio/ogg" length="x"/>
      </item>
      <item><title>2</title><enclosure url="" type="audio/mpeg"/></item>
    </channel></rss>)");
  REQUIRE(feed.entries.size() == 2);
  const auto& enclosures = feed.entries[0].enclosures;
  REQUIRE(enclosures.size() == 5);
  CHECK(enclosures[0].url == "https://rfa.example/a.mp3");
  CHECK(enclosures[0].type == "audio/mpeg");
  CHECK(enclosures[0].length == 12345);
  CHECK(enclosures[1].url == "https://feeds.example.com/dir/v.mp4");
  CHECK(enclosures[1].type == "video/mp4");
  CHECK(enclosures[1].length == 999);
  CHECK(enclosures[2].url == "https://rfa.example/t.jpg");
  CHECK(enclosures[2].type.empty());
  CHECK_FALSE(enclosures[2].length);
  CHECK(enclosures[3].url == "https://rfa.example/cover.jpg");
  CHECK(enclosures[4].url == "https://rfa.example/b.ogg");
  CHECK_FALSE(enclosures[4].length);
  CHECK(feed.entries[1].enclosures.empty());
  FeedParseOptions options;
  options.base_url = "https://feeds.example.com/dir/feed.xml";
  check_raw_round_trip(feed, options);

  const Feed atom = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>1</title><link rel="alternate" href="https://voa.example/p"/>
      <link rel="enclosure" href="https://voa.example/v.mp4" type="video/mp4" length="2048"/></entry></feed>)");
  REQUIRE(atom.entries.size() == 1);
  CHECK(atom.entries[0].link == "https://voa.example/p");
  REQUIRE(atom.entries[0].enclosures.size() == 1);
  CHECK(atom.entries[0].enclosures[0].url == "https://voa.example/v.mp4");
  CHECK(atom.entries[0].enclosures[0].length == 2048);
}

TEST_CASE("Reads JSON Feed attachments as enclosures") {
  const Feed feed = parse(R"({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
      {"id": "1", "content_text": "x", "attachments": [
        {"url": "a.m4a", "mime_type": "audio/x-m4a", "size_in_bytes": 89970236},
        {"url": "https://cdn.example/b.mp3", "mime_type": "audio/mpeg", "size_in_bytes": "big"},
        {"mime_type": "audio/mpeg"}, "nonsense"]}]})");
  REQUIRE(feed.entries.size() == 1);
  const auto& enclosures = feed.entries[0].enclosures;
  REQUIRE(enclosures.size() == 2);
  CHECK(enclosures[0].url == "https://feeds.example.com/dir/a.m4a");
  CHECK(enclosures[0].type == "audio/x-m4a");
  CHECK(enclosures[0].length == 89970236);
  CHECK(enclosures[1].url == "https://cdn.example/b.mp3");
  CHECK_FALSE(enclosures[1].length);
}

TEST_CASE("Decodes Atom base64 content and keeps only what a post can show") {
  const Feed feed = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <content type="application/octet-stream">PHA+SGk8L3A+</content>
      <summary type="image/png">iVBORw0KGgo=</summary>
    </entry></feed>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].content == "<p>Hi</p>");
  CHECK(feed.entries[0].summary.empty());
}

TEST_CASE("Takes Atom type=html as escaped markup even when a producer nests elements in it") {
  const Feed feed = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <content type="html"><div xmlns="http://www.w3.org/1999/xhtml">A &lt;b&gt;bold&lt;/b&gt; claim</div></content>
    </entry></feed>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].content == "A <b>bold</b> claim");
}

TEST_CASE("Gives summary and content the base URL in force at their own elements") {
  const Feed feed = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/">
      <subtitle type="html">&lt;a href="about"&gt;about&lt;/a&gt;</subtitle>
      <entry xml:base="blog/">
        <summary type="html">&lt;a href="x"&gt;x&lt;/a&gt;</summary>
        <content type="html" xml:base="https://cdn.example/media/">&lt;img src="y.png"&gt;</content>
      </entry></feed>)",
                          "https://feeds.example/feed.xml");
  CHECK(feed.description_base == "https://a.example/");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].summary_base == "https://a.example/blog/");
  CHECK(feed.entries[0].content_base == "https://cdn.example/media/");
}

TEST_CASE("Resolves relative URLs in content against xml:base, else the entry's link, else the feed's URL") {
  FeedParseOptions options;
  options.base_url = "https://feeds.example/dir/feed.xml";
  const Feed rss = parse_feed(R"(<rss version="2.0"><channel><title>t</title>
      <item><title>1</title><link>https://site.example/2021/04/article.html</link>
        <description>&lt;img src="pic.jpg"&gt;</description></item>
      <item><title>2</title><description>&lt;img src="pic.jpg"&gt;</description></item>
      <item xml:base="https://cdn.example/"><title>3</title><link>https://site.example/3.html</link>
        <description>&lt;img src="pic.jpg"&gt;</description></item>
      <item xml:base="https://feeds.example/dir/feed.xml"><title>4</title><link>https://site.example/4.html</link>
        <description>&lt;img src="pic.jpg"&gt;</description></item>
    </channel></rss>)",
                                 options);
  REQUIRE(rss.entries.size() == 4);
  CHECK(rss.entries[0].summary_base == "https://site.example/2021/04/article.html");
  CHECK(rss.entries[1].summary_base == "https://feeds.example/dir/feed.xml");
  CHECK(rss.entries[2].summary_base == "https://cdn.example/");
  // An xml:base that only repeats the feed's URL says nothing more.
  CHECK(rss.entries[3].summary_base == "https://site.example/4.html");
  check_raw_round_trip(rss, options);

  const Feed atom = parse_feed(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><title>1</title><link rel="alternate" href="https://site.example/a/post"/>
        <content type="html">&lt;a href="../b"&gt;b&lt;/a&gt;</content></entry></feed>)",
                               options);
  REQUIRE(atom.entries.size() == 1);
  CHECK(atom.entries[0].content_base == "https://site.example/a/post");
  check_raw_round_trip(atom, options);

  const Feed json = parse_feed(R"({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
      {"id": "1", "url": "https://site.example/p/1", "content_html": "<img src=\"pic.jpg\">"},
      {"id": "2", "content_html": "<img src=\"pic.jpg\">"}]})",
                               options);
  REQUIRE(json.entries.size() == 2);
  CHECK(json.entries[0].content_base == "https://site.example/p/1");
  CHECK(json.entries[1].content_base == "https://feeds.example/dir/feed.xml");
}

TEST_CASE("Resolves an Atom id written as a path, and keeps every other id verbatim") {
  const Feed feed = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>/2021/04/post</id></entry>
      <entry><id>tag:example.com,2021:Post</id></entry>
      <entry><id>42</id></entry></feed>)",
                          "https://blog.example/feed.xml");
  REQUIRE(feed.entries.size() == 3);
  CHECK(feed.entries[0].guid == "https://blog.example/2021/04/post");
  CHECK(feed.entries[1].guid == "tag:example.com,2021:Post");
  CHECK(feed.entries[2].guid == "42");
}

TEST_CASE("Reads an Atom entry's author from its source before the feed's") {
  const Feed feed = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><title>copied</title><source><author><name>Origin</name></author></source></entry>
      <entry><title>own</title></entry>
      <author><name>Feed Owner</name></author></feed>)");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].author == "Origin");
  CHECK(feed.entries[1].author == "Feed Owner");
}

TEST_CASE("Reads a CDF channel") {
  const Feed feed = parse(R"(<CHANNEL HREF="http://cdf.example/" LASTMOD="2004-04-06T23:05:43-05:00">
      <TITLE>Channel</TITLE><ABSTRACT>About it</ABSTRACT>
      <ITEM HREF="/one" LASTMOD="2004-04-07T00:00:00Z"><TITLE>One</TITLE><ABSTRACT>First</ABSTRACT></ITEM>
    </CHANNEL>)",
                          "http://cdf.example/channel.cdf");
  CHECK(feed.format == "cdf");
  CHECK(feed.title == "Channel");
  CHECK(feed.link == "http://cdf.example/");
  CHECK(feed.description == "About it");
  CHECK(feed.updated == 1081310743000);  // 2004-04-07T04:05:43Z
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].link == "http://cdf.example/one");
  CHECK(feed.entries[0].summary == "First");
}

TEST_CASE("Reads items that a hand-made feed puts straight into <rss>") {
  const Feed feed = parse("<rss><item><title>Loose</title></item></rss>");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "Loose");
}

TEST_CASE("Takes the name from an author written as a name with an address") {
  const Feed feed = parse(R"(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
      <item><author>Example editor (me@example.com)</author></item>
      <item><dc:creator>Dee (dee@example.com)</dc:creator></item>
    </channel></rss>)");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].author == "Example editor");
  CHECK(feed.entries[1].author == "Dee");
}

// ----------------------------------------------------------- JSON Feed ---

TEST_CASE("Reads JSON Feed 1.1: items, authors, tags, dates, relative URLs") {
  const Feed feed = parse(R"({
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON & friends",
    "home_page_url": "https://json.example/",
    "description": "A <plain> text",
    "language": "zh-CN",
    "authors": [{"name": "Feed Author"}],
    "items": [
      {"id": "1", "url": "/posts/1", "title": "First <post>", "content_html": "<p>Hello</p>",
       "summary": "Short", "date_published": "2021-04-17T02:56:40Z", "date_modified": "2021-04-17T03:00:00+01:00",
       "authors": [{"name": "Ann"}], "tags": ["a", "b"], "image": "img/1.png"},
      {"id": 2, "external_url": "https://elsewhere.example/2", "content_text": "Line 1\nLine <2>"},
      "not an item"
    ]})",
                          "https://json.example/feed.json");
  CHECK(feed.format == "json");
  CHECK(feed.version == "1.1");
  CHECK(feed.title == "JSON &amp; friends");
  CHECK(feed.link == "https://json.example/");
  CHECK(feed.description == "A &lt;plain&gt; text");
  CHECK(feed.language == "zh-CN");
  REQUIRE(feed.entries.size() == 2);

  const FeedEntry& first = feed.entries[0];
  CHECK(first.guid == "1");
  CHECK(first.link == "https://json.example/posts/1");
  CHECK(first.title == "First &lt;post&gt;");
  CHECK(first.content == "<p>Hello</p>");
  CHECK(first.summary == "Short");
  CHECK(first.published == 1618628200000);
  CHECK(first.updated == 1618624800000);
  CHECK(first.author == "Ann");
  CHECK(first.categories == std::vector<std::string>{"a", "b"});
  CHECK(first.thumbnail == "https://json.example/img/1.png");
  // Relative URLs in an item's HTML resolve against the item's own page.
  CHECK(first.content_base == "https://json.example/posts/1");

  const FeedEntry& second = feed.entries[1];
  CHECK(second.guid == "2");
  CHECK(second.link == "https://elsewhere.example/2");
  CHECK(second.content == "Line 1<br>\nLine &lt;2&gt;");
  CHECK(second.author == "Feed Author");
}

TEST_CASE("Reads JSON Feed 1.0's single author and a byte order mark") {
  const Feed feed = parse("\xEF\xBB\xBF" R"({"version": "https://jsonfeed.org/version/1", "title": "Old",
      "author": {"url": "mailto:old@example.com"},
      "items": [{"id": "x", "content_text": "t"}]})");
  CHECK(feed.version == "1.0");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].author == "old@example.com");
}

TEST_CASE("Rejects broken JSON and JSON nested 100,000 deep, without overflowing the stack") {
  CHECK(parse_error(R"({"version": "https://jsonfeed.org/version/1.1", "items": [)")
            .starts_with("JSON document is not valid JSON"));
  std::string deep = R"({"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "x": )";
  for (int i = 0; i < 100000; ++i) deep += '[';
  for (int i = 0; i < 100000; ++i) deep += ']';
  deep += "}]}";
  CHECK(parse_error(deep) == "JSON document is nested deeper than 256 levels");
}

// ------------------------------------------------------------- raw ---

TEST_CASE("Reads raw RSS 2.0 items back to the same entries, namespaces and base carried along") {
  FeedParseOptions options;
  options.base_url = "https://feeds.example.com/dir/feed.xml";
  const Feed feed = parse_feed(R"(<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
      xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
    <channel xml:base="https://site.example/news/">
      <item><title>One &amp; two</title><link>1.html</link><guid isPermaLink="false">g1</guid>
        <pubDate>Sat, 17 Apr 2021 15:44:00 +0800</pubDate><dc:creator>Ann</dc:creator>
        <description><![CDATA[<p>Short <a href="x">x</a></p>]]></description>
        <content:encoded>&lt;p&gt;Long&lt;/p&gt;</content:encoded>
        <category>news</category><media:thumbnail url="t.jpg"/></item>
      <item xml:base="/other/"><title>Three</title><link>3.html</link></item>
    </channel></rss>)",
                               options);
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].link == "https://site.example/news/1.html");
  CHECK(feed.entries[1].link == "https://site.example/other/3.html");
  CHECK(feed.entries[0].raw.find("xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"") != std::string::npos);
  CHECK(feed.entries[0].raw.find("xml:base=\"https://site.example/news/\"") != std::string::npos);
  check_raw_round_trip(feed, options);
  // The raw form stands alone: another base changes nothing.
  FeedParseOptions elsewhere;
  elsewhere.base_url = "https://elsewhere.example/";
  CHECK(parse_raw_entry(feed.entries[1].raw, elsewhere).link == "https://site.example/other/3.html");
}

TEST_CASE("Reads raw RSS 1.0 items back to the same entries") {
  FeedParseOptions options;
  options.base_url = "https://example.org/rss.rdf";
  const Feed feed = parse_feed(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel rdf:about="https://example.org/"><title>RDF</title></channel>
    <item rdf:about="https://example.org/one"><title>One</title><link>https://example.org/one</link>
      <dc:date>2021-04-17T15:44:00+08:00</dc:date><dc:subject>news</dc:subject></item>
  </rdf:RDF>)",
                               options);
  check_raw_round_trip(feed, options);
  CHECK(feed.entries[0].guid == "https://example.org/one");
}

TEST_CASE("Reads raw Atom entries back to the same entries, the feed's author in a source element") {
  FeedParseOptions options;
  options.base_url = "https://blog.example.net/atom.xml";
  const Feed feed = parse_feed(R"(<feed xmlns="http://www.w3.org/2005/Atom" xmlns:m="http://search.yahoo.com/mrss/"
      xml:base="https://blog.example.net/">
    <entry xml:base="posts/"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <b>x</b></div></title>
      <id>tag:blog.example.net,2021:1</id><link href="one.html"/><updated>2021-04-17T15:44:00Z</updated>
      <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <img src="a.png"/></p></div></content>
      <m:group><m:thumbnail url="t.jpg"/></m:group></entry>
    <entry><title>No author</title><id>2</id></entry>
    <author><name>Feed Owner</name></author>
  </feed>)",
                               options);
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[1].author == "Feed Owner");
  CHECK(feed.entries[1].raw.find("<source><author><name>Feed Owner</name></author></source>") != std::string::npos);
  check_raw_round_trip(feed, options);
}

TEST_CASE("Reads raw JSON Feed items back to the same entries") {
  FeedParseOptions options;
  options.base_url = "https://json.example/feed.json";
  const Feed feed = parse_feed(R"({"version": "https://jsonfeed.org/version/1.1", "authors": [{"name": "Feed"}],
      "items": [{"id": "1", "url": "/1", "title": "A", "content_html": "<p>x</p>", "tags": ["t"],
                 "date_published": "2021-04-17T02:56:40Z"},
                {"id": "2", "content_text": "plain"}]})",
                               options);
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[1].author == "Feed");
  check_raw_round_trip(feed, options);
}

TEST_CASE("Leaves raw empty when asked not to keep it") {
  FeedParseOptions options;
  options.keep_raw = false;
  const Feed feed = parse_feed("<rss><channel><item><title>x</title></item></channel></rss>", options);
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].raw.empty());
}

// ----------------------------------------------------------- encodings ---

TEST_CASE("Decodes the charsets Chinese, Japanese, Korean and Western feeds declare") {
  struct Sample {
    const char* label;
    std::string bytes;
    std::string text;
  };
  const Sample samples[] = {
      {"Big5", "\xA4\xA4\xA4\xE5\xB7\x73\xBB\x44", "中文新聞"},
      {"big5", "\xA4\xA4\xA4\xE5\xB7\x73\xBB\x44", "中文新聞"},
      {"Shift_JIS", "\x93\xFA\x96\x7B\x8C\xEA\x83\x6A\x83\x85\x81\x5B\x83\x58", "日本語ニュース"},
      {"EUC-KR", "\xC7\xD1\xB1\xB9\xBE\xEE\x20\xB4\xBA\xBD\xBA", "한국어 뉴스"},
      {"windows-1252", "caf\xE9 \x96 \x93quotes\x94 \x80", "café – “quotes” €"},
      {"ISO-8859-1", "caf\xE9 \x80", "café €"},  // read as windows-1252, as producers mean it
      {"GB2312", "\xD6\xEC\xE9\x46\xBB\xF9", "朱镕基"},  // 镕 is GBK, not GB2312
      {"GBK", "\xD6\xEC\xE9\x46\xBB\xF9", "朱镕基"},
      {"KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4", "Привет"},
  };
  for (const Sample& sample : samples) {
    INFO(sample.label);
    const std::string declaration = std::string("<?xml version=\"1.0\" encoding=\"") + sample.label + "\"?>";
    CHECK(parse(rss_with_title(declaration, sample.bytes)).title == sample.text);
    CHECK(parse_with_content_type(rss_with_title("", sample.bytes), std::string("text/xml; charset=") + sample.label)
              .title == sample.text);
  }
}

TEST_CASE("Reads a document labelled GBK that is really UTF-8 as UTF-8") {
  const std::string title = "联合早报 - 中国即时";
  CHECK(parse(rss_with_title("<?xml version=\"1.0\" encoding=\"gb2312\"?>", title)).title == title);
  CHECK(parse_with_content_type(rss_with_title("", title), "text/xml; charset=GBK").title == title);
}

TEST_CASE("Decodes UTF-16 with a byte order mark, and without one from the first characters") {
  const std::u16string document =
      u"<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
      u"<rss version=\"2.0\"><channel><title>新闻 – news</title></channel></rss>";
  for (const bool big_endian : {false, true}) {
    for (const bool bom : {true, false}) {
      INFO("big endian " << big_endian << ", BOM " << bom);
      CHECK(parse(utf16(document, big_endian, bom)).title == "新闻 – news");
    }
  }
}

TEST_CASE("Takes the charset from the BOM, then the XML declaration, then Content-Type") {
  using encoding::CharsetSource;
  const auto detect = [](std::string_view document, std::string_view content_type) {
    return encoding::detect_charset(document, content_type);
  };
  CHECK(detect("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"gbk\"?><a/>", "text/xml; charset=big5").name == "UTF-8");
  CHECK(detect("\xEF\xBB\xBF<a/>", "").source == CharsetSource::byte_order_mark);
  CHECK(detect("<?xml version=\"1.0\" encoding=\"gbk\"?><a/>", "text/xml; charset=big5").name == "GB18030");
  CHECK(detect("<?xml version='1.0' encoding='gbk'?><a/>", "").source == CharsetSource::xml_declaration);
  CHECK(detect("<?xml version=\"1.0\"?><a/>", "application/rss+xml; Charset=\"Big5\"").name == "BIG5-HKSCS");
  CHECK(detect("<a/>", "text/xml;charset=Shift_JIS").source == CharsetSource::content_type);
  CHECK(detect("<a/>", "text/html").name == "UTF-8");
  CHECK(detect("<a/>", "").source == CharsetSource::assumed);
  // A declaration that can be read as ASCII cannot be telling the truth
  // about UTF-16; nor can a header.
  CHECK(detect("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>", "text/xml; charset=utf-16").name == "UTF-8");

  // The same GBK bytes, declared three ways: the stronger source wins.
  const std::string gbk_title = "\xD6\xEC\xE9\x46\xBB\xF9";
  CHECK(parse_with_content_type(rss_with_title("<?xml version=\"1.0\" encoding=\"GBK\"?>", gbk_title),
                                "text/xml; charset=windows-1252")
            .title == "朱镕基");
  CHECK(parse_with_content_type(rss_with_title("", gbk_title), "text/xml; charset=GBK").title == "朱镕基");
  const std::string utf8_with_bom = "\xEF\xBB\xBF" + rss_with_title("<?xml version=\"1.0\" encoding=\"GBK\"?>", "朱镕基");
  CHECK(parse_with_content_type(utf8_with_bom, "text/xml; charset=windows-1252").title == "朱镕基");
}

namespace {

std::string read_test_data(const std::string& name) {
  const std::string path = std::string(FEEDD_SOURCE_DIR) + "/tests/data/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

TEST_CASE("Guesses the charset of a legacy feed that declares none, and says so") {
  struct Sample {
    std::string file;
    std::string charset;  // as iconv was asked to read it
  };
  const Sample samples[] = {
      {"gb18030", "GB18030"}, {"big5", "BIG5-HKSCS"}, {"shift_jis", "CP932"},    {"euc-jp", "EUC-JP"},
      {"euc-kr", "CP949"},    {"koi8-r", "KOI8-R"},   {"tis-620", "TIS-620"}, {"windows-1255", "WINDOWS-1255"},
  };
  for (const Sample& sample : samples) {
    INFO(sample.file);
    const std::string document = read_test_data("charsets/" + sample.file + ".xml");
    REQUIRE(document.find("encoding=") == std::string::npos);
    const std::string expected = read_test_data("charsets/" + sample.file + ".utf8.txt");
    const std::string title = expected.substr(0, expected.find('\n'));
    const std::string body = expected.substr(title.size() + 1, expected.size() - title.size() - 2);
    const auto started = std::chrono::steady_clock::now();
    const Feed feed = parse(document);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(50));
    CHECK(feed.guessed_charset == sample.charset);
    CHECK(feed.recovered);
    CHECK(feed.title == title);
    REQUIRE(feed.entries.size() == 2);
    CHECK(feed.entries[0].summary == body);
  }
}

TEST_CASE("Guesses nothing for UTF-8, declared charsets or a few stray bytes") {
  CHECK(parse(read_seed("zaobao-rsshub.xml")).guessed_charset.empty());
  CHECK(parse(read_seed("zaobao-rsshub-gb18030.xml")).guessed_charset.empty());
  const Feed damaged = parse(rss_with_title("", "ok \xC3 \xE4\xB8 \xFF end"));
  CHECK(damaged.guessed_charset.empty());
  CHECK_FALSE(damaged.recovered);
  // Labelled GBK by a header: the label wins over any statistics.
  const std::string big5 = read_test_data("charsets/big5.xml");
  const Feed labelled = parse_with_content_type(big5, "text/xml; charset=GBK");
  CHECK(labelled.guessed_charset.empty());
  CHECK_FALSE(labelled.recovered);
}

TEST_CASE("Decodes UTF-32 without a byte order mark from the first characters (XML 1.0 appendix F)") {
  for (const std::string file : {"utf-32le-no-bom.xml", "utf-32be-no-bom.xml"}) {
    INFO(file);
    const Feed feed = parse(read_test_data("charsets/" + file));
    CHECK(feed.title == "新闻 – news");
    CHECK(feed.guessed_charset.empty());
  }
  CHECK(encoding::detect_charset(std::string("<\0\0\0?\0\0\0", 8), "").name == "UTF-32LE");
  CHECK(encoding::detect_charset(std::string("\0\0\0<\0\0\0?", 8), "").name == "UTF-32BE");
  CHECK(encoding::detect_charset(std::string("<\0?\0", 4), "").name == "UTF-16LE");
}

TEST_CASE("Replaces invalid byte sequences with U+FFFD and keeps the rest of the field") {
  SUBCASE("In GB18030") {
    const Feed feed = parse(rss_with_title("<?xml version=\"1.0\" encoding=\"gb2312\"?>",
                                           "\xD6\xEC\xFF\xBB\xF9 tail"));
    CHECK(feed.title == "朱\xEF\xBF\xBD基 tail");
  }
  SUBCASE("In UTF-8") {
    const Feed feed = parse(rss_with_title("", "ok \xC3 \xE4\xB8 \xFF end"));
    CHECK(feed.title == "ok \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD end");
  }
  SUBCASE("In Big5, cut off in the middle of a character") {
    const Feed feed = parse(rss_with_title("<?xml version=\"1.0\" encoding=\"big5\"?>", "\xA4\xA4\xA4"));
    CHECK(feed.title == "中\xEF\xBF\xBD");
  }
  SUBCASE("In UTF-16, a lone surrogate") {
    std::u16string document = u"<rss><channel><title>a?b</title></channel></rss>";
    document[document.find(u'?')] = 0xD800;
    CHECK(parse(utf16(document, false, true)).title == "a\xEF\xBF\xBD" "b");
  }
}

TEST_CASE("Does not copy a document that already is UTF-8, and rewrites the declaration of one it transcodes") {
  const std::string utf8 = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><a>中</a>";
  encoding::Utf8Document borrowed = encoding::to_utf8(utf8, "");
  CHECK(borrowed.storage() == nullptr);
  CHECK(borrowed.text().data() == utf8.data() + 3);

  encoding::Utf8Document transcoded =
      encoding::to_utf8("<?xml version=\"1.0\" encoding=\"GB2312\"?><a>\xD6\xD0</a>", "");
  REQUIRE(transcoded.storage() != nullptr);
  CHECK(transcoded.text() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>中</a>");
}

// ------------------------------------------------- broken and hostile ---

TEST_CASE("Reads a malformed feed in recover mode and marks it recovered") {
  const Feed feed = parse(R"(<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken</title>
  <item><title>First</title><link>https://example.com/1</link><description>ok</item>
  <item><title>Second</title></description></item>
</channel></rss>)");
  CHECK(feed.recovered);
  CHECK(feed.title == "Broken");
  REQUIRE_FALSE(feed.entries.empty());
  CHECK(feed.entries[0].title == "First");
  CHECK(feed.entries[0].link == "https://example.com/1");
  CHECK_FALSE(parse(read_seed("zaobao-rsshub.xml")).recovered);
}

TEST_CASE("Recover mode keeps the parameter names after a bare & in a URL") {
  const Feed feed = parse(R"(<rss version="2.0"><channel><title>Broken</title>
    <item><title>1</title><link>https://example.com/a?a=1&b=2&c</link><description>x & y</description></item>
    <item><title>2</title><description>unclosed</item>
  </channel></rss>)");
  CHECK(feed.recovered);
  REQUIRE_FALSE(feed.entries.empty());
  CHECK(feed.entries[0].link == "https://example.com/a?a=1&b=2&c");
  CHECK(feed.entries[0].summary == "x & y");
}

TEST_CASE("Recover mode reads &#X41; and maps references to C1 controls as windows-1252, as HTML5 does") {
  const Feed feed = parse(R"(<rss version="2.0"><channel><title>&#X41;&#x42;&#67; it&#146;s &#147;q&#148; &#150; &#151; &#128; &#x99; &#129;</title>
    <item><title>unclosed</item>
  </channel></rss>)");
  CHECK(feed.recovered);
  CHECK(feed.title == "ABC it’s “q” – — € ™ \xC2\x81");
}

TEST_CASE("Recover mode leaves CDATA, comments and well-formed references as they are") {
  const Feed feed = parse(R"(<rss version="2.0"><channel><title>a &amp; b &lt; &#8217;</title>
    <item><title>1</title><description><![CDATA[<a href="?a=1&b=2">&#146;</a>]]></description><!-- & --></item>
    <item><title>unclosed</item>
  </channel></rss>)");
  CHECK(feed.recovered);
  CHECK(feed.title == "a & b < ’");
  REQUIRE_FALSE(feed.entries.empty());
  CHECK(feed.entries[0].summary == "<a href=\"?a=1&b=2\">&#146;</a>");
}

TEST_CASE("Recover mode expands entities the internal DTD subset declares with a plain value, bounded") {
  const Feed feed = parse(R"(<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY id "tag:example.com,"><!ENTITY q 'say "hi"'><!ENTITY nested "&id;x">
  <!ENTITY ext SYSTEM "file:///etc/passwd"><!ENTITY % p "x">]>
<rss version="2.0"><channel><title>Broken</title>
  <item><title>&q;</title><guid isPermaLink="false">&id;2006-01-01</guid><link>https://example.com/?a=&q;</link>
    <description>&nested;&ext;</description></item>
  <item><title>unclosed</item>
</channel></rss>)");
  CHECK(feed.recovered);
  REQUIRE_FALSE(feed.entries.empty());
  CHECK(feed.entries[0].guid == "tag:example.com,2006-01-01");
  CHECK(feed.entries[0].title == "say \"hi\"");
  CHECK(feed.entries[0].link.starts_with("https://example.com/?a=say"));
  CHECK(feed.entries[0].summary.find("root:") == std::string::npos);
  CHECK(feed.entries[0].summary.find("tag:example.com,x") == std::string::npos);  // values holding references stay out
}

TEST_CASE("Does not base64-decode an Atom title or summary of an unknown type") {
  const Feed feed = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom">
    <title type="application/x-custom">Example Atom</title>
    <entry><title type="application/x-custom">Entry title</title>
      <summary type="application/x-custom">Entry summary</summary>
      <content type="application/x-custom">RXhhbXBsZQ==</content></entry></feed>)");
  CHECK(feed.title == "Example Atom");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "Entry title");
  CHECK(feed.entries[0].summary == "Entry summary");
  CHECK(feed.entries[0].content == "Example");  // content of another type is base64 (RFC 4287 4.1.3.3)
}

TEST_CASE("Never reads an external entity (XXE), strict or in recover mode") {
  const std::string declaration =
      R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY ext SYSTEM "file:///etc/passwd">)"
      R"(<!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>)";
  const Feed strict = parse(declaration + R"(<rss><channel><title>&ext;&net;</title></channel></rss>)");
  CHECK_FALSE(strict.recovered);
  CHECK(strict.title.find("root:") == std::string::npos);
  const Feed recovered =
      parse(declaration + R"(<rss><channel><title>&ext;&net;</title><item><title>&ext;</item></channel></rss>)");
  CHECK(recovered.recovered);
  CHECK(recovered.title.find("root:") == std::string::npos);
  for (const auto& entry : recovered.entries) CHECK(entry.title.find("root:") == std::string::npos);
}

TEST_CASE("Ends a billion laughs quickly and with bounded memory, strict or in recover mode") {
  std::string entities = R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">)";
  std::string previous = "lol";
  for (int level = 1; level <= 9; ++level) {
    const std::string name = "lol" + std::to_string(level);
    entities += "<!ENTITY " + name + " \"";
    for (int i = 0; i < 10; ++i) entities += "&" + previous + ";";
    entities += "\">";
    previous = name;
  }
  entities += "]>";
  // Quadratic blowup: one large entity referenced many times.
  std::string quadratic = R"(<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big ")" + std::string(100000, 'a') + "\">]>";
  std::string references;
  for (int i = 0; i < 20000; ++i) references += "&big;";

  const long before = peak_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  const auto strict = parse(entities + R"(<rss><channel><title a="&lol9;">&lol9;</title></channel></rss>)");
  const auto recovered = parse(entities + R"(<rss><channel><title a="&lol9;">&lol9;</title><item></channel></rss>)");
  const auto quadratic_strict = parse(quadratic + "<rss><channel><title>" + references + "</title></channel></rss>");
  const auto quadratic_recovered =
      parse(quadratic + "<rss><channel><title>" + references + "</title><item></channel></rss>");
  const auto elapsed = std::chrono::steady_clock::now() - start;

  CHECK_FALSE(strict.recovered);
  CHECK(recovered.recovered);
  CHECK(quadratic_recovered.recovered);
  CHECK(strict.title.size() < 1000);
  CHECK(recovered.title.size() < 1000);
  CHECK(quadratic_strict.title.size() < 200000);
  CHECK(quadratic_recovered.title.size() < 200000);
  CHECK(elapsed < std::chrono::seconds(2));
  CHECK(peak_rss_kib() - before < 64 * 1024);
}

TEST_CASE("Survives 100,000-deep nesting in a document that needs recovering") {
  std::string document = "<rss><channel><title>Deep</title><item><description>";
  for (int i = 0; i < 100000; ++i) document += "<b>";
  document += "deep</description></item></channel>";  // no </rss>, and the <b>s never close
  const auto feed = parse_or_reject(document);
  if (feed) {
    CHECK(feed->recovered);
    CHECK(feed->title == "Deep");
  }
}

TEST_CASE("Reads truncated documents in recover mode or rejects them, at every cut") {
  const std::string document = read_seed("voa-feedx.xml");
  int recovered = 0;
  for (std::size_t cut = 0; cut < document.size(); cut += 53) {
    INFO("cut at " << cut);
    const auto feed = parse_or_reject(std::string_view(document).substr(0, cut));
    if (feed && feed->recovered) ++recovered;
  }
  CHECK(recovered > 0);
  // Cut in the middle of the item: the channel is still there, and so is
  // the start of the item.
  const auto item = document.find("<item>");
  const auto feed = parse(std::string_view(document).substr(0, document.find("<description>", item) + 40));
  CHECK(feed.recovered);
  CHECK(feed.title == "美国之音");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "克里抵达上海，拜登寻求美中合作的首次努力面临考验");
}

TEST_CASE("Rejects empty files and binary garbage with FeedParseError") {
  CHECK(parse_error("") == "empty document");
  CHECK(parse_error(std::string_view("\0\0\0\0", 4)) != "");
  CHECK(parse_error("\xFF\xFE") != "");
  std::mt19937 random(20210417);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 300; ++round) {
    std::string garbage(64 + round * 13, '\0');
    for (char& c : garbage) c = static_cast<char>(byte(random));
    if (round % 3 == 1) garbage.insert(0, "<rss><channel><item><title>");
    if (round % 3 == 2) garbage.insert(0, "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [");
    (void)parse_or_reject(garbage);
  }
}

TEST_CASE("Keeps libxml2 quiet: nothing on stderr while recovering") {
  StderrCapture capture;
  (void)parse_or_reject("<rss><channel><title>a &nbsp; b</title><item><title>x</item></channel>");
  (void)parse_or_reject(R"(<?xml version="1.0" encoding="no-such-charset"?><rss><channel><x:y></channel>)");
  (void)parse_or_reject("<rss>\x01\x02<channel></rss>");
  (void)parse_or_reject("<<<>>>");
  CHECK(capture.finish().empty());
}

}  // namespace feedd
