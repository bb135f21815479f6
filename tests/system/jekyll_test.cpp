// A real Jekyll site over posts that feedd really wrote: the seed fixtures,
// nasty titles and a few hundred generated entries, fetched from a loopback
// server by `feedd once` into the site's _posts. `jekyll build` (Debian's
// jekyll, installed here when missing and running as root) must succeed
// without a warning, give every post a page of its own, and show on it the
// title, date and other front-matter values feedd wrote, as PyYAML reads them
// (tests/system/jekyll_site_check.py), with nothing on any page that a feed
// smuggled in as markup or Liquid.
#include <unistd.h>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/post_files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::run_process;
using feedd::test::TempDir;
using feedd::test::write_file;
using feedd::test::xml_escape;

namespace {

const fs::path source_dir = FEEDD_SOURCE_DIR;
constexpr const char* pinned_now = "2021-04-17T02:56:40.156Z";

// Jekyll's defaults, Liquid and excerpts included: feedd's posts must build
// on any site, so a title or body holding "{{" or "{%" must not reach Liquid.
// The zone is not UTC on purpose: the dates on the pages must still be the
// instants feedd wrote.
constexpr const char* site_config = R"(title: feedd Jekyll test
timezone: Asia/Shanghai
)";

// Everything the checker compares, after the content, so content can't fake it.
constexpr const char* post_layout = R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ page.title | xml_escape }}</title></head><body>
<article>{{ content }}</article>
<pre id="feedd-source">{{ page.path | xml_escape }}</pre>
<pre id="feedd-title">{{ page.title | xml_escape }}</pre>
<pre id="feedd-date">{{ page.date | date: "%Y-%m-%dT%H:%M:%S.%L%z" }}</pre>
<pre id="feedd-author">{{ page.author | xml_escape }}</pre>
<pre id="feedd-from">{{ page.from | xml_escape }}</pre>
<pre id="feedd-tags">{{ page.tags | jsonify | xml_escape }}</pre>
<pre id="feedd-categories">{{ page.categories | jsonify | xml_escape }}</pre>
</body></html>
)";

// One "path<TAB>url" line per post: file names hold no control characters.
constexpr const char* site_index = R"(---
---
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ site.title }}</title></head><body>
<pre id="feedd-posts">{% for post in site.posts %}{{ post.path | xml_escape }}	{{ post.url | xml_escape }}
{% endfor %}</pre>
</body></html>
)";

struct TestSource {
  std::string name;
  std::string url;
  std::string content = "raw";
};

struct TestItem {
  std::string title;
  std::string link;
  std::string date;  // RFC 822 for RSS, RFC 3339 for Atom; empty: none
};

std::string rss(const std::vector<TestItem>& items) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>\n";
  for (const auto& item : items) {
    xml += "<item><title>" + xml_escape(item.title) + "</title><link>" + xml_escape(item.link) + "</link>";
    if (!item.date.empty()) xml += "<pubDate>" + item.date + "</pubDate>";
    xml += "<description><![CDATA[<p>Body of " + xml_escape(item.title) + "</p>\n  <p>second</p>]]></description></item>\n";
  }
  return xml + "</channel></rss>\n";
}

std::string atom(const std::vector<TestItem>& items) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
      "<id>urn:feedd:test</id><updated>2021-04-17T00:00:00Z</updated>\n";
  for (const auto& item : items) {
    xml += "<entry><title type=\"text\">" + xml_escape(item.title) + "</title><id>" + xml_escape(item.link) +
           "</id><link href=\"" + xml_escape(item.link) + "\"/>";
    if (!item.date.empty()) xml += "<updated>" + item.date + "</updated>";
    xml += "<content type=\"html\">" + xml_escape("<p>" + xml_escape(item.title) + "</p>") + "</content></entry>\n";
  }
  return xml + "</feed>\n";
}

struct CivilTime {
  std::chrono::weekday weekday;
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::seconds> clock;
};

// UTC calendar fields of a count of seconds since 1970 (negative before).
CivilTime civil(std::int64_t seconds) {
  using namespace std::chrono;
  const sys_seconds time{std::chrono::seconds{seconds}};
  const auto day = floor<std::chrono::days>(time);
  return {weekday{day}, year_month_day{day}, hh_mm_ss<std::chrono::seconds>{time - day}};
}

// RFC 822, in GMT.
std::string rfc822(std::int64_t seconds) {
  static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto t = civil(seconds);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", days[t.weekday.c_encoding()],
                     unsigned(t.date.day()), months[unsigned(t.date.month()) - 1], int(t.date.year()),
                     t.clock.hours().count(), t.clock.minutes().count(), t.clock.seconds().count());
}

// RFC 3339 with milliseconds, at UTC-05:00.
std::string rfc3339_minus_5(std::int64_t seconds, int milliseconds) {
  const auto t = civil(seconds - 5 * 3600);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}-05:00", int(t.date.year()), unsigned(t.date.month()),
                     unsigned(t.date.day()), t.clock.hours().count(), t.clock.minutes().count(),
                     t.clock.seconds().count(), milliseconds);
}

// Titles that a careless writer, YAML reader or Jekyll would trip over.
std::vector<std::string> nasty_titles() {
  std::string chinese;
  for (int i = 0; i < 300; ++i) chinese += "中";
  return {
      "He said \"hi\" \\ bye",
      "C:\\path\\to\\",
      "Key: value # not a comment",
      "--- dashes ---",
      "../../etc/passwd",
      "emoji 🎉 and 中文",
      chinese,
      std::string(100, 'x') + "长" + std::string(99, 'y'),
      "- [leading] {flow}, & * ! | > ' % @ `",
      "yes",
      "2021-04-17",
      "1:20",
      "{{ site.title }} in a title",
      "{% raw %} opens a Liquid block",
      "{% include nothing.html %}",
      "[not](a link) *not* _emphasis_",
      "'single' and \"double\"",
  };
}

// Generated titles and dates, `count` of them, each title starting with a
// distinct fixed-width number so no two slug alike; every 20th repeats one
// title at one time (feedd then adds a suffix to the file name).
std::vector<TestItem> generated_items(int feed, int count, bool atom_dates) {
  static const std::vector<std::string> fragments = {
      "plain words", "Re: colons", "He said \"hi\"", "C:\\dir\\", "# hash", "a #b", "yes", "No", "123", "0x1F",
      "2021-04-17 10:00:00", "1:20", "emoji 😀🎉", "中文标题：测试", "{{ x }}", "{% if x %}", "*stars* _under_",
      "[bracket", "{brace}", "?question", "&anchor", "!tag", "|pipe", ">fold", "%percent", "@at", "`tick",
      "~", "null", ".inf", "trailing dot.", "...", "a/b/c", "tab-free", "Ünïcödé", "עברית", "русский"};
  std::vector<TestItem> items;
  for (int i = 0; i < count; ++i) {
    TestItem item;
    item.link = fmt::format("https://gen{}.example.com/story/{}?utm_source=x", feed, i);
    if (i % 20 == 7) {
      item.title = "Daily briefing";
      item.date = atom_dates ? "2021-04-16T08:00:00.250+08:00" : "Fri, 16 Apr 2021 00:00:00 GMT";
      items.push_back(item);
      continue;
    }
    item.title = fmt::format("item{:03}-{} {}", i, feed, fragments[(i + feed * 7) % fragments.size()]);
    if (i % 13 == 5) {
      item.date = "";  // none: the post is dated when feedd first saw it
    } else if (i % 17 == 3) {
      item.date = atom_dates ? "2031-01-01T00:00:00Z" : "Wed, 01 Jan 2031 00:00:00 GMT";  // future: clamped
    } else {
      // Spread over 1950..2021, before 1970 too.
      const std::int64_t seconds = -631152000 + std::int64_t(i) * 7654321 + feed * 86399;
      if (atom_dates) {
        item.date = rfc3339_minus_5(seconds, (i * 37) % 1000);
      } else {
        item.date = rfc822(seconds);
      }
    }
    items.push_back(item);
  }
  return items;
}

fs::path write_config(const TempDir& dir, const std::vector<TestSource>& sources) {
  std::string toml = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";
  for (const auto& source : sources) {
    toml += fmt::format("[[sources]]\nname = '''{}'''\nurl = \"{}\"\ncontent = \"{}\"\n", source.name,
                        source.url, source.content);
  }
  const auto path = dir / "feedd.toml";
  write_file(path, toml);
  return path;
}

void write_site(const TempDir& dir) {
  write_file(dir / "site/_config.yml", site_config);
  write_file(dir / "site/_layouts/post.html", post_layout);
  write_file(dir / "site/index.html", site_index);
}

std::size_t post_count(const TempDir& dir) { return feedd::test::post_count(dir / "site/_posts"); }

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Debian's jekyll, installed when missing (as the README's test command does).
std::string jekyll_binary() {
  static std::string found;
  if (!found.empty()) return found;
  const auto look = [] { return run_process({"/bin/sh", "-c", "command -v jekyll"}); };
  auto where = look();
  if (where.exit_status != 0) {
    INFO("jekyll is missing; run scripts/deps.sh (or apt-get install jekyll) as root");
    REQUIRE(::geteuid() == 0);
    MESSAGE("installing Debian's jekyll");
    const auto install = run_process(
        {"/bin/sh", "-c",
         "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends jekyll"},
        std::chrono::minutes(10));
    INFO(install.out);
    INFO(install.err);
    REQUIRE(install.exit_status == 0);
    where = look();
    REQUIRE(where.exit_status == 0);
  }
  found = where.out.substr(0, where.out.find('\n'));
  return found;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

// `jekyll build` over dir/site, then the page-by-page comparison.
void build_and_check(const TempDir& dir) {
  const auto site = dir / "site";
  const auto build = run_process(
      {"/bin/sh", "-c",
       fmt::format("cd {0} && exec {1} build --source {0} --destination {0}/_site 2>&1", shell_quote(site.string()),
                   shell_quote(jekyll_binary()))},
      std::chrono::seconds(120));
  INFO("jekyll build:\n" << build.out << build.err);
  REQUIRE(build.exit_status == 0);
  // Any of these is a post Jekyll misread, dropped, or wrote over another.
  const std::string output = lower(build.out + build.err);
  for (const char* trouble : {"warn", "error", "yaml exception", "invalid date", "conflict", "liquid", "skipped"}) {
    CAPTURE(trouble);
    CHECK(output.find(trouble) == std::string::npos);
  }

  const auto check = run_process(
      {"/usr/bin/python3", (source_dir / "tests/system/jekyll_site_check.py").string(), site.string()});
  INFO("jekyll_site_check.py:\n" << check.out << check.err);
  CHECK(check.exit_status == 0);
}

void serve_rss(HttpTestServer& server, const std::string& path, const std::vector<TestItem>& items) {
  server.serve(path, rss(items));
}

}  // namespace

TEST_CASE("Jekyll builds every post feedd wrote, showing the titles and dates feedd wrote") {
  TempDir dir;
  write_site(dir);
  HttpTestServer server;
  server.serve("/rss/mgzy1.xml", read_file(source_dir / "seeds/feeds/voa-feedx.xml"));
  server.serve("/zaobao/realtime/china", read_file(source_dir / "seeds/feeds/zaobao-rsshub.xml"));

  std::vector<TestItem> nasty;
  const auto titles = nasty_titles();
  for (std::size_t i = 0; i < titles.size(); ++i) {
    nasty.push_back({titles[i], fmt::format("https://example.com/a/{}", i), "Thu, 15 Apr 2021 13:59:02 GMT"});
  }
  serve_rss(server, "/nasty.xml", nasty);
  serve_rss(server, "/gen0.xml", generated_items(0, 110, false));
  serve_rss(server, "/gen1.xml", generated_items(1, 110, false));
  server.serve("/gen2.xml", atom(generated_items(2, 110, true)), "application/atom+xml");

  const auto config = write_config(dir, {{"美国之音", server.url("/rss/mgzy1.xml")},
                                         {"联合早报", server.url("/zaobao/realtime/china")},
                                         {"Odd: \"name\" [x], y", server.url("/nasty.xml")},
                                         {"生成器 0", server.url("/gen0.xml")},
                                         {"yes", server.url("/gen1.xml")},
                                         {"Gen: #2, {x}", server.url("/gen2.xml")}});
  const auto run = run_feedd({"once", "--config", config.string(), "--now", pinned_now});
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  // Every entry is a post: 2 seeds, the nasty ones, 3 x 110 generated.
  REQUIRE(post_count(dir) == 2 + titles.size() + 3 * 110);
  // The seed posts are the reference bytes, so the site is built over those.
  CHECK(read_file(dir / "site/_posts/2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md") ==
        read_file(source_dir / "seeds/posts/000_194e748a9a75e2e5.txt"));

  build_and_check(dir);
}

// Jekyll's default permalink, /:categories/:year/:month/:day/:title.html,
// takes :title from the file name through its "pretty" slugify (runs of
// anything but letters, marks, digits and ._~!$&'()+,;=@ become one '-',
// '-' trimmed at both ends, ".." then turned into '/') and the day from the
// front-matter date in the site's time zone. Distinct file names must still
// be distinct pages.
TEST_CASE("Jekyll gives each post a page of its own, whatever its title slugs to") {
  TempDir dir;
  write_site(dir);
  HttpTestServer server;
  const std::string date = "Thu, 15 Apr 2021 13:59:02 GMT";
  serve_rss(server, "/slugs.xml",
            {
                {"---", "https://example.com/s/1", date},  // slugs to nothing
                {"\"", "https://example.com/s/2", date},
                {"?", "https://example.com/s/3", date},
                {"1.", "https://example.com/s/4", date},  // trailing dot
                {"1", "https://example.com/s/5", date},
                {"a#b", "https://example.com/s/6", date},
                {"a?b", "https://example.com/s/7", date},
                {"Key: value", "https://example.com/s/8", date},
                {"Key value", "https://example.com/s/9", date},
                // Two UTC days, one day in Asia/Shanghai (the site's zone).
                {"Night edition", "https://example.com/s/10", "Wed, 14 Apr 2021 20:00:00 GMT"},
                {"Night edition", "https://example.com/s/11", "Thu, 15 Apr 2021 01:00:00 GMT"},
            });
  const auto config = write_config(dir, {{"Slugs", server.url("/slugs.xml")}});
  const auto run = run_feedd({"once", "--config", config.string(), "--now", pinned_now});
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  REQUIRE(post_count(dir) == 11);

  build_and_check(dir);
}

// One hostile or merely technical article must not break or deface the site:
// what its title, link and body hold shows as text, in both content modes.
TEST_CASE("Markup and Liquid from the titles and links and bodies of a feed reach no page as code") {
  TempDir dir;
  write_site(dir);
  HttpTestServer server;
  const std::string date = "Thu, 15 Apr 2021 13:59:02 GMT";
  const std::vector<std::pair<TestItem, std::string>> hostile = {
      {{"<script>alert(1)</script>D", "https://h.example/1", date}, "<p>plain</p>"},
      {{"<img src=x onerror=alert(2)>", "https://h.example/2", date}, "<p>plain</p>"},
      // Escaped once more: the title's text itself is markup.
      {{"&lt;script&gt;alert(1)&lt;/script&gt;D", "https://h.example/1e", date}, "<p>plain</p>"},
      {{"&lt;img src=x onerror=alert(2)&gt;", "https://h.example/2e", date}, "<p>plain</p>"},
      {{"标题](javascript:alert(3)) [x", "https://h.example/3", date}, "<p>plain</p>"},
      {{"a link in parentheses", "https://h.example/p(a)r)en?x=1", date}, "<p>plain</p>"},
      {{"{% raw %} never closed", "https://h.example/5", date}, "<p>{% raw %} in the body too</p>"},
      {{"{{ site.title }} in a title", "https://h.example/6", date}, "<p>{{ site.title }} and {%- comment -%}</p>"},
      {{"[md](https://evil.example) *em* `code` ~~gone~~ $$x$$", "https://h.example/7?q={{site.title}}", date},
       "<p>[md](javascript:alert(7))</p>"},
      {{"body", "https://h.example/8", date},
       "<p>x</p><script>alert(8)</script><img src=\"https://h.example/i.png\" onerror=\"alert(8)\">"
       "<a href=\"javascript:alert(8)\">y</a>"},
  };
  // Sanitised (the default), and raw, which keeps the feed's HTML as it is
  // (scripts too, by the user's choice: so not the last item) but must still
  // keep Liquid and the link line safe. Other hosts, so neither source's
  // entries are the other's.
  const auto feed = [&](std::size_t count, const std::string& host) {
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>\n";
    for (std::size_t i = 0; i < count; ++i) {
      const auto& [item, body] = hostile[i];
      std::string link = item.link;
      link.replace(0, std::string("https://h.example").size(), "https://" + host);
      xml += "<item><title>" + xml_escape(item.title) + "</title><link>" + xml_escape(link) + "</link><pubDate>" +
             item.date + "</pubDate><description>" + xml_escape(body) + "</description></item>\n";
    }
    return xml + "</channel></rss>\n";
  };
  server.serve("/hostile.xml", feed(hostile.size(), "h.example"));
  server.serve("/hostile-raw.xml", feed(hostile.size() - 1, "raw.example"));
  const auto config = write_config(dir, {{"Hostile", server.url("/hostile.xml"), "sanitize"},
                                         {"Hostile raw", server.url("/hostile-raw.xml"), "raw"}});
  const auto run = run_feedd({"once", "--config", config.string(), "--now", pinned_now});
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  REQUIRE(post_count(dir) == 2 * hostile.size() - 1);

  build_and_check(dir);
}
