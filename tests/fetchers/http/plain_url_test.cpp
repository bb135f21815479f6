// url::resolve's shortcut for plain absolute references (plain_url.h) gives
// what curl gives: chosen cases at the edges of what the shortcut takes, and
// random URLs built from pieces on both sides of those edges, each compared
// with url::resolve_by_curl. sanitize_equality compares every http(s) URL
// of the files it reads the same way.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "fetchers/http/plain_url.h"
#include "fetchers/http/url.h"

namespace url = feedd::url;

namespace {

constexpr std::array<std::string_view, 4> kBases = {
    "https://example.com/news/feed.xml", "", "not a url", "http://a/b/c/d;p?q#f"};

void check_same(std::string_view reference) {
  for (const std::string_view base : kBases) {
    CAPTURE(base);
    CAPTURE(reference);
    CHECK(url::resolve(base, reference) == url::resolve_by_curl(base, reference));
  }
}

std::string pick(std::mt19937& random, std::initializer_list<std::string_view> choices) {
  std::uniform_int_distribution<std::size_t> index(0, choices.size() - 1);
  return std::string(*(choices.begin() + index(random)));
}

// Half of them from plain pieces only, so both sides of each edge are met often.
std::string random_plain_url(std::mt19937& random) {
  std::string url = pick(random, {"http://", "https://"});
  url += pick(random, {"example.com", "a", "Example.ORG", "news1.example-news.cn", "a-.b", "x..y", "z."});
  const int segments = std::uniform_int_distribution<int>(0, 4)(random);
  for (int i = 0; i < segments; ++i) {
    url += '/';
    url += pick(random, {"a", "news", "", "x.html", "a;p=1", "~u", "!$&'()*+,;=:@", "a.", "b..c", "-_"});
  }
  if (random() % 3 == 0) url += "?" + pick(random, {"q=1", "a=1&b=2", "utm_source=x", "?", "a/b?c", "=&"});
  if (random() % 4 == 0) url += "#" + pick(random, {"f", "sec/1?x", "a:b", "!"});
  return url;
}

std::string random_url(std::mt19937& random) {
  if (random() % 2 == 0) return random_plain_url(random);
  std::string url = pick(random, {"http://", "https://", "https://", "HTTP://", "ftp://", "http:/", "https:"});
  const int labels = std::uniform_int_distribution<int>(0, 3)(random);
  for (int i = 0; i < labels; ++i) {
    if (i > 0) url += pick(random, {".", ".", "..", "-"});
    url += pick(random, {"example", "a", "Example", "news1", "1", "127", "0x7f", "xn--fiq", "-a", "a-", "b"});
  }
  url += pick(random, {"", "", "", ".", ":8080", ":443", ":", "@", "user@h", "[::1]", "%41", " "});
  const int segments = std::uniform_int_distribution<int>(0, 4)(random);
  for (int i = 0; i < segments; ++i) {
    url += '/';
    url += pick(random, {"a", "news", ".", "..", "", "x.html", "%E4%B8%AD", "%zz", "a b", "中文", "a;p=1",
                         "~u", "!$&'()*+,;=:@", "\\", ".well-known", "a.", "...", "[x]", "\t"});
  }
  if (random() % 3 == 0) {
    url += '?';
    url += pick(random, {"", "q=1", "a=1&b=2", "q=a b", "utm_source=x", "?", "q=%41", "q=中", "a/b?c", "#"});
  }
  if (random() % 4 == 0) {
    url += '#';
    url += pick(random, {"", "f", "sec/1?x", "a#b", "%41", "a b", "中"});
  }
  if (random() % 10 == 0) url = pick(random, {" ", "\n", "\t "}) + url + pick(random, {"", " ", "\r\n"});
  return url;
}

}  // namespace

TEST_CASE("The plain URL shortcut takes absolute http and https links as curl gives them back") {
  CHECK(url::detail::plain_absolute("https://feedx.net") == "https://feedx.net/");
  CHECK(url::detail::plain_absolute("https://static.zaobao.com/a/1-b_2.jpg?x=1&y=2#top") ==
        "https://static.zaobao.com/a/1-b_2.jpg?x=1&y=2#top");
  for (const std::string_view reference :
       {"https://feedx.net", "https://feedx.net/", "http://Example.COM/A/B", "https://a.b/c?d=e&f=g#h",
        "https://a.b//c", "https://a.b/c;p=1,2/@x:y", "https://a./x", "https://a-/x", "https://a..b/x",
        "  https://a.b/x\n", "https://subscribe.sph.com.sg/p/?utm_campaign=cn&utm_medium=sph"}) {
    CHECK(url::detail::plain_absolute(url::resolve("", reference).value_or("")).has_value());
    check_same(reference);
  }
}

TEST_CASE("The plain URL shortcut leaves to curl what curl would rewrite") {
  for (const std::string_view reference :
       {"https://a.b/./c", "https://a.b/x/../c", "https://a.b/.well-known", "http://127.0.0.1/", "http://1/x",
        "http://0x7f.1/", "HTTPS://a.b/", "https://a.b:443/", "https://u@a.b/", "https://a.b?q",
        "https://a.b#f", "https://a.b/?", "https://a.b/#", "https://a.b/%41", "https://a.b/a b",
        "https://a.b/中", "https://a.b/\\x", "https://[::1]/", "ftp://a.b/", "//a.b/c", "/c", "c"}) {
    CHECK_FALSE(url::detail::plain_absolute(reference).has_value());
    check_same(reference);
  }
}

TEST_CASE("The plain URL shortcut and curl agree on 200000 random URLs") {
  std::mt19937 random(17);
  std::size_t plain = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::string reference = random_url(random);
    if (url::detail::plain_absolute(reference)) ++plain;
    for (const std::string_view base : kBases) {
      if (url::resolve(base, reference) != url::resolve_by_curl(base, reference)) {
        CAPTURE(base);
        CAPTURE(reference);
        FAIL("the shortcut and curl differ");
      }
    }
  }
  MESSAGE(plain << " of 200000 took the shortcut");
  CHECK(plain > 10000);  // both sides of the edges are reached
}
