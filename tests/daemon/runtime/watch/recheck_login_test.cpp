// Removal rechecks of a source behind a login (daemon/runtime/watch): the
// source's cookie, login and credential headers go with the recheck to its
// own hosts and to no other, and a 401 or 403 is never taken for a takedown.
// The real feedd binary (`once --now` at chosen clocks), two loopback hosts,
// the real store read back through `feedd removed`.
#include <doctest/doctest.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/daemon/runtime/watch/watch_fixtures.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;
using nlohmann::json;
using namespace feedd::test::watch;

namespace {

TestResponse article_page(const std::string& topic) {
  return html(fmt::format("<!doctype html><html><head><title>{0}</title></head><body><article><h1>{0}</h1>{1}"
                          "</article></body></html>",
                          topic, article_text(topic)));
}

bool logged_in(const TestRequest& request) {
  return request.headers.count("authorization") && request.headers.count("cookie") &&
         request.headers.count("x-api-key");
}

}  // namespace

TEST_CASE("Rechecks of a source behind a login send it to its own host only and a 401 or 403 is no removal") {
  HttpTestServer home("127.0.0.1");
  HttpTestServer other("127.0.0.2");
  const std::vector<std::string> paths{"/members/1", "/members/2", "/members/3", "/members/4"};
  std::string items;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    items += fmt::format("<item><title>Story {0}</title><link>{1}</link><guid>{1}</guid>"
                         "<pubDate>Thu, 01 Jan 2026 0{2}:00:00 GMT</pubDate><description><![CDATA[{3}]]>"
                         "</description></item>\n",
                         paths[i], home.url(paths[i]), i, article_text(paths[i]));
  }
  const std::string feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>" +
                           home.url("/") + "</link><description>d</description>\n" + items + "</channel></rss>";
  home.route("/feed.xml", [feed](const TestRequest& request) {
    if (!logged_in(request)) return html("login required", 401);
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}}, feed};
  });
  // A members' page sends a reader without the login to the login page: a
  // redirect to another page, which would read as a takedown.
  home.route("/members/1", [&](const TestRequest& request) {
    if (!logged_in(request)) return feedd::test::redirect_to(302, home.url("/login"));
    return article_page("/members/1");
  });
  home.route("/login", [](const TestRequest&) { return html("<html><body><form>Sign in</form></body></html>"); });
  home.route("/members/2", [](const TestRequest&) { return html("forbidden", 403); });
  home.route("/members/3", [](const TestRequest&) { return html("unauthorised", 401); });
  // Moved to another host with the same path: the same article, and the
  // other host sees none of the source's secrets.
  home.route("/members/4", [&](const TestRequest&) { return feedd::test::redirect_to(301, other.url("/members/4")); });
  other.route("/members/4", [](const TestRequest&) { return article_page("/members/4"); });

  TempDir dir;
  write_file(dir / "password", "pa55word\n");
  const auto config = dir / "feedd.toml";
  write_file(config, fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"posts\"\n"
                                 "[archive]\nwatch = \"7d\"\n"
                                 "[[sources]]\nname = \"Members\"\nurl = \"{}\"\ncontent = \"raw\"\n"
                                 "headers = {{ X-Api-Key = \"k3y-123\" }}\ncookie = \"session=s3ssion\"\n"
                                 "username = \"reader\"\npassword_file = \"password\"\nallow_private = true\n",
                                 home.url("/feed.xml")));
  for (const std::int64_t offset : {std::int64_t{0}, 2 * hour_ms, 8 * hour_ms}) {
    const auto result = run_feedd({"once", "--config", config.string(), "--now", at(offset)});
    INFO(result.err);
    CHECK(result.exit_status == 0);
    CHECK(result.err.find("k3y-123") == std::string::npos);
    CHECK(result.err.find("pa55word") == std::string::npos);
  }
  for (const auto& path : paths) CHECK(home.requests(path) == 2);  // rechecked at 2 h and 8 h
  for (const auto& request : home.request_log()) {
    if (request.target.starts_with("/members/")) CHECK_MESSAGE(logged_in(request), request.target);
  }
  CHECK(home.requests("/login") == 0);
  const auto elsewhere = other.request_log();
  CHECK(elsewhere.size() == 2);
  for (const auto& request : elsewhere) {
    CHECK(request.headers.count("authorization") == 0);
    CHECK(request.headers.count("cookie") == 0);
    CHECK(request.headers.count("x-api-key") == 0);
  }
  CHECK(removed_json(config).empty());
}
