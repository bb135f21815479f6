// A source's cookie, login and credential headers reach only its own hosts,
// on every hop of a redirect chain: feeds, article pages and images, end to
// end with the real feedd binary, two loopback hosts (127.0.0.1 is the
// source's, 127.0.0.2 another) and a real store.
#include <doctest/doctest.h>
#include <fmt/format.h>

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
using namespace std::chrono_literals;
using feedd::test::HttpTestServer;
using feedd::test::redirect_to;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;
using feedd::test::xml_escape;

namespace {

// The source's secrets as the servers see them; every one is a credential
// by request_scope's rule, Referer is not and goes everywhere.
const std::string secrets = "headers = { X-Api-Key = \"k3y-123\", Referer = \"https://example.org/\" }\n"
                            "cookie = \"session=s3ssion\"\n"
                            "username = \"reader\"\npassword_file = \"password\"\n"
                            "allow_private = true\n";  // 127.0.0.2 is loopback: let the redirect through

fs::path write_config(const TempDir& dir, const std::string& archive, const std::string& source) {
  write_file(dir / "password", "pa55word\n");
  const fs::path path = dir / "feedd.toml";
  write_file(path, "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\nmedia_dir = \"site/media\"\n" +
                       archive + source);
  return path;
}

std::string source_toml(const std::string& url, const std::string& extra = "") {
  return fmt::format("[[sources]]\nname = \"Members\"\nurl = \"{}\"\ncontent = \"raw\"\n{}{}", url, secrets, extra);
}

void check_has_credentials(const TestRequest& request) {
  INFO(request.target);
  CHECK(request.headers.count("x-api-key") == 1);
  CHECK(request.headers.count("cookie") == 1);
  CHECK(request.headers.count("authorization") == 1);
  CHECK(request.headers.count("referer") == 1);
}

void check_no_credentials(const TestRequest& request) {
  INFO(request.target);
  CHECK(request.headers.count("x-api-key") == 0);
  CHECK(request.headers.count("cookie") == 0);
  CHECK(request.headers.count("authorization") == 0);
  CHECK(request.headers.count("referer") == 1);  // not a secret: it goes along
}

std::vector<TestRequest> requests_for(const HttpTestServer& server, const std::string& path) {
  std::vector<TestRequest> found;
  for (auto& request : server.request_log()) {
    if (request.target == path) found.push_back(std::move(request));
  }
  return found;
}

TestResponse feed_answer(std::string body) {
  return TestResponse{200, {{"Content-Type", "application/rss+xml"}}, std::move(body)};
}

std::size_t post_count(const TempDir& dir) { return feedd::test::post_count(dir / "site/_posts"); }

}  // namespace

TEST_CASE("A feed redirected to another host takes no cookie login or key there and takes them again back home") {
  HttpTestServer home("127.0.0.1");
  HttpTestServer other("127.0.0.2");
  home.route("/feed.xml", [&](const TestRequest&) { return redirect_to(302, other.url("/hop")); });
  other.route("/hop", [&](const TestRequest&) { return redirect_to(302, home.url("/final.xml")); });
  home.route("/final.xml", [](const TestRequest&) { return feed_answer(feedd::test::rss_with(2, "members")); });

  TempDir dir;
  const auto result = run_feedd({"once", "--config", write_config(dir, "", source_toml(home.url("/feed.xml"))).string()}, 60s);
  INFO(result.err);
  CHECK(result.exit_status == 0);
  CHECK(post_count(dir) == 2);
  const auto first = requests_for(home, "/feed.xml");
  const auto hop = requests_for(other, "/hop");
  const auto last = requests_for(home, "/final.xml");
  REQUIRE(first.size() == 1);
  REQUIRE(hop.size() == 1);
  REQUIRE(last.size() == 1);
  check_has_credentials(first[0]);
  check_no_credentials(hop[0]);
  check_has_credentials(last[0]);  // the chain came home: the source's own host
  CHECK(result.err.find("k3y-123") == std::string::npos);
  CHECK(result.err.find("s3ssion") == std::string::npos);
}

TEST_CASE("A feed redirected to one of its mirrors takes its credentials there") {
  HttpTestServer home("127.0.0.1");
  HttpTestServer mirror("127.0.0.2");
  home.route("/feed.xml", [&](const TestRequest&) { return redirect_to(307, mirror.url("/feed.xml")); });
  mirror.route("/feed.xml", [](const TestRequest&) { return feed_answer(feedd::test::rss_with(1, "mirrored")); });
  TempDir dir;
  const std::string source = fmt::format("[[sources]]\nname = \"Members\"\nurls = [\"{}\", \"{}\"]\ncontent = \"raw\"\n{}",
                                         home.url("/feed.xml"), mirror.url("/feed.xml"), secrets);
  const auto result = run_feedd({"once", "--config", write_config(dir, "", source).string()}, 60s);
  INFO(result.err);
  CHECK(result.exit_status == 0);
  CHECK(post_count(dir) == 1);
  const auto at_mirror = requests_for(mirror, "/feed.xml");
  REQUIRE(at_mirror.size() == 1);
  check_has_credentials(at_mirror[0]);
}

TEST_CASE("An article page and an image redirected to another host take no cookie login or key there") {
  HttpTestServer home("127.0.0.1");
  HttpTestServer other("127.0.0.2");
  std::string article;
  for (int i = 0; i < 12; ++i) {
    article += fmt::format("<p>Paragraph {}: the council met on Tuesday and, after a long debate, agreed that the "
                           "report, which had been delayed twice, would be published in full.</p>",
                           i);
  }
  const std::string gif("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
                        "\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
                        43);
  other.route("/story", [&](const TestRequest&) {
    return TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}},
                        fmt::format("<!doctype html><html><head><title>Story</title></head><body><article><h1>Story"
                                    "</h1><img src=\"{}\">{}</article></body></html>",
                                    home.url("/pixel.gif"), article)};
  });
  other.route("/cdn.gif", [&](const TestRequest&) { return TestResponse{200, {{"Content-Type", "image/gif"}}, gif}; });
  home.route("/story", [&](const TestRequest&) { return redirect_to(302, other.url("/story")); });
  home.route("/pixel.gif", [&](const TestRequest&) { return redirect_to(302, other.url("/cdn.gif")); });
  home.route("/feed.xml", [&](const TestRequest&) {
    return feed_answer(fmt::format("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item>"
                                   "<title>Story</title><link>{}</link><description>A teaser.</description></item>"
                                   "</channel></rss>",
                                   xml_escape(home.url("/story"))));
  });

  TempDir dir;
  const auto config = write_config(dir, "[archive]\nmedia = \"local\"\n",
                                   source_toml(home.url("/feed.xml"), "full_text = \"auto\"\n"));
  const auto result = run_feedd({"once", "--config", config.string()}, 60s);
  INFO(result.err);
  CHECK(result.exit_status == 0);
  CHECK(post_count(dir) == 1);
  for (const std::string path : {"/story", "/pixel.gif"}) {
    const auto asked = requests_for(home, path);
    REQUIRE_MESSAGE(asked.size() == 1, path);
    check_has_credentials(asked[0]);
  }
  for (const std::string path : {"/story", "/cdn.gif"}) {
    const auto asked = requests_for(other, path);
    REQUIRE_MESSAGE(asked.size() == 1, path);
    check_no_credentials(asked[0]);
  }
}
