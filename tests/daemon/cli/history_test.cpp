// Versions end to end: a loopback feed whose item is edited between two
// `feedd once` runs (each with its own clock), then replaced by a removal
// notice; the post follows sources[].update in each of its three modes,
// every version is kept, `feedd history` lists and diffs them, and `feedd
// search --all-versions` finds words only an earlier version holds.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_config.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::ProcessResult;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using nlohmann::json;

namespace {

const std::string article =
    "<p>Kerry arrived in Shanghai on Wednesday for two days of talks on climate change with his Chinese "
    "counterpart Xie Zhenhua, the first visit of a Biden official to China.</p>"
    "<p>克里抵达上海，与中方气候变化事务特使解振华举行会谈。</p>";
const std::string edited =
    "<p>Kerry arrived in Shanghai on Thursday for two days of talks on climate change with his Chinese "
    "counterpart Xie Zhenhua, the first visit of a Biden official to China.</p>"
    "<p>克里离开上海，与中方气候变化事务特使解振华举行会谈。</p>";
const std::string notice = "<p>This article has been removed</p>";

// One feed per update mode, each with one item whose title, body and date
// the test sets before each poll.
class EditedFeeds {
 public:
  explicit EditedFeeds(HttpTestServer& server) {
    for (const std::string mode : {"latest", "first", "never_shrink"}) {
      server.route("/" + mode + ".xml", [this, mode](const TestRequest&) {
        std::lock_guard lock(mutex_);
        TestResponse response;
        response.headers = {{"Content-Type", "application/rss+xml; charset=utf-8"}};
        response.body = fmt::format(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{0}</title>"
            "<link>https://example.org/{0}/</link><description>d</description><item><title>{1}</title>"
            "<link>https://example.org/{0}/kerry</link><pubDate>{2}</pubDate>"
            "<description><![CDATA[{3}]]></description></item></channel></rss>",
            mode, title_, date_, body_);
        return response;
      });
    }
  }
  void set(std::string title, std::string date, std::string body) {
    std::lock_guard lock(mutex_);
    title_ = std::move(title);
    date_ = std::move(date);
    body_ = std::move(body);
  }

 private:
  std::mutex mutex_;
  std::string title_, date_, body_;
};

std::string post_of(const TempDir& dir, const std::string& url) {
  const auto name = feedd::test::sqlite_text(dir / "state/feedd.db",
                                             fmt::format("SELECT post_path FROM entries WHERE url = '{}'", url));
  return feedd::test::read_file(dir / "posts" / name);
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

}  // namespace

TEST_CASE("An edited item is kept as versions, the post follows update, and history lists and diffs them") {
  TempDir dir;
  HttpTestServer server;
  EditedFeeds feeds(server);
  std::string sources;
  for (const std::string mode : {"latest", "first", "never_shrink"}) {
    sources += feedd::test::source_toml(mode, server.url("/" + mode + ".xml"), fmt::format("update = \"{}\"", mode));
  }
  const auto config = feedd::test::write_test_config(dir, "[archive]\nshrink_limit = 0.5\n", sources).string();
  const auto once = [&](const std::string& now) {
    const ProcessResult result = run_feedd({"once", "--config", config, "--now", now});
    INFO(result.err);
    REQUIRE(result.exit_status == 0);
  };

  feeds.set("Kerry arrives in Shanghai", "Thu, 15 Apr 2021 13:00:00 GMT", article);
  once("2021-04-15T13:10:00Z");
  feeds.set("Kerry arrives in Shanghai", "Thu, 15 Apr 2021 13:30:00 GMT", edited);
  once("2021-04-15T13:40:00Z");
  feeds.set("Kerry arrives in Shanghai", "Thu, 15 Apr 2021 13:50:00 GMT", edited);  // only the date changed
  once("2021-04-15T13:55:00Z");
  feeds.set("Removed", "Thu, 15 Apr 2021 14:00:00 GMT", notice);
  once("2021-04-15T14:10:00Z");

  const auto database = dir / "state/feedd.db";
  CHECK(feedd::test::sqlite_count(database, "SELECT count(*) FROM entry_versions") == 9);

  SUBCASE("the post follows each mode") {
    const auto latest = post_of(dir, "https://example.org/latest/kerry");
    CHECK(latest.find("This article has been removed") != std::string::npos);
    const auto first = post_of(dir, "https://example.org/first/kerry");
    CHECK(first.find("on Wednesday") != std::string::npos);
    CHECK(first.find("Thursday") == std::string::npos);
    // The removal notice is stored as a version but does not replace the article.
    const auto never_shrink = post_of(dir, "https://example.org/never_shrink/kerry");
    CHECK(never_shrink.find("on Thursday") != std::string::npos);
    CHECK(never_shrink.find("removed") == std::string::npos);
    CHECK(never_shrink.find("title: \"Kerry arrives in Shanghai\"") != std::string::npos);
  }

  SUBCASE("reprocess leaves a post showing an earlier version as it is") {
    const auto first_before = post_of(dir, "https://example.org/first/kerry");
    const auto never_before = post_of(dir, "https://example.org/never_shrink/kerry");
    const auto result = run_feedd({"reprocess", "--config", config});
    INFO(result.err);
    REQUIRE(result.exit_status == 0);
    CHECK(result.out.find("; 2 showing an earlier version (update) left as they are") != std::string::npos);
    CHECK(post_of(dir, "https://example.org/first/kerry") == first_before);
    CHECK(post_of(dir, "https://example.org/never_shrink/kerry") == never_before);
  }

  SUBCASE("history lists the versions, as text and as JSON") {
    const auto text = run_feedd({"history", "--config", config, "https://example.org/never_shrink/kerry"});
    INFO(text.err);
    REQUIRE(text.exit_status == 0);
    CHECK(text.out.find("3 versions; the post shows version 2") != std::string::npos);
    CHECK(text.out.find("snapshot: none") != std::string::npos);
    CHECK(text.out.find("2021-04-15T14:10:00Z") != std::string::npos);

    const auto listed = run_feedd({"history", "--config", config, "--json", "https://example.org/never_shrink/kerry"});
    REQUIRE(listed.exit_status == 0);
    const auto lines = json_lines(listed.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0]["version"] == 1);
    CHECK(lines[0]["changed"] == "first");
    CHECK(lines[0]["time"] == "2021-04-15T13:10:00Z");
    CHECK(lines[0]["origin"] == "feed");
    CHECK(lines[1]["changed"] == "content");
    CHECK(lines[1]["shown"] == true);
    CHECK(lines[1]["time"] == "2021-04-15T13:40:00Z");
    CHECK(lines[2]["changed"] == "both");
    CHECK(lines[2]["title"] == "Removed");
    CHECK(lines[2]["size"] == 29);  // "This article has been removed"
    CHECK(lines[2]["shown"] == false);
    CHECK(lines[2]["snapshot_url"].is_null());
    CHECK(lines[0]["size"].get<int>() > 150);
  }

  SUBCASE("history --diff shows the change word by word, Chinese by character") {
    const auto diff =
        run_feedd({"history", "--config", config, "https://example.org/latest/kerry", "--diff", "1", "2"});
    INFO(diff.err);
    REQUIRE(diff.exit_status == 0);
    CHECK(diff.out.find("on [-Wednesday-]{+Thursday+} for") != std::string::npos);
    CHECK(diff.out.find("克里[-抵达-]{+离开+}上海") != std::string::npos);
    CHECK(diff.out.find("\x1b[") == std::string::npos);  // no colour into a pipe
    // On a terminal (script(1), from bsdutils, gives it one): the same markers, coloured.
    const auto on_terminal = feedd::test::run_process(
        {"/usr/bin/script", "-qec",
         fmt::format("{} history --config {} https://example.org/latest/kerry --diff 1 2", FEEDD_BINARY, config),
         "/dev/null"},
        std::chrono::seconds(30), {{"NO_COLOR", ""}});
    INFO(on_terminal.out, on_terminal.err);
    CHECK(on_terminal.out.find("\x1b[31m[-Wednesday-]\x1b[0m\x1b[32m{+Thursday+}\x1b[0m") != std::string::npos);

    const auto as_json = run_feedd(
        {"history", "--config", config, "https://example.org/latest/kerry", "--diff", "2", "3", "--json"});
    REQUIRE(as_json.exit_status == 0);
    const auto lines = json_lines(as_json.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["field"] == "title");
    CHECK(lines[0]["pieces"] == json::parse(R"([{"op":"removed","text":"Kerry arrives in Shanghai"},
                                                {"op":"added","text":"Removed"}])"));
    CHECK(lines[1]["field"] == "content");
    CHECK(lines[1]["from"] == 2);
    CHECK(lines[1]["to"] == 3);
    std::string added;
    for (const auto& piece : lines[1]["pieces"]) {
      if (piece["op"] == "added") added += piece["text"].get<std::string>();
    }
    CHECK(added.find("removed") != std::string::npos);

    const auto missing = run_feedd({"history", "--config", config, "https://example.org/latest/kerry", "--diff", "1", "9"});
    CHECK(missing.exit_status == 2);
    CHECK(missing.err.find("no version \"9\"; this entry has versions 1 to 3") != std::string::npos);
    const auto unknown = run_feedd({"history", "--config", config, "https://example.org/nothing"});
    CHECK(unknown.exit_status == 2);
  }

  SUBCASE("search --all-versions finds words only an earlier version holds, naming it") {
    const auto now = run_feedd({"search", "--config", config, "--source", "latest", "--json", "Wednesday"});
    REQUIRE(now.exit_status == 0);
    CHECK(json::parse(now.out).empty());
    const auto all =
        run_feedd({"search", "--config", config, "--source", "latest", "--json", "--all-versions", "Wednesday"});
    INFO(all.err);
    REQUIRE(all.exit_status == 0);
    const auto hits = json::parse(all.out);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0]["version"] == 1);
    CHECK(hits[0]["title"] == "Kerry arrives in Shanghai");
    CHECK(hits[0]["url"] == "https://example.org/latest/kerry");
    // Chinese too, and every source: 抵达 is in version 1 of the three
    // entries; the first-mode post still shows it, so that one is the post.
    const auto chinese = run_feedd({"search", "--config", config, "--json", "--all-versions", "抵达"});
    REQUIRE(chinese.exit_status == 0);
    const auto found = json::parse(chinese.out);
    CHECK(found.size() == 3);
    int as_post = 0;
    for (const auto& hit : found) as_post += hit.contains("version") ? 0 : 1;
    CHECK(as_post == 1);
    const auto people = run_feedd({"search", "--config", config, "--source", "latest", "--all-versions", "Wednesday"});
    CHECK(people.out.find("(version 1) Kerry arrives in Shanghai") != std::string::npos);
  }
}

TEST_CASE("check shows the [archive] defaults and a source's own update; a bad value is named with its line") {
  TempDir dir;
  const auto good = feedd::test::write_test_config(
      dir, "[archive]\nupdate = \"never_shrink\"\nshrink_limit = 0.25\n",
      feedd::test::source_toml("A", "https://example.org/a.xml") +
          feedd::test::source_toml("B", "https://example.org/b.xml", "update = \"first\""));
  const auto shown = run_feedd({"check", "--config", good.string()});
  INFO(shown.err);
  CHECK(shown.exit_status == 0);
  CHECK(shown.out.find("[archive]\n") != std::string::npos);
  CHECK(shown.out.find("\n  update:          never_shrink\n  shrink_limit:    0.25\n") != std::string::npos);
  CHECK(shown.out.find("  update:     first (shrink_limit 0.25)\n") != std::string::npos);

  const auto bad_mode = feedd::test::write_test_config(
      dir, "", feedd::test::source_toml("S", "https://example.org/feed.xml", "update = \"newest\""));
  const auto result = run_feedd({"check", "--config", bad_mode.string()});
  CHECK(result.exit_status == 2);
  CHECK(result.err.find(bad_mode.string() + ":8: sources[0].update: must be \"latest\", \"first\" or "
                                            "\"never_shrink\", got \"newest\"") != std::string::npos);
  const auto bad_limit = feedd::test::write_test_config(dir, "[archive]\nshrink_limit = 1.5\n", "");
  const auto limit = run_feedd({"check", "--config", bad_limit.string()});
  CHECK(limit.exit_status == 2);
  CHECK(limit.err.find(bad_limit.string() + ":5: archive.shrink_limit: must be a number from 0 to 1") !=
        std::string::npos);
}

TEST_CASE("history shows under each version the enclosures it listed, the replaced list until its replacement") {
  TempDir dir;
  HttpTestServer server;
  std::mutex mutex;
  std::string body, recording, date;
  server.route("/episodes.xml", [&](const TestRequest&) {
    std::lock_guard lock(mutex);
    return TestResponse{
        200,
        {{"Content-Type", "application/rss+xml; charset=utf-8"}},
        fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Pod</title>"
                    "<link>https://example.org/</link><description>d</description><item><title>Episode 1</title>"
                    "<link>https://example.org/ep1</link><pubDate>{}</pubDate>"
                    "<description>{}</description>{}</item></channel></rss>",
                    date, body, recording)};
  });
  const auto config = feedd::test::write_test_config(
                          dir, "", feedd::test::source_toml("Pod", server.url("/episodes.xml")))
                          .string();
  const auto once = [&](const std::string& published, const std::string& text, const std::string& enclosure,
                        const std::string& now) {
    {
      std::lock_guard lock(mutex);
      date = published;
      body = text;
      recording = enclosure;
    }
    const ProcessResult result = run_feedd({"once", "--config", config, "--now", now});
    INFO(result.err);
    REQUIRE(result.exit_status == 0);
  };
  once("Thu, 15 Apr 2021 13:00:00 GMT", "The first cut of the episode, forty minutes long.",
       "<enclosure url=\"https://cdn.example.org/ep1-cut1.mp3\" type=\"audio/mpeg\" length=\"4800\"/>",
       "2021-04-15T13:10:00Z");
  once("Thu, 15 Apr 2021 14:00:00 GMT", "The second cut of the episode, an hour long with the interview.",
       "<enclosure url=\"https://cdn.example.org/ep1-cut2.mp3\" type=\"audio/mpeg\"/>", "2021-04-15T14:10:00Z");

  const auto text = run_feedd({"history", "--config", config, "https://example.org/ep1"});
  INFO(text.err);
  REQUIRE(text.exit_status == 0);
  INFO(text.out);
  const auto first = text.out.find("\n   1  2021-04-15T13:10:00Z");
  const auto replaced =
      text.out.find("      enclosures until 2021-04-15T14:10:00Z:\n        https://cdn.example.org/ep1-cut1.mp3 "
                    "(audio/mpeg, 4800 bytes)\n");
  const auto second = text.out.find("\n   2  2021-04-15T14:10:00Z");
  const auto now = text.out.find("      enclosures now:\n        https://cdn.example.org/ep1-cut2.mp3 (audio/mpeg)\n");
  REQUIRE(first != std::string::npos);
  REQUIRE(replaced != std::string::npos);
  REQUIRE(second != std::string::npos);
  REQUIRE(now != std::string::npos);
  CHECK(first < replaced);
  CHECK(replaced < second);
  CHECK(second < now);

  const auto listed = run_feedd({"history", "--config", config, "--json", "https://example.org/ep1"});
  REQUIRE(listed.exit_status == 0);
  const auto lines = json_lines(listed.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["enclosure_lists"] == json::parse(R"([{"replaced":"2021-04-15T14:10:00Z","enclosures":[
      {"url":"https://cdn.example.org/ep1-cut1.mp3","type":"audio/mpeg","length":4800}]}])"));
  CHECK(lines[1]["enclosure_lists"] == json::parse(R"([{"replaced":null,"enclosures":[
      {"url":"https://cdn.example.org/ep1-cut2.mp3","type":"audio/mpeg","length":null}]}])"));
}
