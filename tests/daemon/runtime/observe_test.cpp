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
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_config.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::ChildProcess;
using feedd::test::eventually;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::TempDir;
using feedd::test::write_file;

namespace {

// These cases serve items whose bodies all read "body".
std::string rss_with(int items, const std::string& tag = "item") {
  return feedd::test::rss_with(items, tag, feedd::test::ItemBody::plain);
}

struct HttpAnswer {
  int status = 0;
  std::string body;
};

HttpAnswer http_get(unsigned short port, const std::string& target) {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code error;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, error);
  if (error) return {};
  beast::http::request<beast::http::empty_body> request(beast::http::verb::get, target, 11);
  request.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(socket, request, error);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(socket, buffer, response, error);
  if (error && error != beast::http::error::end_of_stream) return {};
  return {static_cast<int>(response.result_int()), response.body()};
}

unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

fs::path write_config(const TempDir& dir, const std::string& sources, const std::string& sections) {
  return feedd::test::write_test_config(dir, "[schedule]\ninterval = \"500ms\"\n" + sections, sources);
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
  fs::rename(dir / "posts", dir / "posts.away");
  write_file(dir / "posts", "not a folder");
  CHECK(eventually([&] { return http_get(port, "/healthz").status == 503; }));
  fs::remove(dir / "posts");
  fs::rename(dir / "posts.away", dir / "posts");
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
