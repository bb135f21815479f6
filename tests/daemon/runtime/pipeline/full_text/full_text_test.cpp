// sources[].full_text and kind = "html", end to end: the real feedd binary,
// pages shaped like Zaobao's and VOA's (and one in GB18030 declared only in
// <meta>) served on loopback, a real SQLite store and the posts read back
// with a YAML parser.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "tests/support/feeds.h"
#include "tests/support/eventually.h"
#include "tests/support/http_test_server.h"
#include "tests/support/local_http.h"
#include "tests/support/post_files.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::sqlite_count;
using feedd::test::sqlite_rows;
using feedd::test::sqlite_text;
using feedd::test::TempDir;
using feedd::test::TestResponse;
using feedd::test::write_file;
using feedd::test::xml_escape;

namespace {

const fs::path source_dir = FEEDD_SOURCE_DIR;
constexpr const char* first_now = "2026-12-01T00:00:00Z";

std::string page(const std::string& name) { return read_file(source_dir / "tests/data/pages" / name); }

struct Item {
  std::string title;
  std::string link;
  std::string teaser;
};

std::string rss(const std::vector<Item>& items) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>";
  int day = 1;
  for (const auto& item : items) {
    xml += fmt::format("<item><title>{}</title><link>{}</link><pubDate>Mon, {:02} Nov 2026 08:00:00 GMT</pubDate>"
                       "<description><![CDATA[{}]]></description></item>\n",
                       xml_escape(item.title), xml_escape(item.link), day++, item.teaser);
  }
  return xml + "</channel></rss>";
}

fs::path write_config(const TempDir& dir, const std::string& sources, const std::string& archive = "") {
  std::string toml = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";
  if (!archive.empty()) toml += "[archive]\n" + archive + "\n";
  toml += sources;
  const fs::path path = dir / "feedd.toml";
  write_file(path, toml);
  return path;
}

std::string source(const std::string& name, const std::string& url, const std::string& extra) {
  return fmt::format("[[sources]]\nname = \"{}\"\nurl = \"{}\"\n{}\n", name, url, extra);
}

std::vector<fs::path> posts(const TempDir& dir) { return feedd::test::post_files(dir / "site/_posts"); }

// The post whose front matter's `from:` is `url`.
std::string post_of(const TempDir& dir, const std::string& url) {
  for (const auto& path : posts(dir)) {
    const std::string text = read_file(path);
    if (text.find("from: \"" + url + "\"") != std::string::npos || text.find("from: " + url + "\n") != std::string::npos) {
      return text;
    }
  }
  FAIL("no post from ", url);
  return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void check_front_matter(const TempDir& dir) {
  std::string command = "/usr/bin/python3 '" + (source_dir / "tests/support/yaml_front_matter_check.py").string() + "'";
  for (const auto& path : posts(dir)) command += " '" + path.string() + "'";
  const int status = std::system(command.c_str());
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

std::string once(const fs::path& config, const std::string& now) {
  const auto result = run_feedd({"once", "--config", config.string(), "--now", now});
  INFO(result.err);
  CHECK(result.exit_status == 0);
  return result.err;
}

const std::string zaobao_teaser = "<p>公共交通理事会宣布车资上调。</p>";
const std::string voa_teaser = "<p>联合国气候大会闭幕。</p>";
const std::string gb_teaser = "<p>古镇灯会。</p>";

struct Site {
  HttpTestServer server;
  Site() {
    server.route("/zaobao/story-1", [](const auto&) {
      return TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}}, page("zaobao_like.html")};
    });
    server.route("/voa/a/climate.html", [](const auto&) {
      return TestResponse{200, {{"Content-Type", "text/html"}}, page("voa_like.html")};
    });
    server.route("/gb/lantern.html", [](const auto&) {
      return TestResponse{200, {{"Content-Type", "text/html"}}, page("gb18030_meta.html")};
    });
  }
  std::string zaobao() const { return server.url("/zaobao/story-1"); }
  // A feed of the Zaobao-like story alone, and a config polling it with
  // `extra` for the source.
  fs::path one_story(const TempDir& dir, const std::string& extra) {
    server.serve("/feed.xml", rss({{"车资上调", zaobao(), zaobao_teaser}}));
    return write_config(dir, source("早报", server.url("/feed.xml"), extra));
  }
};

}  // namespace

TEST_CASE("full_text auto puts the whole article into the post without the page's clutter and keeps both contents") {
  Site site;
  const std::string zaobao = site.server.url("/zaobao/story-1");
  const std::string voa = site.server.url("/voa/a/climate.html");
  const std::string gb = site.server.url("/gb/lantern.html");
  site.server.serve("/feed.xml", rss({{"车资上调", zaobao, zaobao_teaser}, {"气候大会", voa, voa_teaser},
                                      {"灯会", gb, gb_teaser}}));
  TempDir dir;
  const auto config = write_config(dir, source("早报", site.server.url("/feed.xml"), "full_text = \"auto\""));
  const std::string log = once(config, first_now);
  CHECK(has(log, "3 full text(s)"));
  CHECK(has(log, "3 new, 0 updated; 3 post(s) written"));  // each post written once, with its article

  const std::string zaobao_post = post_of(dir, zaobao);
  for (const char* phrase : {"成人车资明年起平均上调", "新票价将从明年四月一日起实施", "<figcaption>"}) {
    CHECK_MESSAGE(has(zaobao_post, phrase), phrase);
  }
  for (const char* clutter : {"订阅联合早报", "分享到脸书", "读者评论", "一则热门新闻的标题在这里", "<script", "<iframe"}) {
    CHECK_MESSAGE(!has(zaobao_post, clutter), clutter);
  }
  // Relative links resolved against the page.
  CHECK(has(zaobao_post, site.server.url("/media/photos/2026/11/bus-interchange.jpg")));
  CHECK(has(post_of(dir, voa), "climate-summit.jpg"));
  CHECK(has(post_of(dir, gb), "春节临近，位于江南的一座古镇举办了一年一度的灯会"));  // GB18030, named in <meta> only
  check_front_matter(dir);

  const fs::path database = dir / "state/feedd.db";
  CHECK(sqlite_count(database, "SELECT count(*) FROM page_contents WHERE carries = 'page'") == 3);
  // Both contents kept: the feed's teaser beside the page's article, which
  // the entry's row carries.
  const auto rows = sqlite_rows(database,
                                "SELECT p.feed_content, p.page_content, e.content FROM page_contents p "
                                "JOIN entries e ON e.id = p.entry_id WHERE e.url = '" + zaobao + "'");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == zaobao_teaser);
  CHECK(has(rows[0][1], "新票价将从明年四月一日起实施"));
  CHECK(rows[0][2] == rows[0][1]);

  SUBCASE("rebuild writes the same bytes") {
    std::vector<std::string> before;
    for (const auto& path : posts(dir)) before.push_back(read_file(path));
    const auto rebuilt = run_feedd({"rebuild", "--config", config.string()});
    CHECK(rebuilt.exit_status == 0);
    std::vector<std::string> after;
    for (const auto& path : posts(dir)) after.push_back(read_file(path));
    CHECK(before == after);
  }
  SUBCASE("reprocess keeps the page's article") {
    const std::string before = post_of(dir, zaobao);
    const auto reprocessed = run_feedd({"reprocess", "--config", config.string()});
    CHECK(reprocessed.exit_status == 0);
    CHECK(post_of(dir, zaobao) == before);
  }
  SUBCASE("search finds words only the page has") {
    const auto found = run_feedd({"search", "--config", config.string(), "票价结构"});
    CHECK(found.exit_status == 0);
    CHECK(has(found.out, "车资上调"));
  }
}

TEST_CASE("A feed that updates an entry carrying its page's article does not take the article away") {
  Site site;
  const std::string zaobao = site.zaobao();
  TempDir dir;
  const auto config = site.one_story(dir, "full_text = \"auto\"");
  once(config, first_now);
  REQUIRE(has(post_of(dir, zaobao), "新票价将从明年四月一日起实施"));

  // The same item, later and with another teaser: an update.
  std::string updated = rss({{"车资上调（更新）", zaobao, "<p>更新的摘要。</p>"}});
  updated.replace(updated.find("Mon, 01 Nov 2026"), 16, "Tue, 02 Nov 2026");
  site.server.serve("/feed.xml", updated);
  const std::string log = once(config, "2026-12-01T02:00:00Z");
  CHECK(has(log, "1 updated"));
  const std::string post = post_of(dir, zaobao);
  CHECK(has(post, "车资上调（更新）"));
  CHECK(has(post, "新票价将从明年四月一日起实施"));
  CHECK(site.server.requests("/zaobao/story-1") == 1);
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT feed_content FROM page_contents") == "<p>更新的摘要。</p>");
  // The row went from article to article: no version holds the new teaser
  // (it is the feed's content, kept beside the article, not the post's).
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM entry_versions WHERE content LIKE '%更新的摘要%'") ==
        0);
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM entry_versions WHERE content NOT LIKE "
                                             "'%新票价将从明年四月一日起实施%'") == 0);
}

TEST_CASE("full_text with a selector takes its matches minus remove") {
  Site site;
  const std::string zaobao = site.zaobao();
  TempDir dir;
  const auto config = site.one_story(dir,
                                     "full_text = { selector = \"figure, article .article-content\", remove = "
                                     "[\".subscription-banner\", \"[id^=dfp-ad]\"] }");
  once(config, first_now);
  const std::string post = post_of(dir, zaobao);
  CHECK(has(post, "乘客在宏茂桥巴士转换站排队上车"));
  CHECK(has(post, "成人车资明年起平均上调"));
  CHECK(!has(post, "订阅联合早报"));
  CHECK(!has(post, "广告"));
  CHECK(!has(post, "新加坡公共交通明年起调整票价</h1>"));  // the title is outside the selector
}

TEST_CASE("A page that fails keeps the feed's content and is tried again after its backoff and not before") {
  HttpTestServer server;
  int status = 404;
  server.route("/gone.html", [&status](const auto&) {
    if (status != 200) return TestResponse{status, {{"Content-Type", "text/html"}}, "<html><body>no</body></html>"};
    return TestResponse{200, {{"Content-Type", "text/html"}}, page("zaobao_like.html")};
  });
  server.route("/broken.html", [](const auto&) { return TestResponse{500, {}, "oops"}; });
  const std::string gone = server.url("/gone.html");
  const std::string broken = server.url("/broken.html");
  server.serve("/feed.xml", rss({{"一", gone, zaobao_teaser}, {"二", broken, voa_teaser}}));
  TempDir dir;
  const auto config = write_config(dir, source("早报", server.url("/feed.xml"), "full_text = \"auto\""));
  const std::string log = once(config, first_now);
  CHECK(has(log, fmt::format("source 早报 ({}): full text of {}: HTTP 404 Not Found, retry in 1h", server.url("/feed.xml"), gone)));
  CHECK(has(log, "HTTP 500 Internal Server Error, retry in 1h"));
  CHECK(has(post_of(dir, gone), zaobao_teaser));
  CHECK(has(post_of(dir, broken), voa_teaser));
  const fs::path database = dir / "state/feedd.db";
  CHECK(sqlite_count(database, "SELECT count(*) FROM page_contents WHERE carries = 'feed' AND attempts = 1 AND "
                               "last_error LIKE 'HTTP %'") == 2);
  CHECK(server.requests("/gone.html") == 1);

  status = 200;
  once(config, "2026-12-01T00:30:00Z");  // inside the backoff: not asked again
  CHECK(server.requests("/gone.html") == 1);
  CHECK(has(post_of(dir, gone), zaobao_teaser));

  const std::string later = once(config, "2026-12-01T01:00:01Z");  // due: the page now answers
  CHECK(server.requests("/gone.html") == 2);
  CHECK(has(post_of(dir, gone), "新票价将从明年四月一日起实施"));
  CHECK(has(later, "HTTP 500 Internal Server Error, retry in 2h"));
  CHECK(sqlite_text(database, "SELECT carries FROM page_contents p JOIN entries e ON e.id = p.entry_id WHERE e.url = '" +
                                  gone + "'") == "page");
  // The article that won later is the entry's second version (issue 15):
  // the feed's teaser first, the page's article after it.
  CHECK(sqlite_text(database, "SELECT group_concat(v.origin, ',') FROM (SELECT origin FROM entry_versions v JOIN "
                              "entries e ON e.id = v.entry_id WHERE e.url = '" + gone + "' ORDER BY number) v") ==
        "feed,page");
}

TEST_CASE("feedd run counts full-text pages in /metrics by result") {
  Site site;
  site.server.route("/missing.html", [](const auto&) { return TestResponse{404, {}, "no"}; });
  site.server.serve("/feed.xml", rss({{"车资上调", site.zaobao(), zaobao_teaser},
                                      {"不见了", site.server.url("/missing.html"), voa_teaser}}));
  TempDir dir;
  const auto port = feedd::test::free_port();
  const auto config = write_config(dir, fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n{}", port,
                                                    source("早报", site.server.url("/feed.xml"), "full_text = \"auto\"")));
  auto daemon = feedd::test::start_daemon(config);
  const auto counted = [&] {
    return feedd::test::http_get(port, "/metrics").body.find("feedd_full_text_pages_total{result=\"feed\"} 1") !=
           std::string::npos;
  };
  CHECK(feedd::test::eventually(counted, std::chrono::seconds(30)));
  const std::string metrics = feedd::test::http_get(port, "/metrics").body;
  INFO(metrics);
  CHECK(metrics.find("feedd_full_text_pages_total{result=\"article\"} 1\n") != std::string::npos);
  daemon->signal(SIGTERM);
  INFO(daemon->err());
  CHECK(daemon->wait(std::chrono::seconds(15)) == 0);
}

TEST_CASE("A page with less text than the feed keeps the feed's content") {
  HttpTestServer server;
  server.route("/short.html", [](const auto&) {
    return TestResponse{200, {{"Content-Type", "text/html"}},
                        "<html><body><article><p>太短了。</p></article></body></html>"};
  });
  const std::string link = server.url("/short.html");
  const std::string long_teaser =
      "<p>这一条目的摘要比网页上的文章还要长得多，所以保留订阅源给出的内容，而不是网页上的那一句话。</p>";
  server.serve("/feed.xml", rss({{"短", link, long_teaser}}));
  TempDir dir;
  const auto config = write_config(dir, source("早报", server.url("/feed.xml"), ""), "full_text = \"auto\"");
  const std::string log = once(config, first_now);
  CHECK(has(post_of(dir, link), long_teaser));
  CHECK(has(log, "feed content kept"));
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT carries FROM page_contents") == "feed");
}

TEST_CASE("Without full_text no page is fetched") {
  Site site;
  const std::string zaobao = site.zaobao();
  TempDir dir;
  const auto config = site.one_story(dir, "");
  once(config, first_now);
  CHECK(site.server.requests("/zaobao/story-1") == 0);
  CHECK(has(post_of(dir, zaobao), zaobao_teaser));
}

TEST_CASE("A kind = html source turns a listing page's items into posts with their full text") {
  Site site;
  site.server.route("/news/", [](const auto&) {
    return TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}}, R"(<!DOCTYPE html><html><body>
<nav><a href="/">首页</a></nav>
<ul class="list">
  <li class="story"><h3><a href="/zaobao/story-1">新加坡公共交通明年起调整票价</a></h3>
    <time datetime="2026-11-30T08:15:00+08:00">11月30日</time><p class="lead">车资上调。</p></li>
  <li class="story"><h3><a href="/voa/a/climate.html">联合国气候大会闭幕</a></h3>
    <span class="when">2026/11/29 21:40</span></li>
  <li class="story"><h3>没有链接的条目</h3></li>
</ul></body></html>)"};
  });
  TempDir dir;
  const auto config = write_config(
      dir, source("列表", site.server.url("/news/"),
                  "kind = \"html\"\nhtml = { item = \"li.story\", link = \"h3 a\", date = \"time, .when\", "
                  "date_format = \"%Y/%m/%d %H:%M\", summary = \"p.lead\" }\nfull_text = \"auto\"\n"
                  "timezone = \"Asia/Shanghai\""));
  // date_format reads the second item; the first has an RFC 3339 datetime,
  // which date_format does not read.
  const auto result = run_feedd({"once", "--config", config.string(), "--now", first_now});
  INFO(result.err);
  CHECK(result.exit_status == 0);
  CHECK(posts(dir).size() == 2);
  CHECK(has(result.err, "2 new, 0 updated; 2 post(s) written"));
  const std::string zaobao = post_of(dir, site.server.url("/zaobao/story-1"));
  CHECK(has(zaobao, "title: \"新加坡公共交通明年起调整票价\""));
  CHECK(has(zaobao, "新票价将从明年四月一日起实施"));
  const std::string voa = post_of(dir, site.server.url("/voa/a/climate.html"));
  CHECK(has(voa, "date: 2026-11-29T13:40:00.000Z"));  // 21:40 in the source's timezone, by date_format
  check_front_matter(dir);
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM page_contents WHERE carries = 'page'") == 2);

  // The next poll finds the same items: nothing new, nothing fetched again.
  const auto again = run_feedd({"once", "--config", config.string(), "--now", "2026-12-01T01:00:00Z"});
  CHECK(again.exit_status == 0);
  CHECK(site.server.requests("/zaobao/story-1") == 1);
  CHECK(posts(dir).size() == 2);
}

TEST_CASE("A page on another host meets the private-address shield and gets no login or cookie") {
  Site feed_host;  // 127.0.0.1: the feed's host, trusted as configured
  HttpTestServer other("127.0.0.2");
  other.route("/story", [](const auto&) {
    return TestResponse{200, {{"Content-Type", "text/html"}}, page("zaobao_like.html")};
  });
  const std::string link = other.url("/story");
  feed_host.server.serve("/feed.xml", rss({{"别处", link, zaobao_teaser}}));
  const std::string feed = feed_host.server.url("/feed.xml");

  SUBCASE("refused on a private address") {
    TempDir dir;
    const auto config = write_config(dir, source("早报", feed, "full_text = \"auto\""));
    const std::string log = once(config, first_now);
    CHECK(other.requests("/story") == 0);
    CHECK(has(log, "full text of " + link + ": "));
    CHECK(has(log, "retry in 1h"));
    CHECK(has(post_of(dir, link), zaobao_teaser));
  }
  SUBCASE("fetched with allow_private, without the source's cookie") {
    TempDir dir;
    const auto config =
        write_config(dir, source("早报", feed, "full_text = \"auto\"\nallow_private = true\ncookie = \"session=s3cret\""));
    once(config, first_now);
    REQUIRE(other.requests("/story") == 1);
    CHECK(other.request_log().front().headers.count("cookie") == 0);
    const auto feed_requests = feed_host.server.request_log();
    REQUIRE_FALSE(feed_requests.empty());
    CHECK(feed_requests.front().headers.at("cookie") == "session=s3cret");
    CHECK(has(post_of(dir, link), "新票价将从明年四月一日起实施"));
  }
}

TEST_CASE("Bad selectors and keys are config errors with file, line and key") {
  TempDir dir;
  struct Case {
    std::string sources;
    std::string archive;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {source("a", "https://example.org/feed", "full_text = { selector = \"div[\" }"), "",
       ":7: sources[0].full_text.selector: selector \"div[\""},
      {source("a", "https://example.org/feed", "full_text = { selector = \"div\", remove = [\"p\", \"a >\"] }"), "",
       ":7: sources[0].full_text.remove[1]: selector \"a >\""},
      {source("a", "https://example.org/feed", "full_text = \"yes\""), "",
       ":7: sources[0].full_text: must be \"auto\", \"off\""},
      {source("a", "https://example.org/feed", "full_text = { remove = [\"p\"] }"), "",
       ":7: sources[0].full_text.selector: missing required key"},
      {source("a", "https://example.org/feed", ""), "full_text = { selector = \":bogus\" }",
       ":5: archive.full_text.selector: selector \":bogus\""},
      {source("a", "https://example.org/", "kind = \"html\"\nhtml = { item = \"li\", link = \"a\", titel = \"h3\" }"), "",
       ":8: sources[0].html.titel: unknown key"},
      {source("a", "https://example.org/", "kind = \"html\""), "", ":7: sources[0].kind: kind = \"html\" needs html"},
      {source("a", "https://example.org/", "kind = \"html\"\nhtml = { item = \"li..x\", link = \"a\" }"), "",
       ":8: sources[0].html.item: selector \"li..x\""},
      {source("a", "https://example.org/", "kind = \"rss\""), "", ":7: sources[0].kind: must be \"feed\" or \"html\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.sources);
    const auto config = write_config(dir, c.sources, c.archive);
    const auto result = run_feedd({"check", "--config", config.string()});
    CHECK(result.exit_status == 2);
    CHECK_MESSAGE(has(result.err, config.string() + c.expected), result.err);
  }
}
