// Local media end to end: the real feedd binary polls a feed on a loopback
// server whose items refer to real image bytes (PNG, JPEG, GIF, WebP made
// here) in every attribute form, and writes posts pointing at the copies it
// kept in media_dir.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;
using feedd::test::xml_escape;

namespace {

void put32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
}

void png_chunk(std::string& out, std::string_view type, const std::string& data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type) + data;
  out += typed;
  put32(out, static_cast<std::uint32_t>(
                 crc32(0, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()))));
}

// A valid 1x1 RGB PNG of one colour.
std::string png(unsigned char r, unsigned char g, unsigned char b) {
  std::string out = "\x89PNG\r\n\x1A\n";
  std::string header;
  put32(header, 1);
  put32(header, 1);
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, no filter, no interlace
  png_chunk(out, "IHDR", header);
  const std::string scanline{'\0', static_cast<char>(r), static_cast<char>(g), static_cast<char>(b)};
  uLongf size = compressBound(scanline.size());
  std::string packed(size, '\0');
  compress(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(scanline.data()),
           scanline.size());
  packed.resize(size);
  png_chunk(out, "IDAT", packed);
  png_chunk(out, "IEND", "");
  return out;
}

// A valid baseline JPEG, 8x8 grey: one quantisation table, one-code Huffman
// tables, one block whose DC difference is 0 and whose ACs end at once.
std::string jpeg() {
  std::string out = "\xFF\xD8";
  out += std::string("\xFF\xDB\x00\x43\x00", 5) + std::string(64, '\x01');
  out += std::string("\xFF\xC0\x00\x0B\x08\x00\x08\x00\x08\x01\x01\x11\x00", 13);
  for (const char table : {'\x00', '\x10'}) {
    out += std::string("\xFF\xC4\x00\x14", 4) + table + '\x01' + std::string(15, '\0') + '\0';
  }
  out += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
  out += '\x3F';  // DC category 0 ('0'), EOB ('0'), padded with ones
  out += "\xFF\xD9";
  return out;
}

// 1x1 GIF89a.
const std::string gif(
    "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00"
    "\x01\x00\x00\x02\x02\x44\x01\x00;",
    43);

// 1x1 lossless WebP.
const std::string webp("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
                       34);

const std::string evil_svg =
    "<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"http://evil.example/s.css\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"1\" "
    "height=\"1\" onload=\"alert(1)\"><script>alert(2)</script><rect width=\"1\" height=\"1\" fill=\"red\" "
    "onclick=\"alert(3)\"/><a xlink:href=\"javascript:alert(4)\"><text>x</text></a>"
    "<image href=\"http://evil.example/x.png\"/><use href=\"#r\"/><foreignObject><p>hi</p></foreignObject></svg>\n";

constexpr const char* t0 = "2026-03-01T12:00:00Z";

struct Site {
  HttpTestServer server;
  std::map<std::string, std::string> served;  // path -> the image bytes
  std::atomic<bool> missing_found{false};

  std::string u(const std::string& path) const { return server.url(path); }

  void image(const std::string& path, std::string bytes, std::string type) {
    served[path] = bytes;
    server.route(path, [bytes, type](const TestRequest&) {
      return TestResponse{200, {{"Content-Type", type}}, bytes};
    });
  }

  Site() {
    image("/img/a.png", png(255, 0, 0), "image/png");
    image("/img/a-copy.png", png(255, 0, 0), "image/png");
    image("/img/b.webp", webp, "image/webp");
    image("/img/c.gif", gif, "image/gif");
    image("/img/d.jpg", jpeg(), "image/jpeg");
    image("/img/poster.png", png(0, 0, 255), "image/png");
    image("/img/lying.png", png(0, 255, 0), "text/html");  // PNG bytes called HTML
    server.route("/img/page.jpg", [](const TestRequest&) {  // HTML called a JPEG
      return TestResponse{200, {{"Content-Type", "image/jpeg"}}, "<!DOCTYPE html><html><body>hi</body></html>"};
    });
    server.route("/img/evil.svg", [](const TestRequest&) {
      return TestResponse{200, {{"Content-Type", "image/svg+xml"}}, evil_svg};
    });
    server.route("/img/missing.png", [this](const TestRequest&) {
      if (!missing_found) return TestResponse{404, {{"Content-Type", "text/plain"}}, "not found"};
      return TestResponse{200, {{"Content-Type", "image/png"}}, png(255, 255, 0)};
    });
    const std::string item1 = fmt::format(
        "<p><img src=\"{}\" alt=\"a\"></p><picture><source srcset=\"{} 1x, {} 2x\"><img src='{}'></picture>",
        u("/img/a.png"), u("/img/b.webp"), u("/img/c.gif"), u("/img/a.png"));
    const std::string item2 = fmt::format(
        "<img data-src=\"{}\" data-srcset=\"{} 640w\" src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">"
        "<video poster=\"{}\"></video><img data-original=\"{}\"><img data-lazy-src=\"{}\">",
        u("/img/d.jpg"), u("/img/a-copy.png"), u("/img/poster.png"), u("/img/lying.png"), u("/img/page.jpg"));
    const std::string item3 =
        fmt::format("<p><img src=\"{}\"> <img src=\"{}\"></p>", u("/img/missing.png"), u("/img/evil.svg"));
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>";
    int n = 0;
    for (const auto* content : {&item1, &item2, &item3}) {
      ++n;
      xml += fmt::format(
          "<item><title>Item {}</title><link>{}</link><pubDate>Sun, 01 Mar 2026 0{}:00:00 GMT</pubDate>"
          "<description>{}</description></item>\n",
          n, u(fmt::format("/post/{}", n)), n, xml_escape(*content));
    }
    xml += "</channel></rss>\n";
    server.serve("/feed.xml", xml);
  }
};

fs::path write_config(const TempDir& dir, const std::string& feed_url, const std::string& extra = "") {
  const auto path = dir / "feedd.toml";
  write_file(path, fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n"
                               "media_dir = \"site/media\"\n[archive]\nmedia = \"local\"\n{}\n"
                               "[[sources]]\nname = '''图片源'''\nurl = \"{}\"\ncontent = \"raw\"\n",
                               extra, feed_url));
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

std::string sha256_of_file(const fs::path& file) {
  const std::string bytes = read_file(file);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex;
  for (const unsigned char byte : digest) hex += fmt::format("{:02x}", byte);
  return hex;
}

// The local name a post gives `url` in attribute `attribute`, checked to be
// the SHA-256 of the served bytes with the right extension, kept in media_dir.
std::string local_name(const TempDir& dir, const std::string& post, const std::string& attribute,
                       const std::string& url) {
  const std::regex pattern(attribute + "=\"/media/([0-9a-f]{64})\\.([a-z]+)\" data-feedd-original-" + attribute +
                           "=[\"']" + std::regex_replace(url, std::regex(R"([.?*+^$()\[\]{}|\\])"), R"(\$&)") +
                           "[\"']");
  std::smatch found;
  REQUIRE_MESSAGE(std::regex_search(post, found, pattern), attribute, " of ", url, " not local in:\n", post);
  const std::string name = fmt::format("{}.{}", found[1].str(), found[2].str());
  CHECK(sha256_of_file(dir / "site/media" / name) == found[1].str());
  return name;
}

}  // namespace

TEST_CASE("Local media: images in every attribute form are kept by content and the posts point at them") {
  TempDir dir;
  Site site;
  const auto config = write_config(dir, site.u("/feed.xml"));
  const auto first = run_feedd({"once", "--config", config.string(), "--now", t0, "--force"});
  INFO(first.err);
  REQUIRE(first.exit_status == 0);
  auto posts = posts_by_title(dir);
  REQUIRE(posts.size() == 3);
  const std::string media = (dir / "site/media").string();

  SUBCASE("each kept file is the served image, byte for byte, and the original address stays beside it") {
    const auto& one = posts["Item 1"];
    const auto a = local_name(dir, one, "src", site.u("/img/a.png"));
    CHECK(read_file(dir / "site/media" / a) == site.served["/img/a.png"]);
    CHECK(a.ends_with(".png"));
    // Both <img> of a.png, double- and single-quoted.
    CHECK(one.find(fmt::format("data-feedd-original-src='{}'", site.u("/img/a.png"))) != std::string::npos);
    // Every srcset candidate, descriptors kept.
    std::smatch srcset;
    REQUIRE(std::regex_search(one, srcset,
                              std::regex("srcset=\"/media/([0-9a-f]{64})\\.webp 1x, /media/([0-9a-f]{64})\\.gif 2x\" "
                                         "data-feedd-original-srcset=\"([^\"]*)\"")));
    CHECK(read_file(dir / "site/media" / (srcset[1].str() + ".webp")) == webp);
    CHECK(read_file(dir / "site/media" / (srcset[2].str() + ".gif")) == gif);
    CHECK(srcset[3].str() == fmt::format("{} 1x, {} 2x", site.u("/img/b.webp"), site.u("/img/c.gif")));

    const auto& two = posts["Item 2"];
    CHECK(read_file(dir / "site/media" / local_name(dir, two, "data-src", site.u("/img/d.jpg"))) == jpeg());
    CHECK(read_file(dir / "site/media" / local_name(dir, two, "poster", site.u("/img/poster.png"))) ==
          site.served["/img/poster.png"]);
    // PNG bytes served as text/html are a PNG.
    const auto lying = local_name(dir, two, "data-original", site.u("/img/lying.png"));
    CHECK(lying.ends_with(".png"));
    CHECK(read_file(dir / "site/media" / lying) == site.served["/img/lying.png"]);
    // The same bytes from another address are the same file.
    CHECK(two.find(fmt::format("data-srcset=\"/media/{} 640w\"", a)) != std::string::npos);
    // A page served as image/jpeg is no image: the post keeps its address.
    CHECK(two.find(fmt::format("<img data-lazy-src=\"{}\">", site.u("/img/page.jpg"))) != std::string::npos);
    // data: URIs are not addresses to download.
    CHECK(two.find("src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"") != std::string::npos);
  }

  SUBCASE("identical bytes are stored once; the HTML page and the 404 are not stored") {
    // a.png (= a-copy.png), b.webp, c.gif, d.jpg, poster.png, lying.png, evil.svg
    CHECK(media_files(dir).size() == 7);
  }

  SUBCASE("an SVG's script, handlers and external references never reach media_dir") {
    const auto& three = posts["Item 3"];
    const auto svg = local_name(dir, three, "src", site.u("/img/evil.svg"));
    CHECK(svg.ends_with(".svg"));
    const std::string kept = read_file(dir / "site/media" / svg);
    CHECK(kept.find("<rect") != std::string::npos);
    for (const char* bad : {"script", "onload", "onclick", "javascript", "evil.example", "foreignObject", "xml-stylesheet"}) {
      CHECK_MESSAGE(kept.find(bad) == std::string::npos, bad, " in ", kept);
    }
    CHECK(kept.find("href=\"#r\"") != std::string::npos);  // a fragment is no external reference
    CHECK(three.find("<script") == std::string::npos);
  }

  SUBCASE("a 404 keeps the original address and is retried after its backoff, then the post is rewritten") {
    const std::string missing = site.u("/img/missing.png");
    CHECK(posts["Item 3"].find(fmt::format("<img src=\"{}\">", missing)) != std::string::npos);
    CHECK(site.server.requests("/img/missing.png") == 1);
    site.missing_found = true;
    const auto early = run_feedd({"once", "--config", config.string(), "--now", "2026-03-01T12:05:00Z", "--force"});
    REQUIRE(early.exit_status == 0);
    CHECK(site.server.requests("/img/missing.png") == 1);  // not due before its backoff
    CHECK(posts_by_title(dir)["Item 3"] == posts["Item 3"]);
    const auto due = run_feedd({"once", "--config", config.string(), "--now", "2026-03-01T12:16:00Z", "--force"});
    INFO(due.err);
    REQUIRE(due.exit_status == 0);
    CHECK(site.server.requests("/img/missing.png") == 2);
    const auto name = local_name(dir, posts_by_title(dir)["Item 3"], "src", missing);
    CHECK(read_file(dir / "site/media" / name) == png(255, 255, 0));
    CHECK(media_files(dir).size() == 8);
  }

  SUBCASE("rebuild writes the rewritten posts byte for byte") {
    const auto rebuilt = run_feedd({"rebuild", "--config", config.string()});
    INFO(rebuilt.err);
    REQUIRE(rebuilt.exit_status == 0);
    CHECK(posts_by_title(dir) == posts);
  }

  SUBCASE("stats counts the files and their bytes; check --store names a deleted one") {
    std::uintmax_t bytes = 0;
    for (const auto& name : media_files(dir)) bytes += fs::file_size(dir / "site/media" / name);
    const auto stats = run_feedd({"stats", "--json", "--config", config.string()});
    REQUIRE(stats.exit_status == 0);
    CHECK(stats.out.find("\"media_files\": 7") != std::string::npos);
    CHECK(stats.out.find(fmt::format("\"media_bytes\": {}", bytes)) != std::string::npos);
    const auto people = run_feedd({"stats", "--config", config.string()});
    CHECK(people.out.find(fmt::format("media:     7 file(s), {} bytes", bytes)) != std::string::npos);

    const auto healthy = run_feedd({"check", "--store", "--config", config.string()});
    CHECK(healthy.exit_status == 0);
    CHECK(healthy.out.find("7 file(s), 0 missing") != std::string::npos);
    const std::string gone = *media_files(dir).begin();
    fs::remove(dir / "site/media" / gone);
    const auto checked = run_feedd({"check", "--store", "--config", config.string()});
    CHECK(checked.exit_status != 0);
    CHECK(checked.out.find("missing media file: " + gone) != std::string::npos);
  }
  (void)media;
}

TEST_CASE("feedd check shows the media settings as they will be used") {
  TempDir dir;
  const auto config = write_config(dir, "https://example.com/feed.xml", "media_quota = \"2MiB\"");
  const auto checked = run_feedd({"check", "--config", config.string()});
  INFO(checked.err);
  REQUIRE(checked.exit_status == 0);
  for (const std::string& expected :
       {"media_dir:       " + (dir / "site/media").string(), std::string("media_url:       /media/"),
        std::string("[archive]\n"),
        std::string("\n  media:           local\n  media_max_file:  10485760 bytes\n  media_quota:     2097152"),
        std::string("media:      local, files up to 10485760 bytes, quota 2097152 bytes")}) {
    CHECK_MESSAGE(checked.out.find(expected) != std::string::npos, expected, " not in:\n", checked.out);
  }
  write_file(config, "[archive]\nmedia = \"yes\"\n");
  const auto bad = run_feedd({"check", "--config", config.string()});
  CHECK(bad.exit_status == 2);
  CHECK(bad.err.find(config.string() + ":2: archive.media: must be \"off\" or \"local\", got \"yes\"") !=
        std::string::npos);
  write_file(config, "[storage]\nmedia_url = \"/media\"\n");
  CHECK(run_feedd({"check", "--config", config.string()}).err.find(":2: storage.media_url: must end with '/'") !=
        std::string::npos);
}

TEST_CASE("Local media: the source's quota stops its downloads with one log line") {
  TempDir dir;
  Site site;
  // a.png is 69 bytes: room for one such file, not two.
  const auto config = write_config(dir, site.u("/feed.xml"), "media_quota = 100");
  const auto result = run_feedd({"once", "--config", config.string(), "--now", t0, "--force"});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  CHECK(media_files(dir).size() == 1);
  const auto line_at = result.err.find("media quota 100 B reached");
  REQUIRE(line_at != std::string::npos);
  const std::string line = result.err.substr(0, result.err.find('\n', line_at)).substr(result.err.rfind('\n', line_at) + 1);
  CHECK(line.find("图片源") != std::string::npos);
  CHECK(line.find(site.u("/img/")) != std::string::npos);
  CHECK(result.err.find("media quota", line_at + 1) == std::string::npos);  // one line
}

TEST_CASE("Local media is off by default: the post keeps every address and nothing is downloaded") {
  TempDir dir;
  Site site;
  const auto path = dir / "feedd.toml";
  write_file(path, fmt::format("[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n"
                               "media_dir = \"site/media\"\n[[sources]]\nname = \"s\"\nurl = \"{}\"\ncontent = \"raw\"\n",
                               site.u("/feed.xml")));
  REQUIRE(run_feedd({"once", "--config", path.string(), "--now", t0}).exit_status == 0);
  CHECK(media_files(dir).empty());
  CHECK(site.server.requests("/img/a.png") == 0);
  for (const auto& [title, post] : posts_by_title(dir)) CHECK(post.find("data-feedd-original") == std::string::npos);
}

TEST_CASE("Images go through the source's fetch settings: headers to every host but secrets to its own, the shield elsewhere") {
  TempDir dir;
  HttpTestServer feed_host;              // 127.0.0.1: the configured feed's host, trusted
  HttpTestServer other_host("127.0.0.2");  // a host the feed's content names: loopback is private
  const std::string image = png(10, 20, 30);
  const std::string other_image = png(40, 50, 60);
  for (auto* server : {&feed_host, &other_host}) {
    const std::string bytes = server == &feed_host ? image : other_image;
    server->route("/i.png", [bytes](const TestRequest&) { return TestResponse{200, {{"Content-Type", "image/png"}}, bytes}; });
  }
  const std::string content =
      fmt::format("<img src=\"{}\"><img src=\"{}\">", feed_host.url("/i.png"), other_host.url("/i.png"));
  feed_host.serve("/feed.xml",
                  fmt::format("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><title>Item 1"
                              "</title><link>{}</link><description>{}</description></item></channel></rss>",
                              feed_host.url("/p/1"), xml_escape(content)));
  const auto source = fmt::format("[[sources]]\nname = \"s\"\nurl = \"{}\"\ncontent = \"raw\"\n"
                                  "headers = {{ Referer = \"https://example.org/\", X-Api-Key = \"k3y\" }}\n"
                                  "cookie = \"session=secret\"\n",
                                  feed_host.url("/feed.xml"));
  const auto path = dir / "feedd.toml";
  const std::string storage = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n"
                              "media_dir = \"site/media\"\n[archive]\nmedia = \"local\"\n";
  write_file(path, storage + source);
  const auto shielded = run_feedd({"once", "--config", path.string(), "--now", t0});
  INFO(shielded.err);
  REQUIRE(shielded.exit_status == 0);
  // The other host is refused as private: the post keeps its address.
  CHECK(media_files(dir).size() == 1);
  CHECK(read_file(dir / "site/media" / *media_files(dir).begin()) == image);
  CHECK(posts_by_title(dir)["Item 1"].find(fmt::format("<img src=\"{}\">", other_host.url("/i.png"))) !=
        std::string::npos);
  CHECK(shielded.err.find(other_host.url("/i.png")) != std::string::npos);

  write_file(path, storage + source + "allow_private = true\n");
  const auto allowed = run_feedd({"once", "--config", path.string(), "--now", "2026-03-01T13:00:00Z", "--force"});
  INFO(allowed.err);
  REQUIRE(allowed.exit_status == 0);
  CHECK(media_files(dir).size() == 2);
  local_name(dir, posts_by_title(dir)["Item 1"], "src", other_host.url("/i.png"));
  for (const auto& request : feed_host.request_log()) {
    if (request.target != "/i.png") continue;
    CHECK(request.headers.at("referer") == "https://example.org/");
    CHECK(request.headers.at("cookie") == "session=secret");
    CHECK(request.headers.at("x-api-key") == "k3y");
  }
  bool asked_other = false;
  for (const auto& request : other_host.request_log()) {
    asked_other = true;
    CHECK(request.headers.at("referer") == "https://example.org/");
    CHECK(request.headers.count("cookie") == 0);  // the source's cookie stays with its own host
    CHECK(request.headers.count("x-api-key") == 0);  // and so does a header that carries a key
  }
  CHECK(asked_other);
}
