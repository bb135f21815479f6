#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/post_file_name.h"
#include "store/post_format.h"
#include "tests/support/temp_dir.h"

using namespace std::string_literals;
using feedd::PostFields;
using feedd::YamlContext;

namespace {

const std::filesystem::path source_dir = FEEDD_SOURCE_DIR;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE_MESSAGE(out, "cannot write " << path);
}

// The seeds keep an entry's whole content on line 15.
std::string seed_content(const std::string& seed_name) {
  std::istringstream lines(read_file(source_dir / "seeds/posts" / seed_name));
  std::string line;
  for (int i = 0; i < 15; ++i) std::getline(lines, line);
  return line;
}

PostFields zaobao_post() {
  PostFields post;
  post.title = "韩正：中国重视与美开展应对气候变化对话合作";
  post.timestamp_ms = 1618674240000;
  post.date_ms = 1618628200156;
  post.author = "联合早报";
  post.url = "https://www.zaobao.com/realtime/china/story20210417-1140067";
  post.tags = {"联合早报"};
  post.categories = {"联合早报"};
  post.content = seed_content("000_194e748a9a75e2e5.txt");
  return post;
}

PostFields voa_post() {
  PostFields post;
  post.title = "克里抵达上海，拜登寻求美中合作的首次努力面临考验";
  post.timestamp_ms = 1618495142000;
  post.date_ms = 1618495142000;
  post.author = "美国之音";
  post.url =
      "https://www.voachinese.com/a/"
      "Kerry-visitsing-to-China-a-test-for-Biden-s-bid-to-win-cooperation-with-Beijing-20210415/5854181.html";
  post.tags = {"美国之音"};
  post.categories = {"美国之音"};
  post.content = seed_content("004_5c912297c50d9bb3.txt");
  return post;
}

YAML::Node front_matter_of(const std::string& post) {
  REQUIRE(post.starts_with("---\n"));
  const std::size_t end = post.find("\n---\n", 3);
  REQUIRE(end != std::string::npos);
  return YAML::Load(post.substr(4, end - 3));
}

std::string chinese_title_of_300_characters() {
  std::string title;
  const std::string pattern = "中国重视与美开展应对气候变化对话合作";  // 18 characters
  while (title.size() < 300 * 3) title += pattern;
  title.resize(300 * 3);
  return title;
}

// Strings that a careless writer would let YAML misread, break the front
// matter with, or lose characters of.
std::vector<std::string> nasty_values() {
  return {
      "He said \"hi\"", "C:\\path\\to\\", "\\", "\"", "Re: colons", "key: value", "a:b", "ends with:",
      "# not a comment", "C# and F#", "a #x", " #x", "---", "--- dashes", "...", "line one\nline two",
      "tab\there", "\r\nCRLF", "../../etc/passwd", "party 🎉", chinese_title_of_300_characters(),
      "-dash", "- item", "[bracket", "]", "{brace}", "*star", "&anchor", "!tag", "%percent", "@at",
      "`tick", "|pipe", ">fold", "'single", "?question", "a?b", "a, b", "a,b", ":colon", "yes", "No",
      "ON", "off", "y", "N", "true", "FALSE", "null", "Null", "~", "", " ", " leading space",
      "trailing space ", "123", "-5", "+7", "0x1F", "0o17", "017", "0b101", "1_000", "1,000", ".5",
      "1e3", "1.", ".inf", "-.inf", ".NaN", "._", "1:20", "190:20:30.15", "2021-04-17",
      "2021-04-17 10:00:00", "2001-12-14t21:59:43.10-05:00", "=", "<<", "nul\0byte"s, "bell\a",
      "escape\x1b", "del\x7f", "nel \xC2\x85 next", "c1 \xC2\x9F", "line \xE2\x80\xA8 separator",
      "paragraph \xE2\x80\xA9 separator", "\xEF\xBB\xBF bom", "nbsp\xC2\xA0", "https://example.com/a#frag",
      "https://example.com/a?a=b&c=d",
  };
}

// One post whose every free-text field holds `value`.
PostFields post_full_of(const std::string& value) {
  PostFields post = zaobao_post();
  post.title = value;
  post.author = value;
  post.tags = {value, "联合早报"};
  post.categories = {"联合早报", value, value};
  return post;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      out += fmt::format("\\u{:04x}", byte);
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string json_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i > 0 ? ", " : "") + json_string(values[i]);
  return out + "]";
}

// What the front matter of `post` must read back as, for the Python check.
std::string expected_json(const PostFields& post) {
  return fmt::format(
      R"({{"layout": "post", "title": {}, "date": {}, "author": {}, "from": {}, "tags": {}, "categories": {}}})",
      json_string(post.title), json_string(feedd::format_post_date(post.date_ms)), json_string(post.author),
      json_string(post.url), json_list(post.tags), json_list(post.categories));
}

bool is_valid_utf8(std::string_view text) {
  while (!text.empty()) {
    const feedd::Utf8Char c = feedd::decode_utf8(text);
    if (!c.valid) return false;
    text.remove_prefix(c.size);
  }
  return true;
}

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (; !text.empty(); ++count) text.remove_prefix(feedd::decode_utf8(text).size);
  return count;
}

}  // namespace

TEST_CASE("A post renders byte for byte like the seed posts") {
  SUBCASE("Zaobao") {
    CHECK(feedd::render_post(zaobao_post()) == read_file(source_dir / "seeds/posts/000_194e748a9a75e2e5.txt"));
  }
  SUBCASE("VOA") {
    CHECK(feedd::render_post(voa_post()) == read_file(source_dir / "seeds/posts/004_5c912297c50d9bb3.txt"));
  }
}

TEST_CASE("Content lines are trimmed of ASCII whitespace and joined with nothing between them") {
  PostFields post = zaobao_post();
  post.content = "  <p>one</p>\n        <p>two</p>\r\n\t<p>three</p> \r\n\n   \n\v\f<p>four\xC2\xA0</p>\xC2\xA0\n";
  const std::string rendered = feedd::render_post(post);
  CHECK(rendered.ends_with("\n<div>\n<p>one</p><p>two</p><p>three</p><p>four\xC2\xA0</p>\xC2\xA0\n</div>\n"));

  post.content.clear();
  CHECK(feedd::render_post(post).ends_with("\n<div>\n\n</div>\n"));
}

TEST_CASE("The date is UTC with milliseconds, also before 1970") {
  CHECK(feedd::format_post_date(1618628200156) == "2021-04-17T02:56:40.156Z");
  CHECK(feedd::format_post_date(0) == "1970-01-01T00:00:00.000Z");
  CHECK(feedd::format_post_date(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(feedd::format_post_date(-86'400'000) == "1969-12-31T00:00:00.000Z");
  CHECK(feedd::format_post_date(-14'182'940'000'001) == "1520-07-24T14:26:39.999Z");
}

TEST_CASE("The date stays a four-digit year however far the clock is off") {
  CHECK(feedd::format_post_date(std::numeric_limits<std::int64_t>::min()) == "0001-01-01T00:00:00.000Z");
  CHECK(feedd::format_post_date(std::numeric_limits<std::int64_t>::max()) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("The link line shows the title as text and keeps the whole URL, whatever they hold") {
  PostFields post = post_full_of("a \"b\" [c] *d* _e_ `f` <g> & \\ {{ h }} {% i %} $j$ ^k |l ~~m~~");
  post.url = "https://example.com/p(a)r)en?a=b&c=d e#frag";
  post.timestamp_ms = -5;
  const std::string rendered = feedd::render_post(post);
  CHECK(rendered.find("\n<!---5-->\n"
                      "[a \"b\" &#91;c&#93; &#42;d&#42; &#95;e&#95; &#96;f&#96; &lt;g&gt; &amp; &#92; &#123;&#123; h &#125;&#125; "
                      "&#123;% i %&#125; &#36;j&#36; &#94;k &#124;l &#126;&#126;m&#126;&#126;]"
                      "(https://example.com/p%28a%29r%29en?a=b&c=d%20e#frag)\n------\n") != std::string::npos);
}

TEST_CASE("A title cannot build a second link or a javascript: URL out of the link line") {
  PostFields post = post_full_of("标题](javascript:alert(3)) [x");
  post.url = "https://example.com/a";
  const std::string rendered = feedd::render_post(post);
  CHECK(rendered.find("\n[标题&#93;(javascript:alert(3)) &#91;x](https://example.com/a)\n") != std::string::npos);
}

TEST_CASE("A line break in a title cannot leave the link line") {
  PostFields post = post_full_of("one\n# two\r\n---");
  const std::string rendered = feedd::render_post(post);
  CHECK(rendered.find("\n[one&#10;# two&#13;&#10;---](") != std::string::npos);
}

TEST_CASE("Content never opens a Liquid tag or output, and is otherwise unchanged") {
  PostFields post = post_full_of("t");
  post.content = "<p>{% raw %} {{ site.title }} {{{ x }}} {\n{ y }} { %} {x} %}</p>";
  const std::string rendered = feedd::render_post(post);
  CHECK(rendered.ends_with(
      "\n<div>\n<p>&#123;% raw %} &#123;{ site.title }} &#123;&#123;{ x }}} &#123;{ y }} { %} {x} %}</p>\n</div>\n"));
  CHECK(rendered.find("{{") == std::string::npos);
  CHECK(rendered.find("{%") == std::string::npos);
}

TEST_CASE("Values that read back as themselves stay plain") {
  for (const std::string value :
       {"联合早报", "美国之音", "Reuters", "BBC News 中文", "C# and F#", "party 🎉", "nbsp\xC2\xA0",
        "2021年4月17日", "Yes please", "v1.2.3x!", "1/2"}) {
    CAPTURE(value);
    CHECK(feedd::yaml_scalar(value, YamlContext::block) == value);
    CHECK(feedd::yaml_scalar(value, YamlContext::flow) == value);
  }
  // Only block context lets a ':' without a space through, which keeps URLs bare.
  for (const std::string value : {"https://www.zaobao.com/realtime/china/story20210417-1140067", "a:b",
                                  "https://example.com/a?a=b&c=d#frag"}) {
    CAPTURE(value);
    CHECK(feedd::yaml_scalar(value, YamlContext::block) == value);
  }
}

TEST_CASE("Values that YAML would misread are double-quoted") {
  for (const std::string value : {"", " x", "x ", "- x", "-x", "[x", "#x", "&x", "*x", "!x", "%x", "@x", "`x",
                                  "'x", "\"x", "?x", ":x", "|x", ">x", "a: b", "a #b", "a:", "---", "...",
                                  "yes", "No", "oFf", "y", "~", "NULL", "123", "+1", ".5", ".inf", "1:20",
                                  "2021-04-17", "1,000", "=", "<<", "tab\tx", "line\nbreak", "\xC2\x85"}) {
    CAPTURE(value);
    CHECK(feedd::yaml_scalar(value, YamlContext::block).starts_with('"'));
  }
  for (const std::string value : {"a,b", "a[b", "a]b", "a{b", "a}b", "a:b", "https://x.test/", "a?b"}) {
    CAPTURE(value);
    CHECK(feedd::yaml_scalar(value, YamlContext::flow).starts_with('"'));
  }
}

TEST_CASE("Double-quoted titles use escapes YAML 1.1 and 1.2 both read") {
  CHECK(feedd::yaml_double_quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(feedd::yaml_double_quoted("\0\a\b\t\n\v\f\r\x1b"s) == R"("\0\a\b\t\n\v\f\r\e")");
  CHECK(feedd::yaml_double_quoted("\x01\x7f\xC2\x85\xE2\x80\xA8\xEF\xBB\xBF") == R"("\x01\x7F\x85\u2028\uFEFF")");
  CHECK(feedd::yaml_double_quoted("🎉") == "\"🎉\"");
}

TEST_CASE("Invalid UTF-8 in a quoted value becomes U+FFFD so the post stays readable") {
  CHECK(feedd::yaml_double_quoted("a\xFF" "b\xC3") == "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
  CHECK(feedd::yaml_scalar("a\xFF", YamlContext::block) == "\"a\xEF\xBF\xBD\"");
  CHECK(front_matter_of(feedd::render_post(post_full_of("\xC0\xAF")))["title"].as<std::string>() ==
        "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("Every front-matter value reads back exactly with yaml-cpp") {
  for (const std::string& value : nasty_values()) {
    CAPTURE(value);
    const PostFields post = post_full_of(value);
    const YAML::Node front = front_matter_of(feedd::render_post(post));
    REQUIRE(front.IsMap());
    CHECK(front.size() == 7);
    CHECK(front["layout"].as<std::string>() == "post");
    CHECK(front["title"].as<std::string>() == value);
    CHECK(front["date"].as<std::string>() == "2021-04-17T02:56:40.156Z");
    CHECK(front["author"].as<std::string>() == value);
    CHECK(front["from"].as<std::string>() == post.url);

    const YAML::Node tags = front["tags"];
    REQUIRE(tags.IsSequence());
    REQUIRE(tags.size() == 2);
    CHECK(tags[0].as<std::string>() == value);
    CHECK(tags[1].as<std::string>() == "联合早报");

    const YAML::Node categories = front["categories"];
    REQUIRE(categories.IsSequence());
    REQUIRE(categories.size() == 3);
    CHECK(categories[1].as<std::string>() == value);
    CHECK(categories[2].as<std::string>() == value);
  }
}

TEST_CASE("URLs read back exactly with yaml-cpp") {
  for (const std::string url : {"https://example.com/a#frag", "https://example.com/?a=b&c=d",
                                "https://example.com/a b #c", "https://example.com/x: y"}) {
    CAPTURE(url);
    PostFields post = zaobao_post();
    post.url = url;
    CHECK(front_matter_of(feedd::render_post(post))["from"].as<std::string>() == url);
  }
}

TEST_CASE("PyYAML reads every front-matter value as the exact string, like Jekyll") {
  const feedd::test::TempDir dir;
  std::string arguments;
  std::vector<PostFields> posts = {zaobao_post(), voa_post()};
  for (const std::string& value : nasty_values()) {
    posts.push_back(post_full_of(value));
    posts.back().url = value.starts_with("https://") ? value : posts.back().url;
  }
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const std::filesystem::path path = dir / fmt::format("post-{}.md", i);
    write_file(path, feedd::render_post(posts[i]));
    write_file(path.string() + ".json", expected_json(posts[i]));
    arguments += " '" + path.string() + "'";
  }

  const std::string command =
      "/usr/bin/python3 '" + (source_dir / "tests/support/yaml_front_matter_check.py").string() + "'" + arguments;
  const int status = std::system(command.c_str());
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("A path-like title stays one file name without a leading dot") {
  CHECK(feedd::post_slug("../../etc/passwd") == "--..--etc--passwd");
  const std::string name = feedd::post_file_name(1618628200156, "../../etc/passwd");
  CHECK(name == "2021-04-17---..--etc--passwd.md");
  CHECK(name.find('/') == std::string::npos);

  for (const std::string title : {".", "..", "...", "./", "/"}) {
    CAPTURE(title);
    const std::string slug = feedd::post_slug(title);
    CHECK_FALSE(slug.starts_with('.'));
    CHECK(slug.find('/') == std::string::npos);
  }
  CHECK(feedd::post_file_name(0, "..") == "1970-01-01-untitled.md");
}

TEST_CASE("The slug is the title's first 50 code points, cut before '/' becomes \"--\"") {
  const std::string slug = feedd::post_slug(chinese_title_of_300_characters());
  CHECK(code_points(slug) == 50);
  CHECK(slug == chinese_title_of_300_characters().substr(0, 150));

  CHECK(feedd::post_slug(std::string(49, 'a') + "/b") == std::string(49, 'a') + "--");
  CHECK(feedd::post_slug("party 🎉 time") == "party 🎉 time");
  CHECK(feedd::post_slug("C:\\dir\\file") == "C:\\dir\\file");
}

TEST_CASE("Control characters and invalid UTF-8 are dropped from the slug") {
  CHECK(feedd::post_slug("a\0b\x01" "c\td\ne\x7f" "f\xC2\x85g\xC2\x9Fh"s) == "abcdefgh");
  CHECK(feedd::post_slug("a\xFF" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE4\xB8") == "abcd");
  CHECK(feedd::post_slug("\x01.hidden") == "hidden");
}

TEST_CASE("The file name is the UTC date, the slug and the suffix") {
  CHECK(feedd::post_file_name(1618628200156, "韩正：中国重视") == "2021-04-17-韩正：中国重视.md");
  CHECK(feedd::post_file_name(1618628200156, "title", "2") == "2021-04-17-title-2.md");
  CHECK(feedd::post_file_name(1618628200156, "", "2") == "2021-04-17-2.md");
  CHECK(feedd::post_file_name(1618628200156, "") == "2021-04-17-untitled.md");
  CHECK(feedd::post_file_name(1618628200156, "\x01\x02", "\x03") == "2021-04-17-untitled.md");
  CHECK(feedd::post_file_name(-1, "old") == "1969-12-31-old.md");
  CHECK(feedd::post_file_name(0, "x", "a/b") == "1970-01-01-x-a--b.md");
}

TEST_CASE("The file name fits in 255 bytes, cut at a code point boundary") {
  std::string emoji_title;
  for (int i = 0; i < 60; ++i) emoji_title += "😀";

  CHECK(feedd::post_file_name(0, emoji_title).size() == 10 + 1 + 50 * 4 + 3);

  const std::string suffix(100, 's');
  const std::string with_suffix = feedd::post_file_name(0, emoji_title, suffix);
  CHECK(with_suffix.size() <= 255);
  CHECK(with_suffix.size() > 251);
  CHECK(is_valid_utf8(with_suffix));
  CHECK(with_suffix.ends_with("😀-" + suffix + ".md"));

  std::string emoji_suffix;
  for (int i = 0; i < 100; ++i) emoji_suffix += "🎉";
  const std::string only_suffix = feedd::post_file_name(0, emoji_title, emoji_suffix);
  CHECK(only_suffix.size() <= 255);
  CHECK(is_valid_utf8(only_suffix));
  CHECK(only_suffix.starts_with("1970-01-01-🎉"));
}

TEST_CASE("Names a site would turn into one URL share a url key; a name of punctuation alone has none") {
  using feedd::url_key_of;
  CHECK(url_key_of("2021-04-15-Key: value.md") == url_key_of("2021-04-16-Key value.md"));
  CHECK(url_key_of("2021-04-15-a#b.md") == url_key_of("2021-04-15-a?b.md"));
  CHECK(url_key_of("2021-04-15-1..md") == url_key_of("2021-04-15-1.md"));
  CHECK(url_key_of("2021-04-15-Mixed Case.md") == url_key_of("2021-04-15-mixed-case.md"));
  CHECK(url_key_of("2021-04-15-韩正：中国重视.md") == "韩正中国重视");
  CHECK(url_key_of("2021-04-15-克里，抵达.md") != url_key_of("2021-04-15-克里离开.md"));
  CHECK(url_key_of("2021-04-15----.md").empty());
  CHECK(url_key_of("2021-04-15-\"?🎉.md").empty());
  CHECK(url_key_of("2021-04-15-title-1a2b3c4d.md") == "title1a2b3c4d");
}
