// Removal watching and Wayback copies (daemon/runtime/watch), with real
// parts: a loopback server for the feed, the pages and a Save Page Now fake,
// the real feedd binary (`once --now` at chosen clocks, and `run`), the real
// store read from outside.
#include <doctest/doctest.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "daemon/runtime/watch/recheck_schedule.h"
#include "daemon/runtime/watch/removal_evidence.h"
#include "store/store.h"
#include "tests/support/post_files.h"
#include "tests/support/schema_6.h"
#include "tests/support/eventually.h"
#include "tests/support/http_test_server.h"
#include "tests/support/local_http.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_config.h"
#include "tests/daemon/runtime/watch/watch_fixtures.h"

namespace fs = std::filesystem;
using feedd::test::free_port;
using feedd::test::http_get;
using feedd::test::HttpTestServer;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::TestDatabase;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using nlohmann::json;
using namespace feedd::test::watch;

namespace {

std::string article_page(const std::string& topic) {
  return fmt::format("<!doctype html><html><head><title>{0}</title></head><body><nav><a href=\"/\">Home</a></nav>"
                     "<article><h1>{0}</h1>{1}</article><footer>Footer</footer></body></html>",
                     topic, article_text(topic));
}

std::string notice_page() {
  return "<!doctype html><html><head><title>Notice</title></head><body><article><p>This article has been removed."
         "</p></article></body></html>";
}

// Item i is dated hours[i] o'clock on 2026-01-01 (default: i).
std::string feed_of(const HttpTestServer& server, const std::vector<std::string>& paths, std::vector<int> hours = {}) {
  std::string items;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    items += fmt::format("<item><title>Story {0}</title><link>{1}</link><guid>{1}</guid>"
                         "<pubDate>Thu, 01 Jan 2026 0{2}:00:00 GMT</pubDate><description><![CDATA[{3}]]></description>"
                         "</item>\n",
                         paths[i], server.url(paths[i]), hours.empty() ? static_cast<int>(i) : hours[i],
                         article_text(paths[i]));
  }
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>" + server.url("/") +
         "</link><description>d</description>\n" + items + "</channel></rss>";
}

// Pages whose answer the test changes between runs.
class Site {
 public:
  explicit Site(HttpTestServer& server) : server_(server) {}
  void set(const std::string& path, TestResponse response) {
    {
      std::lock_guard lock(mutex_);
      pages_[path] = std::move(response);
    }
    server_.route(path, [this, path](const TestRequest&) {
      std::lock_guard lock(mutex_);
      return pages_.at(path);
    });
  }

 private:
  HttpTestServer& server_;
  std::mutex mutex_;
  std::map<std::string, TestResponse> pages_;
};

const json* removal_of(const std::vector<json>& removed, const std::string& url) {
  for (const auto& entry : removed) {
    if (entry.at("url") == url) return &entry;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("The recheck schedule thins out over the watch window and spreads entries seen together") {
  const std::int64_t window = 7 * 24 * hour_ms;
  std::vector<std::int64_t> times;
  for (int step = 0;; ++step) {
    const auto time = feedd::watch::recheck_time(42, 0, window, step);
    if (!time) break;
    times.push_back(*time);
  }
  const std::vector<std::int64_t> bases{hour_ms, 6 * hour_ms, 24 * hour_ms, 72 * hour_ms, window};
  REQUIRE(times.size() == bases.size());
  for (std::size_t i = 0; i < bases.size(); ++i) {
    CHECK(times[i] >= bases[i]);
    CHECK(times[i] <= bases[i] + bases[i] / 10);
  }
  // A short window ends with a check at its end.
  const auto last = feedd::watch::recheck_time(42, 0, 12 * hour_ms, 2);
  REQUIRE(last);
  CHECK(*last >= 12 * hour_ms);
  CHECK_FALSE(feedd::watch::recheck_time(42, 0, 12 * hour_ms, 3));
  // 100 entries first seen at once come due over minutes, not at one instant.
  std::set<std::int64_t> first_checks;
  for (std::int64_t id = 1; id <= 100; ++id) first_checks.insert(*feedd::watch::recheck_time(id, 0, window, 0));
  CHECK(first_checks.size() > 90);
  CHECK(*first_checks.rbegin() - *first_checks.begin() > 4 * 60 * 1000);
}

TEST_CASE("A redirect that only adds a slug or https is the same article") {
  feedd::HttpResponse response;
  response.status = 200;
  response.content_type = "text/html";
  response.body = article_page("slug");
  response.effective_url = "https://example.org/story/123-the-slug";
  CHECK(feedd::watch::judge_page("http://example.org/story/123", response, 1000).kind ==
        feedd::watch::Verdict::Kind::alive);
  response.effective_url = "https://example.org/";
  const auto verdict = feedd::watch::judge_page("http://example.org/story/123", response, 1000);
  CHECK(verdict.kind == feedd::watch::Verdict::Kind::removed);
  CHECK(verdict.evidence.find("front page") != std::string::npos);
}

TEST_CASE("Pages that turn 404 or redirect home or lose their text are marked removed after their recheck time") {
  HttpTestServer server;
  Site site(server);
  const std::vector<std::string> paths{"/gone", "/home", "/busy", "/notice", "/alive"};
  for (const auto& path : paths) site.set(path, html(article_page(path)));
  server.route("/", [](const TestRequest&) { return html("<html><body><h1>Front page</h1></body></html>"); });
  server.serve("/feed.xml", feed_of(server, paths));
  TempDir dir;
  const auto config = feedd::test::write_test_config(
      dir, "[archive]\nwatch = \"7d\"\n", feedd::test::source_toml("Watched", server.url("/feed.xml")));

  auto once = [&](std::int64_t offset) {
    const auto result = run_feedd({"once", "--config", config.string(), "--now", at(offset)});
    INFO(result.err);
    CHECK(result.exit_status == 0);
    return result;
  };
  once(0);
  for (const auto& path : paths) CHECK(server.requests(path) == 0);  // first seen now: nothing to recheck

  site.set("/gone", html("not here", 404));
  site.set("/home", feedd::test::redirect_to(302, server.url("/")));
  site.set("/busy", html("busy", 503));
  // Before the first recheck is due, nothing is fetched and nothing marked,
  // although /gone already answers 404.
  once(30 * 60 * 1000);
  for (const auto& path : paths) CHECK(server.requests(path) == 0);
  CHECK(removed_json(config).empty());

  once(2 * hour_ms);
  for (const auto& path : paths) CHECK(server.requests(path) == 1);
  auto removed = removed_json(config);
  CHECK(removed.size() == 2);
  const json* gone = removal_of(removed, server.url("/gone"));
  REQUIRE(gone);
  CHECK(gone->at("evidence") == "HTTP 404");
  CHECK(gone->at("http_status") == 404);
  CHECK(gone->at("source") == "Watched");
  CHECK(gone->at("removed_at") == at(2 * hour_ms));
  CHECK(gone->at("chars_before").get<int>() > 1000);
  const json* home = removal_of(removed, server.url("/home"));
  REQUIRE(home);
  CHECK(home->at("evidence").get<std::string>().starts_with("redirected to the front page"));
  CHECK(home->at("final_url") == server.url("/"));
  // A 503 is no evidence: tried again later, not marked.
  CHECK_FALSE(removal_of(removed, server.url("/busy")));
  TestDatabase db(dir.path() / "state/feedd.db");
  const auto busy_next = std::stoll(db.text(
      "SELECT w.next_check_ms FROM watched w JOIN entries e ON e.id = w.entry_id WHERE e.url = '" +
      server.url("/busy") + "'"));
  CHECK(busy_next > t0_ms + 2 * hour_ms);

  // The notice replaces the article after the first check measured it.
  site.set("/notice", html(notice_page()));
  site.set("/busy", html(article_page("/busy")));
  once(7 * hour_ms);
  removed = removed_json(config);
  const json* notice = removal_of(removed, server.url("/notice"));
  REQUIRE(notice);
  CHECK(notice->at("http_status") == 200);
  CHECK(notice->at("chars_before").get<int>() > 1000);
  CHECK(notice->at("chars_after").get<int>() < 100);
  CHECK(notice->at("evidence").get<std::string>().find("shrank") != std::string::npos);
  CHECK_FALSE(removal_of(removed, server.url("/busy")));
  CHECK_FALSE(removal_of(removed, server.url("/alive")));
  CHECK(removed.size() == 3);
  // Removed entries are not fetched again, and their posts stay.
  CHECK(server.requests("/gone") == 1);
  CHECK(db.text("SELECT count(*) FROM entries") == "5");
  CHECK(feedd::test::post_count(dir.path() / "posts") == 5);

  // --since leaves out what was noticed before it; text lists the same.
  CHECK(removed_json(config, at(3 * hour_ms)).size() == 1);
  const auto text = run_feedd({"removed", "--config", config.string()});
  CHECK(text.exit_status == 0);
  CHECK(text.out.find(server.url("/gone")) != std::string::npos);
  CHECK(text.err.find("3 removed entries") != std::string::npos);
}

TEST_CASE("Without watch nothing is rechecked and the store gains no rows of it") {
  HttpTestServer server;
  server.serve("/feed.xml", feed_of(server, {"/a"}));
  server.route("/a", [](const TestRequest&) { return html("gone", 404); });
  TempDir dir;
  const auto config = feedd::test::write_test_config(dir, "", feedd::test::source_toml("Plain", server.url("/feed.xml")));
  CHECK(run_feedd({"once", "--config", config.string(), "--now", at(0)}).exit_status == 0);
  CHECK(run_feedd({"once", "--config", config.string(), "--now", at(30 * 24 * hour_ms)}).exit_status == 0);
  CHECK(server.requests("/a") == 0);
  TestDatabase db(dir.path() / "state/feedd.db");
  CHECK(db.text("SELECT count(*) FROM watched") == "0");
  CHECK(db.text("SELECT count(*) FROM wayback_queue") == "0");
}

namespace {

// Save Page Now as the test needs it: each request's arrival, a first answer
// per URL chosen by the test, then a redirect to the snapshot.
class SavePageNowFake {
 public:
  explicit SavePageNowFake(HttpTestServer& server) : server_(server) {}

  void answer_first(const std::string& url, TestResponse response) { first_answers_[url] = std::move(response); }
  void always(std::optional<TestResponse> response) {
    std::lock_guard lock(mutex_);
    always_ = std::move(response);
  }

  // The endpoint's path prefix is /save/; the URL saved follows it.
  void install(const std::vector<std::string>& urls) {
    for (const auto& url : urls) {
      server_.route("/save/" + url, [this, url](const TestRequest&) {
        std::lock_guard lock(mutex_);
        arrivals_.push_back({url, std::chrono::steady_clock::now()});
        if (always_) return *always_;
        if (auto first = first_answers_.find(url); first != first_answers_.end()) {
          TestResponse answer = first->second;
          first_answers_.erase(first);
          return answer;
        }
        ++saved_[url];
        return feedd::test::redirect_to(302, "/web/20260101000000/" + url);
      });
      server_.route("/web/20260101000000/" + url,
                    [](const TestRequest&) { return html("<html><body>archived</body></html>"); });
    }
  }

  struct Arrival {
    std::string url;
    std::chrono::steady_clock::time_point when;
  };
  std::vector<Arrival> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  int saved(const std::string& url) const {
    std::lock_guard lock(mutex_);
    const auto found = saved_.find(url);
    return found == saved_.end() ? 0 : found->second;
  }

 private:
  HttpTestServer& server_;
  mutable std::mutex mutex_;
  std::map<std::string, TestResponse> first_answers_;
  std::optional<TestResponse> always_;
  std::vector<Arrival> arrivals_;
  std::map<std::string, int> saved_;
};

}  // namespace

TEST_CASE("Save Page Now gets each new URL once paced and a 429 again after its Retry-After") {
  HttpTestServer site;
  HttpTestServer archive;
  const std::vector<std::string> paths{"/one", "/two", "/three"};
  std::vector<std::string> urls;
  for (const auto& path : paths) urls.push_back(site.url(path));
  site.serve("/feed.xml", feed_of(site, paths));
  SavePageNowFake fake(archive);
  fake.answer_first(urls[1], TestResponse{429, {{"Retry-After", "1"}}, "slow down"});
  fake.install(urls);
  TempDir dir;
  const auto port = free_port();
  const auto config = feedd::test::write_test_config(
      dir,
      fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n[archive]\narchive_org_endpoint = \"{}\"\n"
                  "archive_org_interval = \"300ms\"\n",
                  port, archive.url("/save/")),
      feedd::test::source_toml("Saved", site.url("/feed.xml"), "archive_org = true"));
  auto daemon = feedd::test::start_daemon(config);
  const bool all_saved = feedd::test::eventually(
      [&] { return fake.saved(urls[0]) == 1 && fake.saved(urls[1]) == 1 && fake.saved(urls[2]) == 1; },
      std::chrono::seconds(20));
  CHECK(all_saved);
  TestDatabase db(dir.path() / "state/feedd.db");
  CHECK(feedd::test::eventually(
      [&] { return db.text("SELECT count(*) FROM wayback_snapshots WHERE snapshot_url != ''") == "3"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // nothing more arrives
  const std::string metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("feedd_wayback_requests_total{result=\"saved\"} 3") != std::string::npos);
  CHECK(metrics.find("feedd_wayback_requests_total{result=\"retry\"} 1") != std::string::npos);
  CHECK(metrics.find("feedd_removals_total 0") != std::string::npos);
  daemon->signal(SIGTERM);
  CHECK(daemon->wait(std::chrono::seconds(15)) == 0);

  const auto arrivals = fake.arrivals();
  CHECK(arrivals.size() == 4);  // three saves and the 429
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    CHECK(arrivals[i].when - arrivals[i - 1].when >= std::chrono::milliseconds(290));
  }
  // The 429'd URL came again no sooner than its Retry-After.
  std::vector<std::chrono::steady_clock::time_point> second;
  for (const auto& arrival : arrivals) {
    if (arrival.url == urls[1]) second.push_back(arrival.when);
  }
  REQUIRE(second.size() == 2);
  CHECK(second[1] - second[0] >= std::chrono::milliseconds(990));
  for (const auto& url : urls) {
    CHECK(db.text("SELECT s.snapshot_url FROM wayback_snapshots s JOIN entries e ON e.id = s.entry_id WHERE e.url = '" +
                  url + "'") == archive.url("/web/20260101000000/" + url));
  }
  CHECK(db.text("SELECT count(*) FROM wayback_queue") == "0");
  CHECK(daemon->err().find("wayback: saved") != std::string::npos);
  // feedd history shows the copy, for a person and in JSON.
  const auto history = run_feedd({"history", urls[0], "--config", config.string()});
  CHECK(history.exit_status == 0);
  CHECK(history.out.find("snapshot: " + archive.url("/web/20260101000000/" + urls[0])) != std::string::npos);
  const auto history_json = run_feedd({"history", urls[0], "--json", "--config", config.string()});
  CHECK(history_json.out.find("\"snapshot_url\":\"" + archive.url("/web/20260101000000/" + urls[0]) + "\"") !=
        std::string::npos);
}

TEST_CASE("Posts are written while Save Page Now is down and the queue waits for the next run") {
  HttpTestServer site;
  HttpTestServer archive;
  const std::vector<std::string> paths{"/a", "/b"};
  std::vector<std::string> urls;
  for (const auto& path : paths) urls.push_back(site.url(path));
  site.serve("/feed.xml", feed_of(site, paths));
  SavePageNowFake fake(archive);
  fake.always(TestResponse{503, {}, "down"});
  fake.install(urls);
  TempDir dir;
  const auto config = feedd::test::write_test_config(
      dir,
      fmt::format("[archive]\narchive_org = true\narchive_org_endpoint = \"{}\"\narchive_org_interval = \"100ms\"\n",
                  archive.url("/save/")),
      feedd::test::source_toml("Saved", site.url("/feed.xml")));
  const auto first = run_feedd({"once", "--config", config.string(), "--now", at(0)});
  INFO(first.err);
  CHECK(first.exit_status == 0);
  CHECK(feedd::test::post_count(dir.path() / "posts") == 2);
  {
    TestDatabase db(dir.path() / "state/feedd.db");
    CHECK(db.text("SELECT count(*) FROM wayback_queue WHERE tries = 1") == "2");
  }
  CHECK(fake.arrivals().size() == 2);

  // A later run, the archive back: each URL saved once, nothing lost.
  fake.always(std::nullopt);
  const auto second = run_feedd({"once", "--config", config.string(), "--now", at(hour_ms)});
  CHECK(second.exit_status == 0);
  CHECK(fake.saved(urls[0]) == 1);
  CHECK(fake.saved(urls[1]) == 1);
  TestDatabase db(dir.path() / "state/feedd.db");
  CHECK(db.text("SELECT count(*) FROM wayback_snapshots") == "2");
  CHECK(db.text("SELECT count(*) FROM wayback_queue") == "0");
}

TEST_CASE("A schema 6 store upgrades keeping every row and watches only entries stored after") {
  HttpTestServer server;
  server.serve("/feed.xml", feed_of(server, {"/old"}));
  server.route("/old", [](const TestRequest&) { return html("gone", 404); });
  server.route("/new", [](const TestRequest&) { return html("gone", 404); });
  TempDir dir;
  const auto plain = feedd::test::write_test_config(dir, "", feedd::test::source_toml("S", server.url("/feed.xml")));
  REQUIRE(run_feedd({"once", "--config", plain.string(), "--now", at(0)}).exit_status == 0);
  const fs::path database = dir.path() / "state/feedd.db";
  std::vector<std::vector<std::string>> entries_before;
  {
    TestDatabase db(database, true);
    REQUIRE(db.exec(std::string(feedd::test::back_to_schema_6_sql)) == 0);
    entries_before = db.rows("SELECT * FROM entries ORDER BY id");
  }
  REQUIRE(entries_before.size() == 1);
  // The upgraded store, now watching, with a second entry in the feed.
  server.serve("/feed.xml", feed_of(server, {"/old", "/new"}));
  const auto watching = feedd::test::write_test_config(
      dir, "[archive]\nwatch = \"7d\"\n", feedd::test::source_toml("S", server.url("/feed.xml")));
  REQUIRE(watching == plain);
  REQUIRE(run_feedd({"once", "--config", watching.string(), "--now", at(hour_ms)}).exit_status == 0);
  REQUIRE(run_feedd({"once", "--config", watching.string(), "--now", at(3 * hour_ms)}).exit_status == 0);
  TestDatabase db(database);
  CHECK(db.text("PRAGMA user_version") == std::to_string(feedd::Store::schema_version));
  const auto entries_after = db.rows("SELECT * FROM entries ORDER BY id");
  REQUIRE(entries_after.size() == 2);
  CHECK(entries_after[0] == entries_before[0]);
  CHECK(db.text("SELECT count(*) FROM watched") == "1");
  CHECK(server.requests("/old") == 0);
  CHECK(server.requests("/new") == 1);
  CHECK(removed_json(watching).size() == 1);
}

TEST_CASE("An entry that drops out of its feed while older ones remain is noted as a weak sign") {
  HttpTestServer server;
  for (const auto& path : {"/old", "/middle", "/new"}) {
    server.route(path, [path](const TestRequest&) { return html(article_page(path)); });
  }
  server.serve("/feed.xml", feed_of(server, {"/new", "/middle", "/old"}, {3, 2, 1}));
  TempDir dir;
  const auto config = feedd::test::write_test_config(
      dir, "[archive]\nwatch = \"7d\"\n", feedd::test::source_toml("S", server.url("/feed.xml")));
  REQUIRE(run_feedd({"once", "--config", config.string(), "--now", at(0)}).exit_status == 0);
  // The middle one goes while the older one stays: noted, weakly.
  server.serve("/feed.xml", feed_of(server, {"/new", "/old"}, {3, 1}));
  const auto second = run_feedd({"once", "--config", config.string(), "--now", at(10 * 60 * 1000)});
  CHECK(second.exit_status == 0);
  CHECK(second.err.find("dropped out of its feed") != std::string::npos);
  auto removed = removed_json(config);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].at("url") == server.url("/middle"));
  CHECK(removed[0].at("strength") == "feed");
  // The oldest scrolling off the end is no sign at all.
  server.serve("/feed.xml", feed_of(server, {"/new"}, {3}));
  CHECK(run_feedd({"once", "--config", config.string(), "--now", at(20 * 60 * 1000)}).exit_status == 0);
  CHECK(removed_json(config).size() == 1);
  // Its page is still checked; a 404 there makes it a removal by the page.
  server.route("/middle", [](const TestRequest&) { return html("gone", 404); });
  CHECK(run_feedd({"once", "--config", config.string(), "--now", at(2 * hour_ms)}).exit_status == 0);
  removed = removed_json(config);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].at("strength") == "page");
  CHECK(removed[0].at("evidence") == "HTTP 404");
}

TEST_CASE("feedd check shows the archive settings and a source's own") {
  TempDir dir;
  const auto config = feedd::test::write_test_config(
      dir, "[archive]\nwatch = \"7d\"\narchive_org_interval = \"10s\"\n",
      feedd::test::source_toml("A", "https://example.com/feed.xml", "watch = \"off\"") +
          feedd::test::source_toml("B", "https://example.org/feed.xml", "archive_org = true"));
  const auto result = run_feedd({"check", "--config", config.string()});
  INFO(result.err);
  CHECK(result.exit_status == 0);
  for (const auto* expected : {"[archive]", "watch:           7d", "archive_org:     no",
                               "archive_org_endpoint: https://web.archive.org/save/", "archive_org_interval: 10s",
                               "archive_org: yes"}) {
    CHECK_MESSAGE(result.out.find(expected) != std::string::npos, expected);
  }
  // A's "off" beats [archive]: only B shows a watch of its own.
  CHECK(result.out.find("  watch:      7d") != std::string::npos);
  CHECK(result.out.find("  watch:      7d") == result.out.rfind("  watch:      7d"));
  CHECK(result.out.find("  watch:      7d") > result.out.find("\nB\n"));
}

TEST_CASE("With removed_notice a removed entry's post gains its removed key and notice and rebuild keeps them") {
  HttpTestServer server;
  server.serve("/feed.xml", feed_of(server, {"/kept", "/taken"}));
  server.route("/kept", [](const TestRequest&) { return html(article_page("/kept")); });
  server.route("/taken", [](const TestRequest&) { return html(article_page("/taken")); });
  TempDir dir;
  // The publish hook keeps the paths it is handed, one per line.
  const auto published = dir.path() / "published.txt";
  const auto config = feedd::test::write_test_config(
      dir,
      fmt::format("[archive]\nwatch = \"7d\"\n[publish]\ncommand = [\"/bin/sh\", \"-c\", \"cat >> '{}'\"]\n",
                  published.string()),
      feedd::test::source_toml("Noticed", server.url("/feed.xml"), "removed_notice = true"));
  REQUIRE(run_feedd({"once", "--config", config.string(), "--now", at(0)}).exit_status == 0);
  const std::size_t first_published = feedd::test::read_file(published).size();
  CHECK(first_published > 0);
  const auto before = feedd::test::posts_by_name(dir.path() / "posts");
  REQUIRE(before.size() == 2);
  for (const auto& [name, bytes] : before) CHECK(bytes.find("removed:") == std::string::npos);

  server.route("/taken", [](const TestRequest&) { return html("gone", 410); });
  REQUIRE(run_feedd({"once", "--config", config.string(), "--now", at(2 * hour_ms)}).exit_status == 0);
  const auto after = feedd::test::posts_by_name(dir.path() / "posts");
  REQUIRE(after.size() == 2);
  int changed = 0;
  for (const auto& [name, bytes] : after) {
    if (bytes == before.at(name)) continue;
    ++changed;
    CAPTURE(bytes);
    CHECK(bytes.find("[Story /taken]") != std::string::npos);
    CHECK(bytes.find("categories: [ Noticed ]\nremoved: 2026-01-01T02:00:00.000Z\n---\n") != std::string::npos);
    CHECK(bytes.find("------\n\n> This article was found removed from its site on 2026-01-01 (UTC).\n\n<div>\n") !=
          std::string::npos);
    // Only the two additions differ from the post as first written.
    std::string without = bytes;
    without.erase(without.find("removed: "), std::string("removed: 2026-01-01T02:00:00.000Z\n").size());
    const std::string line = "> This article was found removed from its site on 2026-01-01 (UTC).\n\n";
    without.erase(without.find(line), line.size());
    CHECK(without == before.at(name));
    // The site hears of the rewritten post as of any written one.
    const std::string published_now = feedd::test::read_file(published).substr(first_published);
    INFO(published_now);
    CHECK(published_now.find(name) != std::string::npos);
  }
  CHECK(changed == 1);

  // rebuild writes the same bytes again.
  const auto rebuilt = run_feedd({"rebuild", "--config", config.string()});
  INFO(rebuilt.err);
  CHECK(rebuilt.exit_status == 0);
  for (const auto& file : fs::directory_iterator(dir.path() / "posts")) {
    CHECK(feedd::test::read_file(file.path()) == after.at(file.path().filename().string()));
  }
}

TEST_CASE("feedd run rechecks what is due on its own and counts it in /metrics") {
  HttpTestServer server;
  server.serve("/feed.xml", feed_of(server, {"/gone", "/alive"}));
  server.route("/gone", [](const TestRequest&) { return html("gone", 404); });
  server.route("/alive", [](const TestRequest&) { return html(article_page("/alive")); });
  TempDir dir;
  const auto port = free_port();
  const auto config = feedd::test::write_test_config(
      dir, fmt::format("[http]\nlisten = \"127.0.0.1:{}\"\n[archive]\nwatch = \"7d\"\n", port),
      feedd::test::source_toml("S", server.url("/feed.xml")));
  // First seen three hours ago by a pinned once: the daemon's first turn
  // finds the first rechecks due.
  const auto three_hours_ago = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) -
                               std::chrono::hours(3);
  REQUIRE(run_feedd({"once", "--config", config.string(), "--now", fmt::format("{:%FT%TZ}", three_hours_ago)})
              .exit_status == 0);
  REQUIRE(server.requests("/gone") == 0);
  auto daemon = feedd::test::start_daemon(config);
  CHECK(feedd::test::eventually([&] { return server.requests("/gone") == 1 && server.requests("/alive") == 1; }));
  CHECK(feedd::test::eventually([&] {
    return http_get(port, "/metrics").body.find("feedd_removals_total 1") !=
           std::string::npos;
  }));
  const std::string metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("feedd_rechecks_total{result=\"alive\"} 1") != std::string::npos);
  CHECK(metrics.find("feedd_rechecks_total{result=\"removed\"} 1") != std::string::npos);
  daemon->signal(SIGTERM);
  CHECK(daemon->wait(std::chrono::seconds(15)) == 0);
  CHECK(daemon->err().find("entry removed: " + server.url("/gone") + ": HTTP 404") != std::string::npos);
  const auto removed = removed_json(config);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].at("url") == server.url("/gone"));
}
