// The reader of the old script's posts (store/adopt/old_post_reader), in
// process over the seeds and the script's known faults. The command that
// uses it is tested in tests/daemon/cli/import_posts_test.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/adopt/old_post_reader.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using feedd::read_old_post;
using feedd::test::read_file;

namespace {

const fs::path source_dir = FEEDD_SOURCE_DIR;
constexpr const char* zaobao_seed = "seeds/posts/000_194e748a9a75e2e5.txt";
constexpr const char* voa_seed = "seeds/posts/004_5c912297c50d9bb3.txt";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// An old post around `front` (the lines between the --- lines) and `body`.
std::string old_post(const std::string& front, const std::string& body =
                                                   "<!--1618495142000-->\n[t](https://example.com/a)\n------\n\n"
                                                   "<div>\n<p>text</p>\n</div>\n") {
  return "---\nlayout: post\n" + front + "---\n" + body;
}

}  // namespace

TEST_CASE("The seed posts read back to their title, URL, times, source and body") {
  const auto zaobao = read_old_post(read_file(source_dir / zaobao_seed));
  REQUIRE(zaobao.post);
  CHECK(zaobao.post->title == "韩正：中国重视与美开展应对气候变化对话合作");
  CHECK(zaobao.post->url == "https://www.zaobao.com/realtime/china/story20210417-1140067");
  CHECK(zaobao.post->identity == "https://www.zaobao.com/realtime/china/story20210417-1140067");
  CHECK(zaobao.post->timestamp_ms == 1618674240000);  // the comment: after the date, as the seed shows
  CHECK(zaobao.post->date_ms == 1618628200156);
  CHECK(zaobao.post->author == "联合早报");
  CHECK(zaobao.post->tags == std::vector<std::string>{"联合早报"});
  CHECK(zaobao.post->categories == std::vector<std::string>{"联合早报"});
  CHECK(zaobao.post->content.starts_with("<p>中共中央政治局常委"));
  CHECK(zaobao.post->content.ends_with("referrerpolicy=\"no-referrer\"></a>"));

  const auto voa = read_old_post(read_file(source_dir / voa_seed));
  REQUIRE(voa.post);
  CHECK(voa.post->title == "克里抵达上海，拜登寻求美中合作的首次努力面临考验");
  CHECK(voa.post->timestamp_ms == 1618495142000);
  CHECK(voa.post->date_ms == 1618495142000);
  CHECK(voa.post->author == "美国之音");
}

TEST_CASE("The old script's broken front matter is read where title, URL and time survive") {
  const auto title_of = [](const std::string& front) {
    const auto reading = read_old_post(old_post(front + "from: https://example.com/a\n"));
    INFO(reading.problem);
    REQUIRE(reading.post);
    return reading.post->title;
  };
  CHECK(title_of("title: \"Biden\\'s plan\"\n") == "Biden's plan");
  CHECK(title_of("title: \"He said \"no\" twice\"\n") == "He said \"no\" twice");
  CHECK(title_of("title: 韩正: 中国重视: 合作\n") == "韩正: 中国重视: 合作");
  CHECK(title_of("title: \"first half\n  second half\"\n") == "first half second half");
  CHECK(title_of("title: \"tab\\tand \\u4e2d \\x41 \\\\ \\\" \\q\"\n") == "tab\tand 中 A \\ \" q");
  CHECK(title_of("title: 'it''s'\n") == "it's");
  CHECK(title_of("title: \"never closed\n") == "never closed");

  SUBCASE("a title left open does not swallow the keys after it") {
    const auto reading = read_old_post(old_post("title: \"open\ndate: 2021-04-15T13:59:02.000Z\n"
                                                "from: https://example.com/b\n"));
    REQUIRE(reading.post);
    CHECK(reading.post->title == "open");
    CHECK(reading.post->url == "https://example.com/b");
  }
  SUBCASE("no from: takes the link line's URL and title") {
    const auto reading = read_old_post(old_post("date: 2021-04-15T13:59:02.000Z\n"));
    REQUIRE(reading.post);
    CHECK(reading.post->url == "https://example.com/a");
    CHECK(reading.post->title == "t");
  }
  SUBCASE("no comment takes date: for the time, in any format feeds use") {
    const auto reading = read_old_post(
        old_post("title: x\ndate: 2021-04-15 21:59:02 +0800\nfrom: https://example.com/a\n", "[x](y)\n"));
    REQUIRE(reading.post);
    CHECK(reading.post->timestamp_ms == 1618495142000);
    CHECK(reading.post->date_ms == 1618495142000);
  }
  SUBCASE("CRLF line ends and a byte order mark") {
    std::string text = "\xEF\xBB\xBF" + old_post("title: \"crlf\"\nfrom: https://example.com/c\n");
    std::string crlf;
    for (const char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    const auto reading = read_old_post(crlf);
    REQUIRE(reading.post);
    CHECK(reading.post->title == "crlf");
    CHECK(reading.post->url == "https://example.com/c");
    CHECK(reading.post->content == "<p>text</p>");
  }
  SUBCASE("tracking parameters do not change the identity") {
    const auto reading = read_old_post(old_post("title: x\nfrom: https://Example.com/a?utm_source=rss\n"));
    REQUIRE(reading.post);
    CHECK(reading.post->identity == "https://example.com/a");
  }
}

TEST_CASE("What cannot be recovered is named") {
  const auto problem_of = [](const std::string& text) {
    const auto reading = read_old_post(text);
    CHECK_FALSE(reading.post);
    return reading.problem;
  };
  CHECK(contains(problem_of("just text\n"), "no front matter"));
  CHECK(contains(problem_of("---\ntitle: x\n"), "front matter not closed"));
  CHECK(contains(problem_of(old_post("title: x\n", "<!--1-->\n[x]()\n")), "no URL"));
  CHECK(contains(problem_of(old_post("title: x\nfrom: /relative/path\n")), "not an absolute http(s) URL"));
  CHECK(contains(problem_of(old_post("title: x\nfrom: https://example.com/a\n", "[x](y)\n")), "no time"));
  CHECK(contains(problem_of(old_post("title: x\ndate: yesterday\nfrom: https://example.com/a\n", "[x](y)\n")),
                 "date: \"yesterday\" is not a date"));
  CHECK(contains(problem_of(old_post("from: https://example.com/a\n", "<!--1-->\n")), "no title"));
  for (std::size_t cut = 0; cut < 200; ++cut) {  // never throws, whatever the bytes
    CHECK_NOTHROW(read_old_post(std::string(read_file(source_dir / zaobao_seed)).substr(0, cut)));
  }
}
