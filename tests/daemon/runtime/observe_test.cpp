// How feedd meets the rest of the stack: Prometheus scraping /metrics, a
// health check on /healthz, and the publish hook that pushes a site.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/local_http.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_config.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::ChildProcess;
using feedd::test::eventually;
using feedd::test::free_port;
using feedd::test::http_get;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::TempDir;
using feedd::test::write_file;

namespace {

// These cases serve items whose bodies all read "body".
std::string rss_with(int items, const std::string& tag = "item") {
  return feedd::test::rss_with(items, tag, feedd::test::ItemBody::plain);
}

fs::path write_config(const TempDir& dir, const std::string& sources, const std::string& sections) {
  return feedd::test::write_test_config(dir, "[schedule]\nmin_interval = \"100ms\"\ninterval = \"500ms\"\n" + sections,
                                       sources);
}

std::string source(const std::string& name, const std::string& url) { return feedd::test::source_toml(name, url); }

}  // namespace

TEST_CASE("/metrics speaks the Prometheus text format and /healthz tracks whether the store takes writes") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/good.xml", rss_with(2));
  server.route("/bad.xml", [](const feedd::test::TestRequest&) { return feedd::test::TestResponse{500, {}, "x"}; });
  const auto port = free_port();
  const auto config = write_config(
      dir, source("Good \"quoted\" name", server.url("/good.xml")) + source("Bad", server.url("/bad.xml")),
      fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n", port));
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] { return http_get(port, "/metrics").body.find("feedd_posts_written_total 2") != std::string::npos; }));

  const auto metrics = http_get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("feedd_fetches_total{result=\"ok\"}") != std::string::npos);
  CHECK(metrics.body.find("feedd_fetches_total{result=\"http_error\"}") != std::string::npos);
  CHECK(metrics.body.find("feedd_entries_total{kind=\"new\"} 2") != std::string::npos);
  CHECK(metrics.body.find("feedd_fetch_duration_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
  CHECK(metrics.body.find("feedd_source_last_success_timestamp_seconds{source=\"Good \\\"quoted\\\" name\"}") !=
        std::string::npos);
  CHECK(metrics.body.find("feedd_build_info{version=") != std::string::npos);
  CHECK(metrics.body.find("feedd_sources{state=\"failing\"} 1") != std::string::npos);

  if (fs::exists("/usr/bin/promtool")) {
    write_file(dir / "metrics.txt", metrics.body);
    const auto checked =
        feedd::test::run_process({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + (dir / "metrics.txt").string()});
    const std::string promtool_output = checked.out + checked.err;
    INFO(promtool_output);
    CHECK(checked.exit_status == 0);
  } else {
    MESSAGE("promtool not installed: format checked by the assertions above only");
  }

  CHECK(http_get(port, "/healthz").status == 200);
  CHECK(http_get(port, "/nope").status == 404);
  // Posts folder replaced by a file: the store can no longer take writes.
  write_file(dir / "posts.away", "not a folder");
  feedd::test::exchange_paths(dir / "posts.away", dir / "posts");
  CHECK(eventually([&] { return http_get(port, "/healthz").status == 503; }));
  feedd::test::exchange_paths(dir / "posts.away", dir / "posts");
  fs::remove(dir / "posts.away");
  CHECK(eventually([&] { return http_get(port, "/healthz").status == 200; }));

  daemon.signal(SIGTERM);
  CHECK(daemon.wait(10s) == 0);
}

TEST_CASE("The publish hook gets the written paths on stdin and in FEEDD_POSTS, {count} substituted, never a shell") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(3));
  const auto hook = dir / "hook.sh";
  write_file(hook, fmt::format("#!/bin/sh\nprintf '%s|' \"$@\" >> {0}/args.log; echo >> {0}/args.log\n"
                               "cat >> {0}/stdin.log\nprintf '%s\\n' \"$FEEDD_POSTS\" >> {0}/env.log\n",
                               dir.path().string()));
  fs::permissions(hook, fs::perms::owner_all);
  const auto config = write_config(
      dir, source("S", server.url("/feed.xml")),
      fmt::format("[publish]\ncommand = [\"{}\", \"--message\", \"{{count}} new posts; $(touch {}/pwned)\"]\n"
                  "min_interval = \"1s\"\ntimeout = \"5s\"\n",
                  hook.string(), dir.path().string()));
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] { return fs::exists(dir / "args.log"); }));
  std::this_thread::sleep_for(300ms);
  CHECK(read_file(dir / "args.log") ==
        fmt::format("--message|3 new posts; $(touch {}/pwned)|\n", dir.path().string()));
  CHECK_FALSE(fs::exists(dir / "pwned"));
  const auto listed = read_file(dir / "stdin.log");
  CHECK(std::count(listed.begin(), listed.end(), '\n') == 3);
  CHECK(listed.find((dir / "posts").string()) != std::string::npos);
  CHECK(read_file(dir / "env.log") == listed);

  // New posts later: published again, but not before min_interval.
  server.serve("/feed.xml", rss_with(4));
  REQUIRE(eventually([&] {
    const auto log = read_file(dir / "args.log");
    return std::count(log.begin(), log.end(), '\n') == 2;
  }));
  CHECK(read_file(dir / "args.log").find("1 new posts") != std::string::npos);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(10s) == 0);
}

TEST_CASE("A failing publish command is logged and its posts are offered again with the next batch") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(1));
  const auto hook = dir / "hook.sh";
  // Fails the first time, succeeds after.
  write_file(hook, fmt::format("#!/bin/sh\nif [ ! -e {0}/failed-once ]; then touch {0}/failed-once; exit 3; fi\n"
                               "cat >> {0}/published.log\n",
                               dir.path().string()));
  fs::permissions(hook, fs::perms::owner_all);
  const auto config = write_config(dir, source("S", server.url("/feed.xml")),
                                   fmt::format("[publish]\ncommand = [\"{}\"]\nmin_interval = \"200ms\"\n",
                                               hook.string()));
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] { return fs::exists(dir / "failed-once"); }));
  server.serve("/feed.xml", rss_with(2));
  REQUIRE(eventually([&] { return fs::exists(dir / "published.log"); }));
  std::this_thread::sleep_for(300ms);
  const auto published = read_file(dir / "published.log");
  // The first post (from the failed run) and the second, together.
  CHECK(std::count(published.begin(), published.end(), '\n') == 2);
  CHECK(daemon.err().find("exited with status 3") != std::string::npos);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(10s) == 0);
}

TEST_CASE("once publishes once, after the whole pass") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/a.xml", rss_with(2, "a"));
  server.serve("/b.xml", rss_with(3, "b"));
  const auto hook = dir / "hook.sh";
  write_file(hook, fmt::format("#!/bin/sh\necho \"$1\" >> {0}/runs.log\n", dir.path().string()));
  fs::permissions(hook, fs::perms::owner_all);
  const auto config = write_config(dir, source("A", server.url("/a.xml")) + source("B", server.url("/b.xml")),
                                   fmt::format("[publish]\ncommand = [\"{}\", \"{{count}}\"]\n", hook.string()));
  const auto run = feedd::test::run_feedd({"once", "--config", config.string()});
  CHECK(run.exit_status == 0);
  CHECK(read_file(dir / "runs.log") == "5\n");
}

namespace {

// Alive and not a zombie waiting for a parent to reap it.
bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  const auto stat = read_file(fs::path("/proc") / std::to_string(pid) / "stat");
  const auto state_at = stat.rfind(')');
  return state_at == std::string::npos || stat.substr(state_at + 2, 1) != "Z";
}

}  // namespace

TEST_CASE("A publish hook that outlives its timeout is stopped with everything it started, and feedd's stdout is "
          "released") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(1));
  const auto hook = dir / "hook.sh";
  // A hung `git push` in miniature: a child that holds stdout for minutes.
  write_file(hook, fmt::format("#!/bin/sh\nsleep 300 &\necho $! > {0}/child.pid\nwait\n", dir.path().string()));
  fs::permissions(hook, fs::perms::owner_all);
  const auto config = write_config(dir, source("S", server.url("/feed.xml")),
                                   fmt::format("[publish]\ncommand = [\"{}\"]\ntimeout = \"1s\"\n", hook.string()));
  // Through a pipe, as under a cron job that mails the output: `cat` ends
  // only once every holder of feedd's stdout is gone.
  const auto started = std::chrono::steady_clock::now();
  const auto run = feedd::test::run_process(
      {"/bin/sh", "-c", fmt::format("'{}' once --config '{}' | cat", FEEDD_BINARY, config.string())}, 60s);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(run.exit_status == 0);
  CHECK(took < 20s);
  CHECK(run.err.find("still running after 1000 ms, stopping it") != std::string::npos);
  REQUIRE(fs::exists(dir / "child.pid"));
  const pid_t child = std::stoi(read_file(dir / "child.pid"));
  CHECK(eventually([&] { return !process_alive(child); }, 5s));
  if (process_alive(child)) ::kill(child, SIGKILL);
}

TEST_CASE("A publish that failed in one once is offered again by the next once, and only until it succeeds") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(2));
  const auto hook = dir / "hook.sh";
  write_file(hook, fmt::format("#!/bin/sh\nif [ -e {0}/broken ]; then exit 7; fi\ncat >> {0}/published.log\n",
                               dir.path().string()));
  fs::permissions(hook, fs::perms::owner_all);
  const auto config = write_config(dir, source("S", server.url("/feed.xml")),
                                   fmt::format("[publish]\ncommand = [\"{}\"]\n", hook.string()));
  write_file(dir / "broken", "");
  const auto first = feedd::test::run_feedd({"once", "--config", config.string()});
  CHECK(first.exit_status == 0);
  CHECK(first.err.find("exited with status 7") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "published.log"));

  // The feed brings nothing new now: the posts come from the store.
  fs::remove(dir / "broken");
  const auto second = feedd::test::run_feedd({"once", "--config", config.string()});
  CHECK(second.exit_status == 0);
  REQUIRE(fs::exists(dir / "published.log"));
  const auto published = read_file(dir / "published.log");
  CHECK(std::count(published.begin(), published.end(), '\n') == 2);
  for (const auto& post : fs::directory_iterator(dir / "posts")) {
    CHECK(published.find(post.path().string() + "\n") != std::string::npos);
  }

  const auto third = feedd::test::run_feedd({"once", "--config", config.string()});
  CHECK(third.exit_status == 0);
  CHECK(read_file(dir / "published.log") == published);
}

TEST_CASE("/healthz answers within a second while idle connections flood the endpoint") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(1));
  const auto port = free_port();
  const auto config = write_config(dir, source("S", server.url("/feed.xml")),
                                   fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n", port));
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] { return http_get(port, "/healthz").status == 200; }));

  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> idle;
  for (int i = 0; i < 24; ++i) {
    idle.emplace_back(io);
    boost::system::error_code error;
    idle.back().connect({boost::asio::ip::make_address("127.0.0.1"), port}, error);
    REQUIRE_FALSE(error);
  }
  std::this_thread::sleep_for(200ms);  // every one accepted and idle
  for (int round = 0; round < 5; ++round) {
    const auto asked = std::chrono::steady_clock::now();
    const auto answer = http_get(port, "/healthz");
    const auto took = std::chrono::steady_clock::now() - asked;
    CHECK(answer.status == 200);
    CHECK(took < 1s);
    // And the flood keeps coming: new idle connections between checks.
    for (int i = 0; i < 4; ++i) {
      idle.emplace_back(io);
      boost::system::error_code error;
      idle.back().connect({boost::asio::ip::make_address("127.0.0.1"), port}, error);
    }
    std::this_thread::sleep_for(300ms);
  }
  CHECK(http_get(port, "/metrics").status == 200);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(10s) == 0);
}

TEST_CASE("Source gauges in /metrics come from the store: right after a restart, before any poll") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/good.xml", rss_with(1));
  server.route("/bad.xml", [](const feedd::test::TestRequest&) { return feedd::test::TestResponse{500, {}, "x"}; });
  server.route("/gone.xml", [](const feedd::test::TestRequest&) { return feedd::test::TestResponse{410, {}, "x"}; });
  const auto port = free_port();
  std::string sources;
  for (const auto* name : {"good", "bad", "gone"}) {
    sources += fmt::format("[[sources]]\nname = \"{0}\"\nurl = \"{1}\"\ninterval = \"1h\"\n", name,
                           server.url(fmt::format("/{}.xml", name)));
  }
  const auto config = write_config(dir, sources, fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n", port));
  {
    ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
    REQUIRE(eventually([&] {
      return server.requests("/good.xml") == 1 && server.requests("/bad.xml") == 1 && server.requests("/gone.xml") == 1;
    }));
    REQUIRE(eventually([&] { return http_get(port, "/metrics").body.find("feedd_sources{state=\"gone\"} 1") !=
                                    std::string::npos; }));
    daemon.signal(SIGTERM);
    REQUIRE(daemon.wait(10s) == 0);
  }
  ChildProcess again({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] { return http_get(port, "/metrics").status == 200; }));
  // The first metrics page may come before the store is read; give it that.
  REQUIRE(eventually([&] { return http_get(port, "/metrics").body.find("feedd_sources{state=\"ok\"} 1") !=
                                  std::string::npos; }));
  const auto metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("feedd_sources{state=\"failing\"} 1") != std::string::npos);
  CHECK(metrics.find("feedd_sources{state=\"gone\"} 1") != std::string::npos);
  CHECK(metrics.find("feedd_source_last_success_timestamp_seconds{source=\"good\"}") != std::string::npos);
  // No poll happened: every number came from the store.
  CHECK(server.requests("/good.xml") == 1);
  CHECK(server.requests("/bad.xml") == 1);
  CHECK(server.requests("/gone.xml") == 1);
  again.signal(SIGTERM);
  CHECK(again.wait(10s) == 0);
}

TEST_CASE("Posts a failed once could not publish are offered by the next run at start, with nothing new to poll") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(2));
  const auto hook = dir / "hook.sh";
  write_file(hook, fmt::format("#!/bin/sh\nif [ -e {0}/broken ]; then exit 5; fi\ncat >> {0}/published.log\n",
                               dir.path().string()));
  fs::permissions(hook, fs::perms::owner_all);
  const auto config = write_config(dir, source("S", server.url("/feed.xml")),
                                   fmt::format("[publish]\ncommand = [\"{}\"]\nmin_interval = \"100ms\"\n",
                                               hook.string()));
  write_file(dir / "broken", "");
  REQUIRE(feedd::test::run_feedd({"once", "--config", config.string()}).exit_status == 0);
  REQUIRE_FALSE(fs::exists(dir / "published.log"));
  fs::remove(dir / "broken");

  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] {
    const auto log = fs::exists(dir / "published.log") ? read_file(dir / "published.log") : std::string();
    return std::count(log.begin(), log.end(), '\n') == 2;
  }));
  CHECK(daemon.err().find("2 post(s) from an earlier run still to publish") != std::string::npos);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(10s) == 0);
  CHECK(feedd::test::sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM unpublished") == 0);
}

TEST_CASE("/metrics leaves out per-source series above http.source_series and keeps the oldest success") {
  TempDir dir;
  HttpTestServer server;
  std::string sources;
  for (int i = 0; i < 3; ++i) {
    server.serve(fmt::format("/f{}.xml", i), rss_with(1, fmt::format("f{}", i)));
    sources += source(fmt::format("Source {}", i), server.url(fmt::format("/f{}.xml", i)));
  }
  for (const int limit : {3, 2}) {
    INFO("source_series = " << limit);
    TempDir run_dir;
    const auto port = free_port();
    const auto config = write_config(run_dir, sources, fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\nsource_series = {}\n", port, limit));
    ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
    REQUIRE(eventually([&] { return http_get(port, "/metrics").body.find("feedd_sources{state=\"ok\"} 3") != std::string::npos; }));
    const auto metrics = http_get(port, "/metrics").body;
    CHECK((metrics.find("feedd_source_last_success_timestamp_seconds{source=\"Source 1\"}") != std::string::npos) ==
          (limit == 3));
    CHECK(metrics.find("feedd_source_last_success_oldest_timestamp_seconds ") != std::string::npos);
    CHECK(metrics.find("feedd_sources{state=\"ok\"} 3") != std::string::npos);
    if (fs::exists("/usr/bin/promtool")) {
      write_file(run_dir / "metrics.txt", metrics);
      const auto checked = feedd::test::run_process(
          {"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + (run_dir / "metrics.txt").string()});
      const std::string promtool_output = checked.out + checked.err;
      INFO(promtool_output);
      CHECK(checked.exit_status == 0);
    }
    daemon.signal(SIGTERM);
    CHECK(daemon.wait(30s) == 0);
  }
  TempDir bad;
  const auto refused = feedd::test::run_feedd(
      {"check", "--config", write_config(bad, sources, "[http]\nsource_series = -1\n").string()});
  CHECK(refused.exit_status != 0);
  CHECK(refused.err.find("source_series") != std::string::npos);
}

TEST_CASE("/metrics counts local media files stored and failed and the bytes kept") {
  TempDir dir;
  HttpTestServer server;
  const std::string gif("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
                        "\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
                        43);
  server.route("/ok.gif", [gif](const feedd::test::TestRequest&) {
    return feedd::test::TestResponse{200, {{"Content-Type", "image/gif"}}, gif};
  });
  server.route("/missing.gif", [](const feedd::test::TestRequest&) { return feedd::test::TestResponse{404, {}, "no"}; });
  const std::string content = fmt::format("<img src=\"{}\"><img src=\"{}\">", server.url("/ok.gif"), server.url("/missing.gif"));
  server.serve("/feed.xml", fmt::format("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item>"
                                        "<title>Pictures</title><link>{}</link><description>{}</description></item>"
                                        "</channel></rss>",
                                        server.url("/p/1"), feedd::test::xml_escape(content)));
  const auto port = free_port();
  const auto config = write_config(dir, feedd::test::source_toml("Pictures", server.url("/feed.xml"), "media = \"local\""),
                                   fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n", port));
  ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] {
    return http_get(port, "/metrics").body.find("feedd_media_files_total{result=\"failed\"} 1") != std::string::npos;
  }));
  const auto metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("feedd_media_files_total{result=\"stored\"} 1\n") != std::string::npos);
  CHECK(metrics.find("feedd_media_bytes_total 43\n") != std::string::npos);
  CHECK(server.requests("/ok.gif") == 1);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(30s) == 0);
}
