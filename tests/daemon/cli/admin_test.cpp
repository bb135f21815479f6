// rebuild, reprocess, forget, poll and sources against a live `feedd run`:
// the real binary as daemon and as command, its control socket, a real HTTP
// server on loopback and the real store.
#include <signal.h>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/http_test_server.h"
#include "tests/support/post_files.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::ChildProcess;
using feedd::test::eventually;
using feedd::test::HttpTestServer;
using feedd::test::ProcessResult;
using feedd::test::read_file;
using feedd::test::sqlite_count;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;
using nlohmann::json;

namespace {

// Items whose text carries a script, so `content` decides what a post says.
std::string feed_with_scripts(int items) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>";
  for (int i = 0; i < items; ++i) {
    xml += fmt::format(
        "<item><title>story {0}</title><link>https://example.com/story/{0}</link>"
        "<pubDate>Thu, 15 Apr 2021 13:{0:02}:00 GMT</pubDate>"
        "<description>&lt;p&gt;body {0}&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;</description></item>",
        i);
  }
  return xml + "</channel></rss>";
}

fs::path write_config(const TempDir& dir, const std::string& url, const std::string& interval,
                      const std::string& content) {
  const auto path = dir / "feedd.toml";
  write_file(path, fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"posts\"\n"
                               "[schedule]\nmin_interval = \"100ms\"\ninterval = \"{}\"\n"
                               "[[sources]]\nname = \"S\"\nurl = \"{}\"\ncontent = \"{}\"\n",
                               interval, url, content));
  return path;
}

std::vector<fs::path> posts_in(const TempDir& dir) { return feedd::test::post_files(dir / "posts"); }

ProcessResult run(const std::string& command, const fs::path& config, std::vector<std::string> args = {}) {
  std::vector<std::string> argv{command, "--config", config.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return feedd::test::run_feedd(argv, 60s);
}

bool alive(ChildProcess& daemon) { return !daemon.wait(10ms).has_value(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void stop(ChildProcess& daemon) {
  daemon.signal(SIGTERM);
  const auto status = daemon.wait(15s);
  INFO(daemon.err());
  CHECK(status == 0);
}

}  // namespace

TEST_CASE("forget, rebuild, reprocess and poll work against a running daemon, which keeps running") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", feed_with_scripts(3));
  auto config = write_config(dir, server.url("/feed.xml"), "1h", "raw");
  const fs::path database = dir / "state/feedd.db";
  const fs::path socket = dir / "state/feedd.db.sock";
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string(), "--verbose"});
  REQUIRE(eventually([&] { return posts_in(dir).size() == 3 && fs::exists(socket); }));
  INFO(daemon.err());

  SUBCASE("the control socket is for the daemon's own user only") {
    struct stat info{};
    REQUIRE(::stat(socket.c_str(), &info) == 0);
    CHECK(S_ISSOCK(info.st_mode));
    CHECK((info.st_mode & 0777) == 0600);
  }

  SUBCASE("forget removes the entry through the daemon") {
    const auto forget = run("forget", config, {"https://example.com/story/1?utm_source=rss"});
    INFO(forget.err);
    CHECK(forget.exit_status == 0);
    CHECK(contains(forget.out, "forgot \"story 1\""));
    CHECK_FALSE(fs::exists(dir / "posts/2021-04-15-story 1.md"));
    CHECK(sqlite_count(database, "SELECT count(*) FROM entries") == 2);
    CHECK(sqlite_count(database, "SELECT count(*) FROM forgotten") == 1);
    CHECK(contains(daemon.err(), "control socket: forget done, exit status 0"));  // the daemon did it
    const auto again = run("forget", config, {"https://example.com/story/1"});
    CHECK(again.exit_status == 2);
    CHECK(contains(again.err, "feedd forget: no entry has the URL https://example.com/story/1"));
  }

  SUBCASE("rebuild writes back a deleted post through the daemon") {
    const fs::path post = dir / "posts/2021-04-15-story 2.md";
    const std::string before = read_file(post);
    fs::remove(post);
    const auto rebuild = run("rebuild", config);
    INFO(rebuild.err);
    CHECK(rebuild.exit_status == 0);
    CHECK(contains(rebuild.out, "rebuild: 1 post(s) written, 2 already identical, 0 failed; 0 stray file(s)"));
    CHECK(read_file(post) == before);
    CHECK(contains(daemon.err(), "control socket: rebuild done, exit status 0"));
  }

  SUBCASE("reprocess applies the content setting the daemon has reloaded") {
    CHECK(contains(read_file(dir / "posts/2021-04-15-story 0.md"), "track()"));
    config = write_config(dir, server.url("/feed.xml"), "1h", "sanitize");
    daemon.signal(SIGHUP);
    REQUIRE(eventually([&] { return contains(daemon.err(), "reloaded"); }));
    const auto reprocess = run("reprocess", config);
    INFO(reprocess.err);
    CHECK(reprocess.exit_status == 0);
    CHECK(contains(reprocess.out, "reprocess: 3 post(s) changed, 0 unchanged"));
    for (const auto& post : posts_in(dir)) CHECK_FALSE(contains(read_file(post), "track()"));
    CHECK(contains(daemon.err(), "control socket: reprocess done, exit status 0"));
  }

  SUBCASE("poll makes the daemon poll now and reports the result; sources shows the live schedule") {
    const auto before = server.requests("/feed.xml");
    const auto poll = run("poll", config, {"S"});
    INFO(poll.err);
    CHECK(poll.exit_status == 0);
    CHECK(contains(poll.out, "S (" + server.url("/feed.xml") + "): HTTP 304, not modified"));
    CHECK(server.requests("/feed.xml") == before + 1);
    const auto unknown = run("poll", config, {"Nope"});
    CHECK(unknown.exit_status == 2);
    CHECK(contains(unknown.err, "no source named \"Nope\""));

    const auto sources = run("sources", config);
    CHECK(sources.exit_status == 0);
    CHECK(contains(sources.out, fmt::format("feedd run (pid {}) is up", daemon.pid())));
    const auto scripts = json::parse(run("sources", config, {"--json"}).out);
    CHECK(scripts[0]["polling"] == false);
  }

  CHECK(alive(daemon));
  stop(daemon);
  CHECK_FALSE(fs::exists(socket));
  const auto check = run("check", config, {"--store"});
  INFO(check.out);
  CHECK(check.exit_status == 0);
  CHECK(contains(check.out, "integrity ok, search indexes ok"));
  CHECK(contains(check.out, ", 0 missing"));
}

TEST_CASE("With no daemon up, the same commands run by themselves, and poll says it polled here") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", feed_with_scripts(2));
  const auto config = write_config(dir, server.url("/feed.xml"), "1h", "raw");
  const auto poll = run("poll", config, {"S"});
  INFO(poll.err);
  CHECK(poll.exit_status == 0);
  CHECK(contains(poll.err, "no feedd run is up on this store: polling 1 source(s) here, once"));
  CHECK(posts_in(dir).size() == 2);
  CHECK(run("forget", config, {"https://example.com/story/0"}).exit_status == 0);
  CHECK(run("rebuild", config).exit_status == 0);
  CHECK(run("check", config, {"--store"}).exit_status == 0);
  CHECK(run("poll", config, {"Nope"}).exit_status == 2);
}

TEST_CASE("A poll by the daemon and a forget of the same entry at once: nothing written twice, the entry gone") {
  TempDir dir;
  HttpTestServer server;
  // Twenty steady items and one that changes on every request, so every
  // poll rewrites its post; answers take a while, so polls overlap the
  // forget.
  std::atomic<int> served{0};
  server.route("/feed.xml", [&served](const TestRequest&) {
    const int n = served++;
    std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>";
    for (int i = 0; i < 20; ++i) {
      xml += fmt::format("<item><title>steady {0}</title><link>https://example.com/steady/{0}</link>"
                         "<pubDate>Thu, 15 Apr 2021 12:{0:02}:00 GMT</pubDate><description>s</description></item>",
                         i);
    }
    xml += fmt::format("<item><title>hot story</title><link>https://example.com/hot</link>"
                       "<pubDate>Thu, 15 Apr 2021 14:{:02}:{:02} GMT</pubDate><description>version {}</description>"
                       "</item></channel></rss>",
                       n / 60 % 60, n % 60, n);
    TestResponse response;
    response.headers = {{"Content-Type", "application/rss+xml"}};
    response.body = std::move(xml);
    response.delay = 100ms;
    return response;
  });
  const auto config = write_config(dir, server.url("/feed.xml"), "500ms", "raw");
  const fs::path database = dir / "state/feedd.db";
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string(), "--verbose"});
  REQUIRE(eventually([&] { return posts_in(dir).size() == 21 && fs::exists(dir / "state/feedd.db.sock"); }));
  INFO(daemon.err());
  REQUIRE(eventually([&] { return served >= 3; }));  // the hot post has been rewritten

  // Polls asked for by hand on top of the daemon's own, while forget runs.
  std::atomic<bool> polling{true};
  std::atomic<int> poll_failures{0};
  std::thread poller([&] {
    while (polling) {
      if (run("poll", config, {"S"}).exit_status != 0) ++poll_failures;
    }
  });
  std::this_thread::sleep_for(150ms);
  const auto forget = run("forget", config, {"https://example.com/hot"});
  const int served_at_forget = served;
  // Several more polls bring the entry back, newer each time.
  REQUIRE(eventually([&] { return served >= served_at_forget + 4; }));
  polling = false;
  poller.join();

  INFO(forget.err);
  CHECK(forget.exit_status == 0);
  CHECK(contains(forget.out, "forgot \"hot story\""));
  CHECK(contains(daemon.err(), "control socket: forget done, exit status 0"));
  CHECK(poll_failures == 0);
  CHECK(sqlite_count(database, "SELECT count(*) FROM entries WHERE url = 'https://example.com/hot'") == 0);
  CHECK(sqlite_count(database, "SELECT count(*) FROM forgotten") == 1);
  const auto posts = posts_in(dir);
  CHECK(posts.size() == 20);
  for (const auto& post : posts) CHECK_FALSE(contains(post.filename().string(), "hot"));
  CHECK(sqlite_count(database, "SELECT count(*) FROM entries") == 20);
  CHECK(sqlite_count(database, "SELECT count(DISTINCT post_path) FROM entries") == 20);
  CHECK(alive(daemon));
  stop(daemon);
  const auto check = run("check", config, {"--store"});
  INFO(check.out);
  CHECK(check.exit_status == 0);
}

TEST_CASE("A daemon stopped during a rebuild ends it after the current page, exits 0, and a later rebuild does the rest") {
  TempDir dir;
  HttpTestServer server;
  // Enough posts that the rebuild takes many pages (200 rows each).
  server.serve("/feed.xml", feed_with_scripts(1500));
  const auto config = write_config(dir, server.url("/feed.xml"), "1h", "raw");
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string(), "--verbose"});
  REQUIRE(eventually([&] { return posts_in(dir).size() == 1500 && fs::exists(dir / "state/feedd.db.sock"); }, 120s));
  for (const auto& post : posts_in(dir)) fs::remove(post);

  ChildProcess rebuild({FEEDD_BINARY, "rebuild", "--config", config.string()});
  REQUIRE(eventually([&] { return contains(daemon.err(), "control socket: rebuild asked for by a client"); }));
  daemon.signal(SIGTERM);
  const auto daemon_status = daemon.wait(30s);
  const auto rebuild_status = rebuild.wait(30s);
  INFO(daemon.err());
  INFO(rebuild.err());
  CHECK(daemon_status == 0);
  CHECK(rebuild_status == 4);
  CHECK(contains(rebuild.err(), "feedd rebuild: stopped after"));
  const auto written = posts_in(dir).size();
  CHECK(written % 200 == 0);  // whole pages only
  CHECK(written < 1500);

  // No daemon now: the command takes the lock and finishes the job itself.
  const auto again = run("rebuild", config);
  INFO(again.err);
  CHECK(again.exit_status == 0);
  CHECK(contains(again.out, fmt::format("rebuild: {} post(s) written, {} already identical", 1500 - written, written)));
  CHECK(run("check", config, {"--store"}).exit_status == 0);
}

TEST_CASE("sources shows a poll the daemon is running, and a second poll of the same source joins it") {
  TempDir dir;
  HttpTestServer server;
  std::atomic<int> served{0};
  server.route("/feed.xml", [&served](const TestRequest&) {
    ++served;
    TestResponse response;
    response.headers = {{"Content-Type", "application/rss+xml"}};
    response.body = feed_with_scripts(2);
    response.delay = 1500ms;
    return response;
  });
  const auto config = write_config(dir, server.url("/feed.xml"), "1h", "raw");
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string(), "--verbose"});
  REQUIRE(eventually([&] { return posts_in(dir).size() == 2 && fs::exists(dir / "state/feedd.db.sock"); }));
  INFO(daemon.err());

  ChildProcess first({FEEDD_BINARY, "poll", "--config", config.string(), "S"});
  REQUIRE(eventually([&] { return served == 2; }));
  ChildProcess second({FEEDD_BINARY, "poll", "--config", config.string(), "S"});
  const auto live = json::parse(run("sources", config, {"--json"}).out);
  CHECK(live[0]["polling"] == true);
  CHECK(live[0]["next_poll"] == nullptr);
  CHECK(contains(run("sources", config).out, "  polling  "));
  CHECK(first.wait(10s) == 0);
  CHECK(second.wait(10s) == 0);
  CHECK(contains(second.out(), "S (" + server.url("/feed.xml") + "): HTTP 200"));
  CHECK(served == 2);  // the second joined the first's poll
  CHECK(json::parse(run("sources", config, {"--json"}).out)[0]["polling"] == false);
  stop(daemon);
}
