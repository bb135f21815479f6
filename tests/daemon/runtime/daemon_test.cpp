// `feedd run` as systemd would run it: the real binary, real signals, a real
// HTTP server on loopback, intervals of a second or less.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/post_files.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_config.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::ChildProcess;
using feedd::test::eventually;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::rss_with;
using feedd::test::sqlite_count;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<fs::path> posts_in(const TempDir& dir) { return feedd::test::post_files(dir / "posts"); }

std::size_t count_posts(const TempDir& dir) { return feedd::test::post_count(dir / "posts"); }

// Remembers when each request for a path arrived, answering with `answer`.
class RequestTimes {
 public:
  void route(HttpTestServer& server, const std::string& path, std::function<TestResponse(int index)> answer) {
    server.route(path, [this, answer = std::move(answer)](const TestRequest&) {
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        times_.push_back(Clock::now());
        index = static_cast<int>(times_.size()) - 1;
      }
      return answer(index);
    });
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return times_.size();
  }
  double gap_seconds(std::size_t i) const {  // between request i-1 and i
    std::lock_guard lock(mutex_);
    return std::chrono::duration<double>(times_.at(i) - times_.at(i - 1)).count();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Clock::time_point> times_;
};

struct DaemonSource {
  std::string name;
  std::string url;
  std::string extra;
};

fs::path write_config(const TempDir& dir, const std::vector<DaemonSource>& sources, const std::string& sections = "") {
  std::string toml;
  for (const auto& source : sources) toml += feedd::test::source_toml(source.name, source.url, source.extra);
  return feedd::test::write_test_config(
      dir, "[schedule]\nmin_interval = \"100ms\"\ninterval = \"500ms\"\nmax_backoff = \"2s\"\n" + sections, toml);
}

// Every case here reads the debug lines of the log.
std::unique_ptr<ChildProcess> start_daemon(const fs::path& config,
                                           std::vector<std::pair<std::string, std::string>> env = {}) {
  return feedd::test::start_daemon(config, {"--verbose"}, std::move(env));
}

// The first value read, or "" when there is no row or it is NULL.
std::string sqlite_text(const fs::path& database, const std::string& sql) {
  return feedd::test::sqlite_text_or_empty(database, sql);
}

void stop(ChildProcess& daemon) {
  daemon.signal(SIGTERM);
  const auto status = daemon.wait(15s);
  INFO(daemon.err());
  CHECK(status == 0);
}

// A datagram socket standing in for systemd's notify socket.
class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    timeval timeout{0, 50000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~FakeNotifySocket() { ::close(fd_); }
  // Reads whatever arrived; returns everything received so far.
  const std::string& drain() {
    char buffer[4096];
    for (;;) {
      const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
      if (size <= 0) break;
      received_.append(buffer, static_cast<std::size_t>(size));
      received_ += '\n';
    }
    return received_;
  }
  bool saw(const std::string& text) { return drain().find(text) != std::string::npos; }

 private:
  fs::path path_;
  int fd_ = -1;
  std::string received_;
};

}  // namespace

TEST_CASE("Repeated polls are conditional requests answered 304 and rewrite nothing") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(3));
  auto daemon = start_daemon(write_config(dir, {{"S", server.url("/feed.xml"), ""}}));
  REQUIRE(eventually([&] { return count_posts(dir) == 3; }));
  const auto first_post = posts_in(dir).front();
  const auto written_at = fs::last_write_time(first_post);
  REQUIRE(eventually([&] { return server.requests("/feed.xml") >= 4; }));
  const auto log = server.request_log();
  CHECK(log.back().headers.count("if-none-match") == 1);
  CHECK(log.back().headers.count("if-modified-since") == 1);
  CHECK(fs::last_write_time(first_post) == written_at);
  CHECK(count_posts(dir) == 3);
  stop(*daemon);
}

TEST_CASE("The running daemon indexes new entries for search while it is idle, and search finds them before and after") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(3, "Quake"));
  const auto config = write_config(dir, {{"S", server.url("/feed.xml"), ""}});
  auto daemon = start_daemon(config);
  REQUIRE(eventually([&] { return count_posts(dir) == 3; }));
  const auto search = [&] {
    return feedd::test::run_feedd({"search", "--config", config.string(), "--json", "quake"}, 10s);
  };
  // Found whether or not the writer has got round to indexing them yet.
  const auto early = search();
  CHECK(early.exit_status == 0);
  CHECK(nlohmann::json::parse(early.out).size() == 3);
  CHECK(eventually([&] {
    return sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM search_backlog") == 0;
  }));
  const auto late = search();
  CHECK(late.exit_status == 0);
  CHECK(nlohmann::json::parse(late.out).size() == 3);
  stop(*daemon);
  CHECK(sqlite_text(dir / "state/feedd.db", "PRAGMA integrity_check") == "ok");
}

TEST_CASE("A new entry on the server lands as a post within one interval") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(1));
  auto daemon = start_daemon(write_config(dir, {{"S", server.url("/feed.xml"), "interval = \"1s\""}}));
  REQUIRE(eventually([&] { return count_posts(dir) == 1; }));
  const auto changed = Clock::now();
  server.serve("/feed.xml", rss_with(2));
  REQUIRE(eventually([&] { return count_posts(dir) == 2; }, 5s));
  // One interval (1 s) plus its jitter (10%), plus slack for a shared,
  // loaded machine that is still well short of a second interval.
  CHECK(std::chrono::duration<double>(Clock::now() - changed).count() < 2.0);
  stop(*daemon);
}

TEST_CASE("SIGHUP adds and removes sources; an invalid config is rejected and the old one keeps running") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/a.xml", rss_with(1, "a"));
  server.serve("/b.xml", rss_with(1, "b"));
  const auto config = write_config(dir, {{"A", server.url("/a.xml"), ""}});
  auto daemon = start_daemon(config);
  REQUIRE(eventually([&] { return count_posts(dir) == 1; }));

  write_config(dir, {{"B", server.url("/b.xml"), ""}});
  daemon->signal(SIGHUP);
  REQUIRE(eventually([&] { return count_posts(dir) == 2; }));
  std::this_thread::sleep_for(300ms);  // a poll of A already running may finish
  const auto a_requests = server.requests("/a.xml");
  const auto b_requests = server.requests("/b.xml");
  REQUIRE(eventually([&] { return server.requests("/b.xml") >= b_requests + 2; }));
  CHECK(server.requests("/a.xml") == a_requests);

  write_file(config, "[fetch]\nconcurrency = \"lots\"\n");
  daemon->signal(SIGHUP);
  REQUIRE(eventually([&] { return daemon->err().find("reload rejected") != std::string::npos; }));
  CHECK(daemon->err().find("feedd.toml:2: fetch.concurrency") != std::string::npos);
  const auto before = server.requests("/b.xml");
  CHECK(eventually([&] { return server.requests("/b.xml") >= before + 2; }));
  stop(*daemon);
}

TEST_CASE("SIGTERM lets a running poll finish within the grace period and exits 0 with the store consistent") {
  TempDir dir;
  HttpTestServer server;
  RequestTimes slow;
  slow.route(server, "/slow.xml", [](int) {
    TestResponse response{200, {{"Content-Type", "application/rss+xml"}}, rss_with(2)};
    response.delay = 1500ms;
    return response;
  });
  auto daemon =
      start_daemon(write_config(dir, {{"Slow", server.url("/slow.xml"), ""}}, "[daemon]\nshutdown_grace = \"5s\"\n"));
  REQUIRE(eventually([&] { return slow.count() == 1; }));
  const auto asked = Clock::now();
  daemon->signal(SIGTERM);
  const auto status = daemon->wait(8s);
  INFO(daemon->err());
  CHECK(status == 0);
  CHECK(std::chrono::duration<double>(Clock::now() - asked).count() < 5.0);
  CHECK(count_posts(dir) == 2);
  CHECK(sqlite_text(dir / "state/feedd.db", "PRAGMA integrity_check") == "ok");
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT count(*) FROM entries") == "2");
}

TEST_CASE("Retry-After on 503 and 429 delays the next poll by that long") {
  TempDir dir;
  HttpTestServer server;
  RequestTimes times;
  times.route(server, "/feed.xml", [](int index) {
    if (index == 0) return TestResponse{503, {{"Retry-After", "2"}}, "busy"};
    if (index == 1) return TestResponse{429, {{"Retry-After", "1"}}, "slow down"};
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}}, rss_with(1)};
  });
  auto daemon = start_daemon(write_config(dir, {{"S", server.url("/feed.xml"), ""}}));
  REQUIRE(eventually([&] { return times.count() >= 3; }));
  CHECK(times.gap_seconds(1) >= 1.95);
  CHECK(times.gap_seconds(2) >= 0.95);
  CHECK(daemon->err().find("HTTP 503") != std::string::npos);
  CHECK(daemon->err().find("retry in 2s") != std::string::npos);
  stop(*daemon);
}

TEST_CASE("Failures back off exponentially up to max_backoff, and a success resets the interval") {
  TempDir dir;
  HttpTestServer server;
  RequestTimes times;
  times.route(server, "/feed.xml", [](int index) {
    if (index < 4) return TestResponse{500, {}, "broken"};
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}}, rss_with(1)};
  });
  // interval 500ms, max_backoff 2s: waits of 1s, 2s, 2s (capped), 2s, then 500ms.
  auto daemon = start_daemon(write_config(dir, {{"S", server.url("/feed.xml"), ""}}));
  REQUIRE(eventually([&] { return times.count() >= 6; }, 15s));
  CHECK(times.gap_seconds(1) >= 0.9 * 1.0);
  CHECK(times.gap_seconds(2) >= 0.9 * 2.0);
  CHECK(times.gap_seconds(3) >= 0.9 * 2.0);
  CHECK(times.gap_seconds(3) < 1.1 * 2.0 + 1.0);  // capped, not 8 s
  CHECK(times.gap_seconds(5) < 1.5);              // back to the interval, not the 2 s backoff
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT consecutive_failures FROM sources") == "0");
  stop(*daemon);
}

TEST_CASE("410 Gone stops polling, and stays stopped across a restart") {
  TempDir dir;
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) { return TestResponse{410, {}, "gone"}; });
  const auto config = write_config(dir, {{"S", server.url("/feed.xml"), ""}});
  auto daemon = start_daemon(config);
  REQUIRE(eventually([&] { return server.requests("/feed.xml") == 1; }));
  std::this_thread::sleep_for(1500ms);
  CHECK(server.requests("/feed.xml") == 1);
  stop(*daemon);
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT state FROM sources") == "gone");

  auto again = start_daemon(config);
  std::this_thread::sleep_for(1500ms);
  CHECK(server.requests("/feed.xml") == 1);
  CHECK(again->err().find("gone") != std::string::npos);
  stop(*again);
}

TEST_CASE("A 301 updates the polled URL and says which config line to change; a 302 does not") {
  TempDir dir;
  HttpTestServer server;
  server.route("/old.xml", [&](const TestRequest&) { return feedd::test::redirect_to(301, server.url("/new.xml")); });
  server.route("/temp.xml", [&](const TestRequest&) { return feedd::test::redirect_to(302, server.url("/b.xml")); });
  server.serve("/new.xml", rss_with(1, "moved"));
  server.serve("/b.xml", rss_with(1, "b"));
  auto daemon = start_daemon(
      write_config(dir, {{"Moved", server.url("/old.xml"), ""}, {"Temporary", server.url("/temp.xml"), ""}}));
  REQUIRE(eventually([&] { return server.requests("/new.xml") >= 3 && server.requests("/b.xml") >= 3; }));
  CHECK(server.requests("/old.xml") == 1);
  CHECK(server.requests("/temp.xml") >= 3);
  CHECK(daemon->err().find("moved permanently to " + server.url("/new.xml")) != std::string::npos);
  // [storage] takes lines 1-3, [schedule] 4-7: the [[sources]] table starts on line 8.
  CHECK(daemon->err().find("line 8 of") != std::string::npos);
  stop(*daemon);
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT polled_url FROM sources WHERE name = 'Moved'") ==
        server.url("/new.xml"));
}

TEST_CASE("Oversized bodies, gzip bombs and trickling servers are refused while other sources carry on") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/big.xml", rss_with(2000));
  server.route("/bomb.xml", [](const TestRequest&) {
    static const std::string bomb = feedd::test::gzip_zeros(100u << 20);
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}, {"Content-Encoding", "gzip"}}, bomb};
  });
  server.route("/trickle.xml", [](const TestRequest&) {
    TestResponse response{200, {{"Content-Type", "application/rss+xml"}}, rss_with(1)};
    response.trickle = 300ms;
    return response;
  });
  server.serve("/good.xml", rss_with(1, "good"));
  auto daemon = start_daemon(write_config(dir,
                                          {{"Big", server.url("/big.xml"), ""},
                                           {"Bomb", server.url("/bomb.xml"), ""},
                                           {"Trickle", server.url("/trickle.xml"), ""},
                                           {"Good", server.url("/good.xml"), ""}},
                                          "[fetch]\nmax_body = \"64KiB\"\nlow_speed_limit = 100\n"
                                          "low_speed_time = \"1s\"\nper_host = 4\n"));
  REQUIRE(eventually([&] { return daemon->err().find("source Trickle") != std::string::npos; }, 10s));
  const auto log = daemon->err();
  INFO(log);
  CHECK(log.find("source Big (" + server.url("/big.xml") + "): body larger than 65536-byte limit") !=
        std::string::npos);
  CHECK(log.find("source Bomb (" + server.url("/bomb.xml") + "): body larger than 65536-byte limit") !=
        std::string::npos);
  CHECK(log.find("too slow") != std::string::npos);
  CHECK(count_posts(dir) == 1);
  CHECK_FALSE(daemon->wait(0ms).has_value());
  stop(*daemon);
}

TEST_CASE("A second daemon on the same store is refused at once") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(1));
  const auto config = write_config(dir, {{"S", server.url("/feed.xml"), ""}});
  auto daemon = start_daemon(config);
  REQUIRE(eventually([&] { return count_posts(dir) == 1; }));
  const auto second = feedd::test::run_feedd({"run", "--config", config.string()}, 5s);
  CHECK(second.exit_status == 4);
  CHECK(second.err.find("already running") != std::string::npos);
  CHECK(second.err.find(std::to_string(daemon->pid())) != std::string::npos);
  stop(*daemon);
}

TEST_CASE("systemd hears READY, STATUS, RELOADING, WATCHDOG and STOPPING on its notify socket") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(1));
  FakeNotifySocket notify(dir / "notify.sock");
  auto daemon = start_daemon(write_config(dir, {{"S", server.url("/feed.xml"), ""}}),
                             {{"NOTIFY_SOCKET", (dir / "notify.sock").string()}, {"WATCHDOG_USEC", "400000"}});
  REQUIRE(eventually([&] { return notify.saw("READY=1"); }));
  CHECK(eventually([&] { return notify.saw("STATUS=1 source(s)"); }));
  CHECK(eventually([&] { return notify.saw("post(s) written"); }));
  CHECK(eventually([&] { return notify.saw("WATCHDOG=1"); }));
  daemon->signal(SIGHUP);
  CHECK(eventually([&] { return notify.saw("RELOADING=1"); }));
  daemon->signal(SIGTERM);
  CHECK(daemon->wait(10s) == 0);
  CHECK(notify.saw("STOPPING=1"));
}

// The earliest poll comes from an index kept as sources are armed, polled and
// removed (a scan of every source after each poll cost too much at 100,000).
TEST_CASE("systemd's STATUS names the earliest next poll and forgets a source removed by SIGHUP") {
  TempDir dir;
  HttpTestServer server;
  for (const auto* path : {"/a.xml", "/b.xml", "/c.xml"}) server.serve(path, rss_with(1));
  const std::vector<DaemonSource> slow = {{"A", server.url("/a.xml"), "interval = \"1h\""},
                                          {"B", server.url("/b.xml"), "interval = \"1h\""}};
  auto all = slow;
  all.push_back({"C", server.url("/c.xml"), "interval = \"3m\""});
  FakeNotifySocket notify(dir / "notify.sock");
  auto daemon = start_daemon(write_config(dir, all), {{"NOTIFY_SOCKET", (dir / "notify.sock").string()}});
  // A poll's own STATUS comes before it is armed again; a reload publishes
  // one once all three are. C's next poll is 3m give or take 10%: 2m42s to
  // 3m18s reads "2m" or "3m".
  REQUIRE(eventually([&] {  // all three polled: none in flight and a next poll planned
    const std::string idle = "STATUS=3 source(s), 0 in flight, next poll in ";
    const auto& seen = notify.drain();
    for (auto at = seen.find(idle); at != std::string::npos; at = seen.find(idle, at + 1)) {
      if (seen.compare(at + idle.size(), 4, "none") != 0) return true;
    }
    return false;
  }));
  daemon->signal(SIGHUP);
  CHECK(eventually([&] {
    return notify.saw("STATUS=3 source(s), 0 in flight, next poll in 2m,") ||
           notify.saw("STATUS=3 source(s), 0 in flight, next poll in 3m,");
  }));
  write_config(dir, slow);
  daemon->signal(SIGHUP);
  // A and B are next, 54m to 1h6m away.
  CHECK(eventually([&] {
    const auto& seen = notify.drain();
    const std::string prefix = "STATUS=2 source(s), 0 in flight, next poll in ";
    const auto at = seen.rfind(prefix);
    if (at == std::string::npos) return false;
    const auto start = at + prefix.size();
    const auto next = seen.substr(start, seen.find(',', start) - start);
    return next.starts_with("5") || next.starts_with("1h");
  }));
  stop(*daemon);
}

TEST_CASE("Under the journal, log lines carry priority prefixes instead of timestamps") {
  TempDir dir;
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) { return TestResponse{500, {}, "x"}; });
  const auto config = write_config(dir, {{"S", server.url("/feed.xml"), ""}});
  // JOURNAL_STREAM must name stderr's device:inode; the child's stderr is a
  // file the test harness creates, so compute it from inside a shell.
  const auto result = feedd::test::run_process(
      {"/bin/sh", "-c",
       fmt::format("exec 2>{0}/err.log; export JOURNAL_STREAM=$(stat -c '%d:%i' {0}/err.log); "
                   "{1} run --config {2} & pid=$!; sleep 1.5; kill -TERM $pid; wait $pid",
                   dir.path().string(), FEEDD_BINARY, config.string())},
      20s);
  const auto log = read_file(dir / "err.log");
  INFO(log);
  CHECK(result.exit_status == 0);
  CHECK(log.find("<6>feedd ") != std::string::npos);
  CHECK(log.find("<4>source S") != std::string::npos);
  CHECK(log.find("20") != 0);  // no timestamp at the start of lines
}

TEST_CASE("once honours what run learnt: a 410 source and one waiting out Retry-After or backoff are skipped with "
          "when they are due, and --force polls them") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/ok.xml", rss_with(1));
  server.route("/gone.xml", [](const TestRequest&) { return TestResponse{410, {}, "gone"}; });
  server.route("/busy.xml", [](const TestRequest&) { return TestResponse{503, {{"Retry-After", "86400"}}, "busy"}; });
  server.route("/broken.xml", [](const TestRequest&) { return TestResponse{500, {}, "oops"}; });
  const auto config = write_config(dir, {{"Ok", server.url("/ok.xml"), ""},
                                         {"Gone", server.url("/gone.xml"), ""},
                                         {"Busy", server.url("/busy.xml"), ""},
                                         {"Broken", server.url("/broken.xml"), "interval = \"1h\""}});
  const auto first = feedd::test::run_feedd({"once", "--config", config.string()});
  CHECK(first.exit_status == 1);
  for (const auto* path : {"/ok.xml", "/gone.xml", "/busy.xml", "/broken.xml"}) CHECK(server.requests(path) == 1);

  const auto second = feedd::test::run_feedd({"once", "--config", config.string()});
  INFO(second.err);
  CHECK(second.exit_status == 0);
  CHECK(server.requests("/ok.xml") == 2);
  for (const auto* path : {"/gone.xml", "/busy.xml", "/broken.xml"}) CHECK(server.requests(path) == 1);
  CHECK(second.err.find("source Gone (" + server.url("/gone.xml") + "): skipped: gone (HTTP 410)") !=
        std::string::npos);
  CHECK(second.err.find("source Busy (" + server.url("/busy.xml") + "): skipped: waiting after 1 failure(s) (last: "
                        "HTTP 503 Service Unavailable: no Content-Type, not a feed: 'busy'); due at ") != std::string::npos);
  CHECK(second.err.find("source Broken (" + server.url("/broken.xml") + "): skipped: waiting after 1 failure(s)") !=
        std::string::npos);
  CHECK(second.err.find("3 skipped") != std::string::npos);
  // Skipping changed nothing in what the store remembers.
  CHECK(sqlite_text(dir / "state/feedd.db", "SELECT consecutive_failures FROM sources WHERE name = 'Busy'") == "1");

  const auto forced = feedd::test::run_feedd({"once", "--force", "--config", config.string()});
  CHECK(forced.exit_status == 1);
  for (const auto* path : {"/ok.xml", "/gone.xml", "/busy.xml", "/broken.xml"}) CHECK(server.requests(path) >= 2);
}

TEST_CASE("Polls stopped by shutdown, running or still queued, are not failures: no failure counted, no backoff") {
  TempDir dir;
  HttpTestServer server;
  const auto slow = [](const TestRequest&) {
    TestResponse response{200, {{"Content-Type", "application/rss+xml"}}, rss_with(1)};
    response.delay = 20s;
    return response;
  };
  server.route("/a.xml", slow);
  server.route("/b.xml", slow);
  // One transfer per host: B waits in the queue while A hangs.
  auto daemon = start_daemon(write_config(dir, {{"A", server.url("/a.xml"), ""}, {"B", server.url("/b.xml"), ""}},
                                          "[fetch]\nper_host = 1\n[daemon]\nshutdown_grace = \"300ms\"\n"));
  REQUIRE(eventually([&] { return server.requests("/a.xml") + server.requests("/b.xml") == 1; }));
  daemon->signal(SIGTERM);
  const auto status = daemon->wait(10s);
  INFO(daemon->err());
  CHECK(status == 0);
  CHECK(server.requests("/a.xml") + server.requests("/b.xml") == 1);
  CHECK(daemon->err().find("not counted as a failure") != std::string::npos);
  const auto db = dir / "state/feedd.db";
  CHECK(sqlite_count(db, "SELECT count(*) FROM sources") == 2);
  CHECK(sqlite_count(db, "SELECT count(*) FROM sources WHERE consecutive_failures > 0 OR state != 'ok' OR "
                         "last_error IS NOT NULL") == 0);
  CHECK(sqlite_count(db, "SELECT count(*) FROM fetches WHERE error IS NOT NULL AND error != ''") == 0);
}

TEST_CASE("A posts_dir deleted while run is up is created again with a warning, its posts written again from the "
          "store, and new posts land in it") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/feed.xml", rss_with(3));
  auto daemon = start_daemon(write_config(dir, {{"S", server.url("/feed.xml"), ""}}));
  REQUIRE(eventually([&] { return fs::exists(dir / "posts") && count_posts(dir) == 3; }));
  std::map<std::string, std::string> before;
  for (const auto& post : fs::directory_iterator(dir / "posts")) {
    before[post.path().filename().string()] = read_file(post.path());
  }

  fs::remove_all(dir / "posts");
  server.serve("/feed.xml", rss_with(4));
  REQUIRE(eventually([&] { return fs::exists(dir / "posts") && count_posts(dir) == 4; }, 10s));
  CHECK(daemon->err().find("was missing: created it again") != std::string::npos);
  for (const auto& [name, bytes] : before) CHECK(read_file(dir / "posts" / name) == bytes);
  // The mark is cleared just after the file is in place.
  CHECK(eventually([&] {
    return sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM post_backlog") == 0;
  }));
  stop(*daemon);
}
