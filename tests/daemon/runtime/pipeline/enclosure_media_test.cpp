// Enclosures kept with their entry (table entry_enclosures) and, with
// media = "local", archived like images: the real feedd binary polls a feed
// on a loopback server whose items list recordings, images and files, and
// the post of a source with enclosures = true plays the local copies.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::sqlite_count;
using feedd::test::sqlite_rows;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;

namespace {

// The first bytes of real files of each kind, then filler: what a sniffer
// reads is there, and the sizes are known.
const std::string mp3 = std::string("ID3\x04\x00\x00\x00\x00\x00\x00", 10) + std::string(600, 'a');
const std::string mp4 = std::string("\x00\x00\x00\x18" "ftypisom\x00\x00\x02\x00" "isomiso2", 24) + std::string(700, 'v');
const std::string m4a = std::string("\x00\x00\x00\x18" "ftypM4A \x00\x00\x02\x00" "M4A isom", 24) + std::string(500, 'm');
const std::string ogg = std::string("OggS\x00\x02", 6) + std::string(400, 'o');
const std::string gif(
    "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00"
    "\x01\x00\x00\x02\x02\x44\x01\x00;",
    43);
const std::string page = "<!DOCTYPE html><html><body>not a recording</body></html>";

struct Site {
  HttpTestServer server;

  std::string u(const std::string& path) const { return server.url(path); }

  void file(const std::string& path, const std::string& bytes, const std::string& type) {
    server.route(path, [bytes, type](const TestRequest&) { return TestResponse{200, {{"Content-Type", type}}, bytes}; });
  }

  Site() {
    file("/a/show.mp3", mp3, "audio/mpeg");
    file("/v/clip.mp4", mp4, "video/mp4");
    file("/a/talk.m4a", m4a, "application/octet-stream");  // a server that does not know
    file("/a/big.ogg", ogg + std::string(4096, 'x'), "audio/ogg");
    file("/i/cover.gif", gif, "image/gif");
    file("/a/page.mp3", page, "audio/mpeg");  // a page called audio
    file("/f/notes.pdf", "%PDF-1.4 ...", "application/pdf");
    const std::string xml = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
        "xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>RFA</title>"
        "<item><title>Item 1</title><link>{0}</link><pubDate>Sun, 01 Mar 2026 01:00:00 GMT</pubDate>"
        "<description>&lt;p&gt;Listen.&lt;/p&gt;</description>"
        "<enclosure url=\"{1}\" type=\"audio/mpeg\" length=\"610\"/>"
        "<media:content url=\"{2}\" type=\"video/mp4\"/><media:thumbnail url=\"{3}\"/>"
        "<enclosure url=\"{4}\" type=\"application/pdf\" length=\"12\"/></item>\n"
        "<item><title>Item 2</title><link>{5}</link><pubDate>Sun, 01 Mar 2026 02:00:00 GMT</pubDate>"
        "<description>&lt;p&gt;Two.&lt;/p&gt;</description>"
        "<enclosure url=\"{6}\" length=\"524\"/><enclosure url=\"{7}\" type=\"audio/ogg\"/>"
        "<enclosure url=\"{8}\" type=\"audio/mpeg\"/></item>\n"
        "</channel></rss>\n",
        u("/post/1"), u("/a/show.mp3"), u("/v/clip.mp4"), u("/i/cover.gif"), u("/f/notes.pdf"), u("/post/2"),
        u("/a/talk.m4a"), u("/a/big.ogg"), u("/a/page.mp3"));
    server.serve("/feed.xml", xml);
  }
};

fs::path write_config(const TempDir& dir, const std::string& feed_url, const std::string& archive,
                      const std::string& source) {
  const auto path = dir / "feedd.toml";
  write_file(path, fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n"
                               "media_dir = \"site/media\"\n[archive]\n{}\n"
                               "[[sources]]\nname = \"rfa\"\nurl = \"{}\"\n{}\n",
                               archive, feed_url, source));
  return path;
}

std::map<std::string, std::string> posts_by_title(const TempDir& dir) {
  std::map<std::string, std::string> posts;
  for (const auto& file : fs::directory_iterator(dir / "site/_posts")) {
    const std::string text = read_file(file.path());
    std::smatch title;
    REQUIRE(std::regex_search(text, title, std::regex("title: \"?(Item [0-9])")));
    posts[title[1]] = text;
  }
  return posts;
}

std::set<std::string> media_files(const TempDir& dir) {
  std::set<std::string> names;
  if (!fs::exists(dir / "site/media")) return names;
  for (const auto& file : fs::directory_iterator(dir / "site/media")) names.insert(file.path().filename().string());
  return names;
}

// The local file a post's `tag` plays instead of `url`: its bytes are `bytes`.
void plays_local(const TempDir& dir, const std::string& post, const std::string& tag, const std::string& url,
                 const std::string& extension, const std::string& bytes) {
  const std::regex pattern("<" + tag + " controls=\"\" src=\"/media/([0-9a-f]{64})\\." + extension +
                           "\" data-feedd-original-src=\"" +
                           std::regex_replace(url, std::regex(R"([.?*+^$()\[\]{}|\\])"), R"(\$&)") + "\"></" + tag +
                           ">");
  std::smatch found;
  REQUIRE_MESSAGE(std::regex_search(post, found, pattern), tag, " of ", url, " not local in:\n", post);
  CHECK(read_file(dir / "site/media" / (found[1].str() + "." + extension)) == bytes);
}

constexpr const char* t0 = "2026-03-01T12:00:00Z";

}  // namespace

TEST_CASE("Enclosures are stored with their entry in the feed's order, media or not") {
  TempDir dir;
  Site site;
  const auto config = write_config(dir, site.u("/feed.xml"), "", "");
  const auto once = run_feedd({"once", "--config", config.string(), "--now", t0, "--force"});
  INFO(once.err);
  REQUIRE(once.exit_status == 0);
  const auto rows = sqlite_rows(dir / "state/feedd.db",
                                "SELECT e.title, c.position, c.url, c.type, c.length FROM entry_enclosures c "
                                "JOIN entries e ON e.id = c.entry_id ORDER BY e.title, c.position");
  const feedd::test::SqliteTable expected = {
      {"Item 1", "0", site.u("/a/show.mp3"), "audio/mpeg", "610"},
      {"Item 1", "1", site.u("/v/clip.mp4"), "video/mp4", "NULL"},
      {"Item 1", "2", site.u("/i/cover.gif"), "", "NULL"},
      {"Item 1", "3", site.u("/f/notes.pdf"), "application/pdf", "12"},
      {"Item 2", "0", site.u("/a/talk.m4a"), "", "524"},
      {"Item 2", "1", site.u("/a/big.ogg"), "audio/ogg", "NULL"},
      {"Item 2", "2", site.u("/a/page.mp3"), "audio/mpeg", "NULL"},
  };
  CHECK(rows == expected);
  // Without local media nothing is downloaded, and without enclosures = true
  // the posts are as they were.
  CHECK(site.server.requests("/a/show.mp3") == 0);
  CHECK(posts_by_title(dir)["Item 1"].find("<audio") == std::string::npos);

  // A second poll of the same items leaves the rows as they are.
  const auto again = run_feedd({"once", "--config", config.string(), "--now", "2026-03-01T13:00:00Z", "--force"});
  REQUIRE(again.exit_status == 0);
  CHECK(sqlite_rows(dir / "state/feedd.db",
                    "SELECT e.title, c.position, c.url, c.type, c.length FROM entry_enclosures c "
                    "JOIN entries e ON e.id = c.entry_id ORDER BY e.title, c.position") == expected);
}

TEST_CASE("Local media archives recordings and images among the enclosures, and the post plays the copies") {
  TempDir dir;
  Site site;
  const auto config =
      write_config(dir, site.u("/feed.xml"), "media = \"local\"\nmedia_max_file = \"2KiB\"", "enclosures = true");
  const auto once = run_feedd({"once", "--config", config.string(), "--now", t0, "--force"});
  INFO(once.err);
  REQUIRE(once.exit_status == 0);
  auto posts = posts_by_title(dir);
  REQUIRE(posts.size() == 2);

  SUBCASE("audio and video point at the kept bytes, the original address beside them") {
    plays_local(dir, posts["Item 1"], "audio", site.u("/a/show.mp3"), "mp3", mp3);
    plays_local(dir, posts["Item 1"], "video", site.u("/v/clip.mp4"), "mp4", mp4);
    // Told by its bytes, not the server's Content-Type nor the missing type.
    plays_local(dir, posts["Item 2"], "audio", site.u("/a/talk.m4a"), "m4a", m4a);
  }

  SUBCASE("an image enclosure is kept; files of other kinds stay links and are not fetched") {
    CHECK(site.server.requests("/i/cover.gif") == 1);
    CHECK(site.server.requests("/f/notes.pdf") == 0);
    CHECK(posts["Item 1"].find(fmt::format("<p><a href=\"{0}\">notes.pdf</a></p>", site.u("/f/notes.pdf"))) !=
          std::string::npos);
    // mp3, mp4, m4a, gif
    CHECK(media_files(dir).size() == 4);
  }

  SUBCASE("over media_max_file, or a page called audio: the post keeps the address, retried later") {
    CHECK(posts["Item 2"].find(fmt::format("<audio controls=\"\" src=\"{}\"></audio>", site.u("/a/big.ogg"))) !=
          std::string::npos);
    CHECK(posts["Item 2"].find(fmt::format("<audio controls=\"\" src=\"{}\"></audio>", site.u("/a/page.mp3"))) !=
          std::string::npos);
    CHECK(once.err.find("nor a recording") != std::string::npos);
    CHECK(sqlite_count(dir / "state/feedd.db",
                       fmt::format("SELECT attempts FROM media_downloads WHERE url = '{}'", site.u("/a/page.mp3"))) ==
          1);
  }

  SUBCASE("rebuild writes the same posts") {
    const auto rebuilt = run_feedd({"rebuild", "--config", config.string()});
    INFO(rebuilt.err);
    REQUIRE(rebuilt.exit_status == 0);
    CHECK(posts_by_title(dir) == posts);
  }
}

TEST_CASE("media_quota stops the enclosures' downloads too") {
  TempDir dir;
  Site site;
  // Downloads go by address: big.ogg (4496 bytes) and show.mp3 (610) fit in
  // 5 KiB, talk.m4a (524) would pass it, and nothing after it is fetched.
  const auto config =
      write_config(dir, site.u("/feed.xml"), "media = \"local\"\nmedia_quota = \"5KiB\"", "enclosures = true");
  const auto once = run_feedd({"once", "--config", config.string(), "--now", t0, "--force"});
  INFO(once.err);
  REQUIRE(once.exit_status == 0);
  CHECK(media_files(dir).size() == 2);
  CHECK(once.err.find("media quota") != std::string::npos);
  CHECK(site.server.requests("/v/clip.mp4") == 0);
  const auto posts = posts_by_title(dir);
  plays_local(dir, posts.at("Item 1"), "audio", site.u("/a/show.mp3"), "mp3", mp3);
  plays_local(dir, posts.at("Item 2"), "audio", site.u("/a/big.ogg"), "ogg", ogg + std::string(4096, 'x'));
  CHECK(posts.at("Item 1").find(fmt::format("<video controls=\"\" src=\"{}\"></video>", site.u("/v/clip.mp4"))) !=
        std::string::npos);
}

TEST_CASE("A schema-10 store gains the enclosures table") {
  TempDir dir;
  Site site;
  const auto config = write_config(dir, site.u("/feed.xml"), "", "");
  REQUIRE(run_feedd({"once", "--config", config.string(), "--now", t0, "--force"}).exit_status == 0);
  {
    feedd::test::TestDatabase db(dir / "state/feedd.db", true);
    // Schema 10 had neither the enclosures nor schema 12's search tables
    // nor schema 13's index of pending posts.
    REQUIRE(db.exec("DROP TABLE entry_enclosures; DROP TRIGGER search_dirty_delete; DROP TRIGGER search_dirty_update; "
                    "DROP TABLE search_chunks; DROP TABLE search_runs; DROP TABLE search_dirty; "
                    "DROP INDEX entries_post_pending; "
                    "PRAGMA user_version = 10;") == 0);
  }
  const auto again = run_feedd({"once", "--config", config.string(), "--now", "2026-03-01T13:00:00Z", "--force"});
  INFO(again.err);
  REQUIRE(again.exit_status == 0);
  CHECK(sqlite_count(dir / "state/feedd.db", "PRAGMA user_version") == 13);
  // Empty until the items are read again (this poll heard 304).
  CHECK(sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM entry_enclosures") == 0);
  CHECK(again.err.find("HTTP 304") != std::string::npos);
}
