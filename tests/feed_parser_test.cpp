#include "fetchers/feed_parser.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace feedd {
namespace {

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

TEST_CASE("Survives the GB18030 fixture without charset support") {
  const std::string document = read_seed("zaobao-rsshub-gb18030.xml");
  try {
    const Feed feed = parse(document);
    CHECK(feed.format == "rss");
  } catch (const FeedParseError&) {
    // Acceptable until charsets are handled; crashing is not.
  }
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
  CHECK(feed.entries[0].content == "<p>x</p>");
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
  CHECK(feed.entries[1].link.empty());
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
  const std::string malformed = parse_error("<rss version=\"2.0\">\n<channel><title>x</channel></rss>");
  CHECK(malformed.starts_with("not well-formed XML at line 2, column "));
  CHECK(malformed.find("offset") != std::string::npos);
  CHECK(parse_error("<!DOCTYPE html><html><head><title>Oops</title></head><body/></html>") ==
        "document root <html> is not rss, RDF or Atom");
  CHECK(parse_error("<!DOCTYPE html><html><body><p>unclosed<br></body></html>")
            .starts_with("not well-formed XML"));
  CHECK(parse_error("<rss version=\"2.0\"/>") == "<rss> has no <channel>");
  CHECK(parse_error("<?xml version=\"1.0\"?><!-- nothing -->") != "");
}

TEST_CASE("Does not expand entities declared in the document") {
  const Feed feed = parse(R"(<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lollollollollol"><!ENTITY ext SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&lol;&ext;</title></item></channel></rss>)");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title.find("lollol") == std::string::npos);
  CHECK(feed.entries[0].title.find("root:") == std::string::npos);
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

}  // namespace feedd
