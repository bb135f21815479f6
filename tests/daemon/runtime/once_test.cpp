// End to end: the real feedd binary, a real HTTP server on loopback, a real
// SQLite file, and a real YAML parser reading the posts it writes.
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::sqlite_count;
using feedd::test::sqlite_text;
using feedd::test::TempDir;
using feedd::test::write_file;
using feedd::test::xml_escape;

namespace {

const fs::path source_dir = FEEDD_SOURCE_DIR;
constexpr const char* pinned_now = "2021-04-17T02:56:40.156Z";

struct TestSource {
  std::string name;
  std::string url;
  std::string extra;  // more TOML lines for this source
};

fs::path write_config(const TempDir& dir, const std::vector<TestSource>& sources, const std::string& fetch = "") {
  std::string toml = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";
  if (!fetch.empty()) toml += "[fetch]\n" + fetch + "\n";
  for (const auto& source : sources) {
    toml += fmt::format("[[sources]]\nname = '''{}'''\nurl = \"{}\"\ncontent = \"raw\"\n{}\n", source.name, source.url,
                        source.extra);
  }
  const auto path = dir / "feedd.toml";
  write_file(path, toml);
  return path;
}

std::vector<fs::path> post_files(const TempDir& dir) {
  std::vector<fs::path> files;
  const auto posts = dir / "site/_posts";
  if (!fs::exists(posts)) return files;
  for (const auto& item : fs::directory_iterator(posts)) files.push_back(item.path());
  std::sort(files.begin(), files.end());
  return files;
}

struct TestItem {
  std::string title;
  std::string link;
  std::string pub_date;  // RFC 822
  std::string description = "<p>body</p>";
  std::string guid{};
};

std::string rss(const std::vector<TestItem>& items) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>";
  for (const auto& item : items) {
    xml += "<item><title>" + xml_escape(item.title) + "</title>";
    if (!item.link.empty()) xml += "<link>" + xml_escape(item.link) + "</link>";
    if (!item.guid.empty()) xml += "<guid isPermaLink=\"false\">" + xml_escape(item.guid) + "</guid>";
    if (!item.pub_date.empty()) xml += "<pubDate>" + item.pub_date + "</pubDate>";
    xml += "<description><![CDATA[" + item.description + "]]></description></item>\n";
  }
  return xml + "</channel></rss>\n";
}

YAML::Node front_matter(const std::string& post) {
  REQUIRE(post.starts_with("---\n"));
  const auto end = post.find("\n---\n", 4);
  REQUIRE(end != std::string::npos);
  return YAML::Load(post.substr(4, end - 4));
}

std::map<fs::path, fs::file_time_type> mtimes(const std::vector<fs::path>& files) {
  std::map<fs::path, fs::file_time_type> result;
  for (const auto& file : files) result[file] = fs::last_write_time(file);
  return result;
}

// Every request gets the full body: dedup itself, not a 304, must keep a
// rerun from writing.
void serve_without_validators(HttpTestServer& server, const std::string& path, std::string body) {
  server.route(path, [body = std::move(body)](const feedd::test::TestRequest&) {
    return feedd::test::TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body};
  });
}

feedd::test::ProcessResult once(const fs::path& config, const char* now = pinned_now) {
  return run_feedd({"once", "--config", config.string(), "--now", now});
}

}  // namespace

TEST_CASE("The seed fixtures served over HTTP become the two seed posts byte for byte") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/rss/mgzy1.xml", read_file(source_dir / "seeds/feeds/voa-feedx.xml"));
  server.serve("/zaobao/realtime/china", read_file(source_dir / "seeds/feeds/zaobao-rsshub.xml"));
  const auto config = write_config(dir, {{"美国之音", server.url("/rss/mgzy1.xml"), ""},
                                         {"联合早报", server.url("/zaobao/realtime/china"), ""}});

  const auto run = once(config);
  INFO(run.err);
  CHECK(run.exit_status == 0);

  const auto posts = post_files(dir);
  REQUIRE(posts.size() == 2);
  std::map<std::string, std::string> by_author;
  for (const auto& post : posts) by_author[front_matter(read_file(post))["author"].as<std::string>()] = read_file(post);
  CHECK(by_author["联合早报"] == read_file(source_dir / "seeds/posts/000_194e748a9a75e2e5.txt"));
  CHECK(by_author["美国之音"] == read_file(source_dir / "seeds/posts/004_5c912297c50d9bb3.txt"));
  CHECK(posts[0].filename() == "2021-04-15-克里抵达上海，拜登寻求美中合作的首次努力面临考验.md");
  CHECK(posts[1].filename() == "2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md");

  SUBCASE("and a second pass over unchanged feeds writes nothing") {
    const auto before = mtimes(posts);
    const auto again = once(config);
    CHECK(again.exit_status == 0);
    CHECK(mtimes(post_files(dir)) == before);
    // The server's ETag makes the second pass a conditional GET answered 304.
    CHECK(again.err.find("HTTP 304, not modified") != std::string::npos);
    CHECK(server.request_log().back().headers.count("if-none-match") == 1);
    // Each 304 is in the fetch history: when a source last answered.
    const auto db = dir / "state/feedd.db";
    CHECK(sqlite_count(db, "SELECT count(*) FROM fetches WHERE http_status = 304 AND error IS NULL") == 2);
    CHECK(sqlite_count(db, "SELECT count(*) FROM fetches") == 4);
  }

  SUBCASE("and the store holds one row per entry in a WAL database of the current schema") {
    const auto db = dir / "state/feedd.db";
    CHECK(sqlite_count(db, "SELECT count(*) FROM entries") == 2);
    CHECK(sqlite_count(db, "SELECT count(*) FROM fetches") == 2);
    CHECK(sqlite_count(db, "PRAGMA user_version") == 16);
    // `once` leaves nothing for the search index to catch up on.
    CHECK(sqlite_count(db, "SELECT count(*) FROM search_backlog") == 0);
    CHECK(sqlite_text(db, "PRAGMA journal_mode") == "wal");
    CHECK(sqlite_count(db, "SELECT timestamp_ms FROM entries WHERE url LIKE '%zaobao%'") == 1618674240000);
  }
}

TEST_CASE("The Zaobao feed served in GB18030 becomes the same seed post byte for byte") {
  TempDir dir;
  HttpTestServer server;
  // Served with no charset in Content-Type: the XML declaration must decide.
  server.route("/zaobao-gb18030", [&](const feedd::test::TestRequest&) {
    return feedd::test::TestResponse{
        200, {{"Content-Type", "application/rss+xml"}}, read_file(source_dir / "seeds/feeds/zaobao-rsshub-gb18030.xml")};
  });
  const auto config = write_config(dir, {{"联合早报", server.url("/zaobao-gb18030"), ""}});
  const auto run = once(config);
  INFO(run.err);
  CHECK(run.exit_status == 0);
  const auto posts = post_files(dir);
  REQUIRE(posts.size() == 1);
  CHECK(read_file(posts[0]) == read_file(source_dir / "seeds/posts/000_194e748a9a75e2e5.txt"));
}

TEST_CASE("A Big5 feed that declares no charset is read by a guess, and the poll's log line says so") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/big5.xml", read_file(source_dir / "tests/data/charsets/big5.xml"));
  const auto config = write_config(dir, {{"中央社", server.url("/big5.xml"), ""}});
  const auto run = once(config);
  INFO(run.err);
  CHECK(run.exit_status == 0);
  CHECK(run.err.find("no charset declared and not UTF-8: read as BIG5-HKSCS (a guess)") != std::string::npos);
  const auto posts = post_files(dir);
  REQUIRE(posts.size() == 2);
  CHECK(front_matter(read_file(posts[0]))["title"].as<std::string>().starts_with("中央通訊社 即時新聞"));
  CHECK(read_file(posts[0]).find("行政院長今天在立法院進行施政報告") != std::string::npos);
}

TEST_CASE("Nasty titles and source names survive a real YAML parser exactly") {
  TempDir dir;
  HttpTestServer server;
  const std::vector<std::string> titles = {
      "He said \"hi\" \\ bye",
      "Key: value # not a comment",
      "---",
      "../../etc/passwd",
      "emoji 🎉 and 中文",
      std::string(100, 'x') + "长" + std::string(99, 'y'),
      "- [leading] {flow}, & * ! | > ' % @ `",
      "yes",
  };
  std::string long_chinese;
  for (int i = 0; i < 300; ++i) long_chinese += "中";
  std::vector<TestItem> items;
  auto all_titles = titles;
  all_titles.push_back(long_chinese);
  for (std::size_t i = 0; i < all_titles.size(); ++i) {
    items.push_back({all_titles[i], fmt::format("https://example.com/a/{}", i), "Thu, 15 Apr 2021 13:59:02 GMT"});
  }
  server.serve("/nasty.xml", rss(items));
  const std::string source_name = "Odd: \"name\" [x], y";
  const auto config = write_config(dir, {{source_name, server.url("/nasty.xml"), ""}});

  const auto run = once(config);
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  const auto posts = post_files(dir);
  REQUIRE(posts.size() == all_titles.size());

  std::vector<std::string> seen_titles;
  for (const auto& post : posts) {
    CHECK(post.parent_path() == dir / "site/_posts");
    const auto yaml = front_matter(read_file(post));
    seen_titles.push_back(yaml["title"].as<std::string>());
    CHECK(yaml["author"].as<std::string>() == source_name);
    REQUIRE(yaml["tags"].IsSequence());
    REQUIRE(yaml["tags"].size() == 1);
    CHECK(yaml["tags"][0].as<std::string>() == source_name);
    CHECK(yaml["categories"][0].as<std::string>() == source_name);
    CHECK(yaml["layout"].as<std::string>() == "post");
  }
  std::sort(seen_titles.begin(), seen_titles.end());
  std::sort(all_titles.begin(), all_titles.end());
  CHECK(seen_titles == all_titles);
}

TEST_CASE("Dedup keys on the canonical URL and timestamp") {
  TempDir dir;
  HttpTestServer server;
  const std::string date = "Thu, 15 Apr 2021 13:59:02 GMT";

  SUBCASE("tracking parameters, fragments and host case name the same article") {
    server.serve("/a.xml", rss({{"Story", "https://News.Example.com:443/s/1?id=7&utm_source=rss&fbclid=x#top", date},
                                {"Story again", "https://news.example.com/s/1?id=7&spm=a.b.c", date},
                                {"Other", "https://news.example.com/s/1?id=8", date}}));
    const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
    CHECK(once(config).exit_status == 0);
    CHECK(post_files(dir).size() == 2);
  }

  SUBCASE("the same article from two sources is one post") {
    server.serve("/a.xml", rss({{"Shared story", "https://example.com/shared?utm_medium=a", date}}));
    server.serve("/b.xml", rss({{"Shared story", "https://example.com/shared#b", date}}));
    const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}, {"B", server.url("/b.xml"), ""}});
    CHECK(once(config).exit_status == 0);
    CHECK(post_files(dir).size() == 1);
    CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM entries") == 1);
  }

  SUBCASE("a newer timestamp rewrites the same file in place; an older one is ignored") {
    server.serve("/a.xml", rss({{"First title", "https://example.com/story", date, "<p>v1</p>"}}));
    const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
    REQUIRE(once(config).exit_status == 0);
    const auto first = post_files(dir);
    REQUIRE(first.size() == 1);

    server.serve("/a.xml",
                 rss({{"Changed title", "https://example.com/story", "Thu, 15 Apr 2021 15:00:00 GMT", "<p>v2</p>"}}));
    const auto second_run = once(config);
    CHECK(second_run.err.find("0 new, 1 updated") != std::string::npos);
    const auto second = post_files(dir);
    REQUIRE(second == first);
    const auto post = read_file(second[0]);
    CHECK(front_matter(post)["title"].as<std::string>() == "Changed title");
    CHECK(post.find("<p>v2</p>") != std::string::npos);

    server.serve("/a.xml",
                 rss({{"Old title", "https://example.com/story", "Thu, 15 Apr 2021 10:00:00 GMT", "<p>v0</p>"}}));
    CHECK(once(config).exit_status == 0);
    CHECK(read_file(second[0]) == post);
  }

  SUBCASE("entries without a link fall back to guid, then to a content hash") {
    serve_without_validators(server, "/a.xml", rss({{"Guid only", "", date, "<p>g</p>", "guid-1"},
                                {"Guid only dup", "", date, "<p>g2</p>", "guid-1"},
                                {"Nothing", "", date, "<p>n</p>", ""}}));
    const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
    CHECK(once(config).exit_status == 0);
    CHECK(post_files(dir).size() == 2);
    const auto rerun = once(config);
    CHECK(rerun.err.find("0 new, 0 updated, 3 unchanged") != std::string::npos);
  }

  SUBCASE("two entries that would share a file name get distinct names") {
    server.serve("/a.xml", rss({{"Same title", "https://example.com/1", date}, {"Same title", "https://example.com/2", date}}));
    const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
    CHECK(once(config).exit_status == 0);
    const auto posts = post_files(dir);
    REQUIRE(posts.size() == 2);
    CHECK(posts[0].filename() != posts[1].filename());
  }
}

TEST_CASE("Poll records older than storage.fetch_history are deleted; entries and younger records stay") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/a.xml", rss({{"One", "https://example.com/1", "Thu, 15 Apr 2021 13:59:02 GMT"}}));
  const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
  {
    std::string toml = read_file(config);
    toml.replace(toml.find("[storage]\n"), 10, "[storage]\nfetch_history = \"30d\"\n");
    feedd::test::write_file(config, toml);
  }
  const auto db = dir / "state/feedd.db";
  // A changed feed each time, so each pass brings entries.
  REQUIRE(once(config, "2021-04-17T00:00:00Z").exit_status == 0);
  server.serve("/a.xml", rss({{"Two", "https://example.com/2", "Fri, 16 Apr 2021 13:59:02 GMT"}}));
  REQUIRE(once(config, "2021-05-10T00:00:00Z").exit_status == 0);
  CHECK(sqlite_count(db, "SELECT count(*) FROM fetches") == 2);  // 23 days apart: both kept

  server.serve("/a.xml", rss({{"Three", "https://example.com/3", "Sat, 17 Apr 2021 13:59:02 GMT"}}));
  const auto later = once(config, "2021-05-20T00:00:00Z");
  REQUIRE(later.exit_status == 0);
  CHECK(later.err.find("deleted 1 poll record(s) older than [storage] fetch_history") != std::string::npos);
  CHECK(sqlite_count(db, "SELECT count(*) FROM fetches") == 2);
  CHECK(sqlite_count(db, "SELECT min(started_ms) FROM fetches") == 1620604800000);  // 2021-05-10
  CHECK(sqlite_count(db, "SELECT count(*) FROM entries") == 3);
}

TEST_CASE("Many sources on one slow host do not hold back a source on another host") {
  // Two hosts as feedd counts them (by name): 127.0.0.1 and 127.0.0.2.
  HttpTestServer slow_host("127.0.0.1");
  HttpTestServer other_host("127.0.0.2");
  using Clock = std::chrono::steady_clock;
  std::mutex mutex;
  std::vector<Clock::time_point> slow_requests;
  Clock::time_point other_request{};
  const std::string body = rss({{"Item", "https://example.com/item", "Thu, 15 Apr 2021 13:59:02 GMT"}});
  slow_host.route("/feed.xml", [&](const feedd::test::TestRequest&) {
    const std::lock_guard lock(mutex);
    slow_requests.push_back(Clock::now());
    return feedd::test::TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body,
                                     std::chrono::milliseconds(250)};
  });
  other_host.route("/feed.xml", [&](const feedd::test::TestRequest&) {
    const std::lock_guard lock(mutex);
    other_request = Clock::now();
    return feedd::test::TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body};
  });
  // The slow host's sources come first in the config, more of them than
  // feedd lets be between fetch and store at once (2 transfers + 8).
  std::vector<TestSource> sources;
  for (int i = 0; i < 12; ++i) {
    sources.push_back({fmt::format("Slow {}", i), slow_host.url("/feed.xml?" + std::to_string(i)), ""});
  }
  sources.push_back({"Zhongguo", other_host.url("/feed.xml"), ""});  // last by name too
  TempDir dir;
  const auto config = write_config(dir, sources, "concurrency = 2\nper_host = 1");
  const auto run = once(config);
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  const std::lock_guard lock(mutex);
  REQUIRE(slow_requests.size() == 12);
  REQUIRE(other_request != Clock::time_point{});
  // One transfer at a time to the slow host; the other host's poll is not
  // queued behind them but starts alongside the first.
  CHECK(other_request < slow_requests[1]);
}

TEST_CASE("Polls that would only wait behind their host's transfers do not take the places of another host's") {
  // Six busy hosts with four sources each, named first; a seventh host's
  // source named last. Per host one transfer and one poll waiting behind it:
  // six hosts' second polls fill the 4 + 8 places a pass allows, and the
  // seventh host, which could transfer at once, used to wait for every one
  // of the busy hosts' polls to have started.
  using Clock = std::chrono::steady_clock;
  std::mutex mutex;
  std::vector<Clock::time_point> busy_requests;
  Clock::time_point other_request{};
  const std::string body = rss({{"Item", "https://example.com/item", "Thu, 15 Apr 2021 13:59:02 GMT"}});
  std::vector<std::unique_ptr<HttpTestServer>> busy_hosts;
  for (int host = 1; host <= 6; ++host) {
    busy_hosts.push_back(std::make_unique<HttpTestServer>(fmt::format("127.0.0.{}", host)));
    busy_hosts.back()->route("/feed.xml", [&](const feedd::test::TestRequest&) {
      const std::lock_guard lock(mutex);
      busy_requests.push_back(Clock::now());
      return feedd::test::TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body,
                                       std::chrono::milliseconds(250)};
    });
  }
  HttpTestServer other_host("127.0.0.7");
  other_host.route("/feed.xml", [&](const feedd::test::TestRequest&) {
    const std::lock_guard lock(mutex);
    other_request = Clock::now();
    return feedd::test::TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body};
  });
  std::vector<TestSource> sources;
  for (int i = 0; i < 24; ++i) {
    sources.push_back(
        {fmt::format("Busy {:02}", i), busy_hosts[static_cast<std::size_t>(i % 6)]->url(fmt::format("/feed.xml?{}", i)), ""});
  }
  sources.push_back({"Zhongguo", other_host.url("/feed.xml"), ""});
  TempDir dir;
  const auto config = write_config(dir, sources, "concurrency = 4\nper_host = 1");
  const auto run = once(config);
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  const std::lock_guard lock(mutex);
  REQUIRE(busy_requests.size() == 24);
  REQUIRE(other_request != Clock::time_point{});
  // Within the first rounds of transfers, not after all 24.
  CHECK(other_request < busy_requests[15]);
}

TEST_CASE("A pass starts one source of each host in turn, not the sources of the hosts named first") {
  // Two hosts with four sources each, all of the first host's named first.
  // Two transfers at once and two per host: in name order the first host
  // took both, and a pass ended with only the second host's polls left.
  HttpTestServer first_host("127.0.0.1");
  HttpTestServer second_host("127.0.0.2");
  std::mutex mutex;
  std::vector<std::string> requests;  // the host of each, in order
  const std::string body = rss({{"Item", "https://example.com/item", "Thu, 15 Apr 2021 13:59:02 GMT"}});
  for (auto* server : {&first_host, &second_host}) {
    const std::string host = server == &first_host ? "first" : "second";
    server->route("/feed.xml", [&, host](const feedd::test::TestRequest&) {
      const std::lock_guard lock(mutex);
      requests.push_back(host);
      return feedd::test::TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body,
                                       std::chrono::milliseconds(100)};
    });
  }
  std::vector<TestSource> sources;
  for (int i = 0; i < 4; ++i) sources.push_back({fmt::format("A {}", i), first_host.url(fmt::format("/feed.xml?{}", i)), ""});
  for (int i = 0; i < 4; ++i) sources.push_back({fmt::format("B {}", i), second_host.url(fmt::format("/feed.xml?{}", i)), ""});
  TempDir dir;
  const auto config = write_config(dir, sources, "concurrency = 2\nper_host = 2");
  const auto run = once(config);
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  const std::lock_guard lock(mutex);
  REQUIRE(requests.size() == 8);
  const std::set<std::string> first_two(requests.begin(), requests.begin() + 2);
  CHECK(first_two == std::set<std::string>{"first", "second"});
}

TEST_CASE("A source that is down, failing or malformed is reported and the others still land") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/good.xml", rss({{"Good", "https://example.com/good", "Thu, 15 Apr 2021 13:59:02 GMT"}}));
  server.route("/broken.xml", [](const feedd::test::TestRequest&) {
    return feedd::test::TestResponse{500, {}, "oops"};
  });
  // Beyond what recover mode can read: no element at all survives.
  server.serve("/malformed.xml", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR garbage <<<>>>", 27));
  // Broken but readable: recover mode gets the entry, and says so.
  server.serve("/recoverable.xml",
               "<rss version=\"2.0\"><channel><item><title>Recovered</title>"
               "<link>https://example.com/recovered</link><description>x &nbsp; y</description></item>");
  // A port that nothing listens on: bind-and-release leaves it closed.
  std::string down_url;
  {
    HttpTestServer gone;
    down_url = gone.url("/feed.xml");
  }
  const auto config = write_config(dir, {{"Good", server.url("/good.xml"), ""},
                                         {"Broken", server.url("/broken.xml"), ""},
                                         {"Malformed", server.url("/malformed.xml"), ""},
                                         {"Recoverable", server.url("/recoverable.xml"), ""},
                                         {"Down", down_url, ""}});
  const auto run = once(config);
  CHECK(run.exit_status == 1);
  CHECK(post_files(dir).size() == 2);
  const auto recovered_line = run.err.find("Recoverable (" + server.url("/recoverable.xml") + "): HTTP 200");
  REQUIRE(recovered_line != std::string::npos);
  CHECK(run.err.substr(recovered_line, run.err.find('\n', recovered_line) - recovered_line)
            .find("not well-formed XML (read in recover mode), 1 new") != std::string::npos);
  CHECK(run.err.find("1 recovered") != std::string::npos);
  INFO(run.err);
  CHECK(run.err.find("source Broken (" + server.url("/broken.xml") + "): HTTP 500") != std::string::npos);
  CHECK(run.err.find("source Malformed (" + server.url("/malformed.xml") + ")") != std::string::npos);
  CHECK(run.err.find("source Down (" + down_url + ")") != std::string::npos);
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM fetches WHERE error IS NOT NULL") == 3);
}

TEST_CASE("Volume: 200 sources of 50 entries become 10,000 posts and rows, and a rerun writes nothing") {
  TempDir dir;
  HttpTestServer server;
  std::vector<TestSource> sources;
  for (int s = 0; s < 200; ++s) {
    std::vector<TestItem> items;
    for (int e = 0; e < 50; ++e) {
      items.push_back({fmt::format("Source {} entry {}", s, e), fmt::format("https://example.com/{}/{}", s, e),
                       fmt::format("Thu, 15 Apr 2021 {:02}:{:02}:00 GMT", e % 24, s % 60),
                       fmt::format("<p>Entry {} of source {}</p>\n<p>中文内容</p>", e, s)});
    }
    const auto path = fmt::format("/feeds/{}.xml", s);
    server.serve(path, rss(items));
    sources.push_back({fmt::format("Source {}", s), server.url(path), ""});
  }
  const auto config = write_config(dir, sources, "concurrency = 16\nper_host = 16");

  const auto first = run_feedd({"once", "--config", config.string(), "--now", pinned_now}, std::chrono::minutes(5));
  INFO(first.err.substr(0, 2000));
  REQUIRE(first.exit_status == 0);
  const auto posts = post_files(dir);
  CHECK(posts.size() == 10000);
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM entries") == 10000);

  const auto before = mtimes(posts);
  const auto second = run_feedd({"once", "--config", config.string(), "--now", pinned_now}, std::chrono::minutes(5));
  CHECK(second.exit_status == 0);
  CHECK(second.err.find("0 new, 0 updated; 0 post(s) written") != std::string::npos);
  CHECK(mtimes(post_files(dir)) == before);
}

TEST_CASE("enclosures = true writes audio, video and file links after the content; off by default") {
  TempDir dir;
  HttpTestServer server;
  const auto podcast = [](const std::string& prefix) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
           "xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>t</title>"
           "<item><title>" + prefix + " episode</title><link>https://rfa.example/" + prefix + "/1</link>"
           "<pubDate>Thu, 15 Apr 2021 13:59:02 GMT</pubDate><description><![CDATA[<p>Show notes</p>]]></description>"
           "<enclosure url=\"https://rfa.example/" + prefix + ".mp3\" type=\"audio/mpeg\" length=\"1234\"/>"
           "<media:content url=\"https://rfa.example/" + prefix + ".mp4\" type=\"video/mp4\"/>"
           "<media:content url=\"https://rfa.example/" + prefix + ".pdf?a=1&amp;b=2\" type=\"application/pdf\"/>"
           "<media:thumbnail url=\"https://rfa.example/" + prefix + ".jpg\"/></item></channel></rss>\n";
  };
  server.serve("/on.xml", podcast("on"));
  server.serve("/off.xml", podcast("off"));
  const auto config = write_config(
      dir, {{"On", server.url("/on.xml"), "enclosures = true"}, {"Off", server.url("/off.xml"), ""}});
  const auto run = once(config);
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  std::map<std::string, std::string> by_author;
  for (const auto& post : post_files(dir)) by_author[front_matter(read_file(post))["author"].as<std::string>()] = read_file(post);
  REQUIRE(by_author.size() == 2);
  INFO(by_author["On"]);
  CHECK(by_author["On"].find("<p>Show notes</p>"
                             "<audio controls=\"\" src=\"https://rfa.example/on.mp3\"></audio>"
                             "<video controls=\"\" src=\"https://rfa.example/on.mp4\"></video>"
                             "<p><a href=\"https://rfa.example/on.pdf?a=1&amp;b=2\">on.pdf</a></p>\n</div>") !=
        std::string::npos);
  CHECK(by_author["Off"].find("<audio") == std::string::npos);
  CHECK(by_author["Off"].find("off.mp3") == std::string::npos);
}

TEST_CASE("check validates the config and lists its sources; a bad config names file, line and key") {
  TempDir dir;
  const auto config = write_config(dir, {{"美国之音", "https://feedx.net/rss/mgzy1.xml", ""}});
  const auto good = run_feedd({"check", "--config", config.string()});
  CHECK(good.exit_status == 0);
  CHECK(good.out.find("美国之音") != std::string::npos);
  CHECK(good.out.find("https://feedx.net/rss/mgzy1.xml") != std::string::npos);

  write_file(config, "[fetch]\nconcurrency = \"many\"\n");
  const auto bad = run_feedd({"check", "--config", config.string()});
  CHECK(bad.exit_status == 2);
  CHECK(bad.err.find(config.string() + ":2: fetch.concurrency") != std::string::npos);

  const auto once_bad = run_feedd({"once", "--config", config.string()});
  CHECK(once_bad.exit_status == 2);
  CHECK_FALSE(fs::exists(dir / "state/feedd.db"));

  write_file(config, "[[sources]]\nname = \"x\"\nurl = \"https://example.com/feed.xml\"\n"
                     "remove = ['div:contains(\"\")']\n");
  const auto bad_rule = run_feedd({"check", "--config", config.string()});
  CHECK(bad_rule.exit_status == 2);
  CHECK(bad_rule.err.find(config.string() + ":1: sources[0].remove") != std::string::npos);
  CHECK(bad_rule.err.find(":contains needs some text") != std::string::npos);
}

TEST_CASE("The command line explains itself and rejects what it does not know") {
  const auto help = run_feedd({"--help"});
  CHECK(help.exit_status == 0);
  CHECK(help.out.find("once") != std::string::npos);
  const auto once_help = run_feedd({"once", "--help"});
  CHECK(once_help.exit_status == 0);
  CHECK(once_help.out.find("--now") != std::string::npos);
  CHECK(run_feedd({"frobnicate"}).exit_status == 2);
  CHECK(run_feedd({"once", "--bogus"}).exit_status == 2);
  CHECK(run_feedd({"once", "--config", "/nonexistent/feedd.toml"}).exit_status == 2);
  CHECK(run_feedd({"once", "--now", "yesterday"}).exit_status == 2);
}

TEST_CASE("check finds what would fail later without polling: posts_dir under a file, a publish command that is "
          "missing or not executable, duplicate URLs, an interval below the floor; and prints every setting") {
  TempDir dir;
  write_file(dir / "plain-file", "");
  write_file(dir / "not-executable", "#!/bin/sh\n");
  const auto config = dir / "feedd.toml";
  const auto check = [&](const std::string& text) {
    write_file(config, text);
    return run_feedd({"check", "--config", config.string()});
  };
  const auto source = [](const std::string& name, const std::string& url) {
    return fmt::format("[[sources]]\nname = \"{}\"\nurl = \"{}\"\n", name, url);
  };

  const auto under_file = check("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"plain-file/_posts\"\n");
  CHECK(under_file.exit_status == 2);
  CHECK(under_file.err.find(config.string() + ":3: storage.posts_dir: cannot be created: " +
                            (dir / "plain-file").string() + " is not a folder") != std::string::npos);

  const auto missing = check("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"posts\"\n[publish]\n"
                             "command = [\"/nonexistent/publish-git\", \"--site\", \"/srv/site\"]\n");
  CHECK(missing.exit_status == 2);
  CHECK(missing.err.find(config.string() + ":5: publish.command: /nonexistent/publish-git does not exist") !=
        std::string::npos);

  const auto not_executable =
      check(fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"posts\"\n[publish]\ncommand = [\"{}\"]\n",
                        (dir / "not-executable").string()));
  CHECK(not_executable.exit_status == 2);
  CHECK(not_executable.err.find(":5: publish.command: " + (dir / "not-executable").string() + " is not executable") !=
        std::string::npos);

  const auto duplicate = check(source("A", "https://News.Example.com/feed.xml") +
                               source("B", "https://news.example.com:443/feed.xml#x"));
  CHECK(duplicate.exit_status == 2);
  CHECK(duplicate.err.find(config.string() + ":6: sources[1].url: the same feed as source \"A\" (line 3)") !=
        std::string::npos);

  const auto too_often = check("[schedule]\ninterval = \"1ms\"\n");
  CHECK(too_often.exit_status == 2);
  CHECK(too_often.err.find(config.string() + ":2: schedule.interval: must be at least 1m") != std::string::npos);

  const auto good = check(fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"posts\"\n"
                                      "[http]\nlisten = \"127.0.0.1:9464\"\n[publish]\ncommand = [\"/bin/true\"]\n"
                                      "timeout = \"30s\"\n[daemon]\nshutdown_grace = \"7s\"\n{}",
                                      source("A", "https://example.com/feed.xml")));
  INFO(good.err);
  CHECK(good.exit_status == 0);
  for (const auto* expected :
       {"[storage]", "fetch_history:   90d", "[fetch]", "concurrency:     64", "per_host:        2",
        "[schedule]", "interval:        15m", "max_backoff:     6h", "min_interval:    1m", "[daemon]",
        "shutdown_grace:  7s", "[http]", "listen:          127.0.0.1:9464", "[publish]", "command:         /bin/true",
        "timeout:         30s", "interval:   15m ([schedule])"}) {
    CHECK_MESSAGE(good.out.find(expected) != std::string::npos, expected);
  }
}

TEST_CASE("forget is remembered across polls; forgotten lists it; forget --undo lets the next poll store it again") {
  TempDir dir;
  HttpTestServer server;
  const std::string date = "Thu, 15 Apr 2021 13:59:02 GMT";
  // With validators: after the takedown the feed answers 304 until undo makes
  // the next poll a full fetch.
  server.serve("/a.xml", rss({{"Kept story", "https://example.com/kept", date},
                              {"Taken down", "https://example.com/taken?id=1", date}}));
  const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
  REQUIRE(once(config).exit_status == 0);
  REQUIRE(post_files(dir).size() == 2);

  const auto forget = run_feedd({"forget", "--config", config.string(), "https://Example.com/taken?id=1&utm_source=x"});
  INFO(forget.err);
  REQUIRE(forget.exit_status == 0);
  CHECK(post_files(dir).size() == 1);
  // The feed still carries it: it stays out (the stored validators would hide
  // it anyway, so fetch the whole document to be sure).
  serve_without_validators(server, "/a.xml",
                           rss({{"Kept story", "https://example.com/kept", date},
                                {"Taken down", "https://example.com/taken?id=1", date}}));
  REQUIRE(once(config).exit_status == 0);
  CHECK(post_files(dir).size() == 1);

  const auto listed = run_feedd({"forgotten", "--config", config.string()});
  CHECK(listed.exit_status == 0);
  CHECK(listed.out.find("https://example.com/taken?id=1") != std::string::npos);
  CHECK(listed.err.find("1 forgotten entry") != std::string::npos);
  const auto json = run_feedd({"forgotten", "--json", "--config", config.string()});
  CHECK(json.out.find("\"url\": \"https://example.com/taken?id=1\"") != std::string::npos);
  CHECK(json.out.find("\"forgotten_at\": \"") != std::string::npos);

  server.serve("/a.xml", rss({{"Kept story", "https://example.com/kept", date},
                              {"Taken down", "https://example.com/taken?id=1", date}}));
  REQUIRE(once(config).exit_status == 0);  // stores the server's validators again
  const auto undo = run_feedd({"forget", "--undo", "--config", config.string(), "https://example.com/taken?id=1"});
  INFO(undo.err);
  CHECK(undo.exit_status == 0);
  CHECK(undo.out.find("the next poll of a feed that carries it stores it again") != std::string::npos);
  CHECK(run_feedd({"forget", "--undo", "--config", config.string(), "https://example.com/taken?id=1"}).exit_status ==
        2);
  REQUIRE(once(config).exit_status == 0);
  CHECK(post_files(dir).size() == 2);
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM forgotten") == 0);
  CHECK(run_feedd({"forgotten", "--config", config.string()}).out.empty());
}

TEST_CASE("A feed of thousands of entries is stored in parts as it is read; one poll record counts them all") {
  TempDir dir;
  HttpTestServer server;
  std::vector<TestItem> items;
  for (int e = 0; e < 4500; ++e) {
    items.push_back({fmt::format("Entry {} 条目", e), fmt::format("https://example.com/big/{}", e),
                     fmt::format("Thu, 15 Apr 2021 {:02}:{:02}:{:02} GMT", e / 3600, e / 60 % 60, e % 60)});
  }
  // The same entry again in a later part: stored once.
  items.push_back(items[10]);
  server.serve("/big.xml", rss(items));
  const auto config = write_config(dir, {{"Big", server.url("/big.xml"), ""}});

  const auto first = once(config);
  INFO(first.err.substr(0, 2000));
  REQUIRE(first.exit_status == 0);
  CHECK(first.err.find("4500 new, 0 updated, 1 unchanged") != std::string::npos);
  CHECK(post_files(dir).size() == 4500);
  const auto database = dir / "state/feedd.db";
  CHECK(sqlite_count(database, "SELECT count(*) FROM entries") == 4500);
  CHECK(sqlite_count(database, "SELECT count(*) FROM post_backlog") == 0);
  CHECK(sqlite_count(database, "SELECT count(*) FROM fetches") == 1);
  CHECK(sqlite_count(database, "SELECT new_entries FROM fetches") == 4500);
  CHECK(sqlite_count(database, "SELECT unchanged_entries FROM fetches") == 1);
  const auto posts = post_files(dir);
  CHECK(std::count_if(posts.begin(), posts.end(), [](const fs::path& post) {
          return read_file(post).find("(https://example.com/big/4499)") != std::string::npos;
        }) == 1);

  const auto second = once(config);
  CHECK(second.exit_status == 0);
  CHECK(second.err.find("0 new, 0 updated; 0 post(s) written") != std::string::npos);
  CHECK(post_files(dir).size() == 4500);
}
