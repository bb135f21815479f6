#include "fetchers/http/url.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

namespace url = feedd::url;

namespace {

struct Resolution {
  std::string_view reference;
  std::string_view expected;
};

}  // namespace

TEST_CASE("Resolves the normal examples of RFC 3986 section 5.4.1") {
  // Where the RFC writes "http://g" curl adds the root path, which is the same URL.
  constexpr std::string_view base = "http://a/b/c/d;p?q";
  const Resolution table[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const auto& [reference, expected] : table) {
    CAPTURE(reference);
    CHECK(url::resolve(base, reference) == std::optional<std::string>(expected));
  }
}

TEST_CASE("Resolves the abnormal examples of RFC 3986 section 5.4.2") {
  constexpr std::string_view base = "http://a/b/c/d;p?q";
  const Resolution table[] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
  };
  for (const auto& [reference, expected] : table) {
    CAPTURE(reference);
    CHECK(url::resolve(base, reference) == std::optional<std::string>(expected));
  }
}

TEST_CASE("Resolving drops the base's fragment, as RFC 3986 asks") {
  CHECK(url::resolve("http://a/b/c?q#old", "") == "http://a/b/c?q");
  CHECK(url::resolve("http://a/b/c?q#old", "#new") == "http://a/b/c?q#new");
  CHECK(url::resolve("http://a/b/c?q#old", "d") == "http://a/b/d");
}

TEST_CASE("Resolving trims ASCII whitespace around the reference") {
  CHECK(url::resolve("http://a/b/c", "  \t\n d/e \r\n") == "http://a/b/d/e");
  CHECK(url::resolve("http://a/b/c", "\n https://x.org/y \n") == "https://x.org/y");
}

TEST_CASE("An absolute reference ignores the base, even a missing or broken one") {
  CHECK(url::resolve("http://a/b/c", "https://x.org/y?z#f") == "https://x.org/y?z#f");
  CHECK(url::resolve("", "https://x.org/y") == "https://x.org/y");
  CHECK(url::resolve("not a url", "https://x.org/y") == "https://x.org/y");
  CHECK(url::resolve("", "HTTPS://x.org") == "https://x.org/");
}

TEST_CASE("A protocol-relative reference takes the base's scheme") {
  CHECK(url::resolve("https://a.com/feed", "//cdn.b.com/x.png") == "https://cdn.b.com/x.png");
  CHECK(url::resolve("http://a.com/feed", "//cdn.b.com/x.png") == "http://cdn.b.com/x.png");
}

TEST_CASE("Resolving yields nullopt when no absolute URL comes out") {
  CHECK(url::resolve("", "") == std::nullopt);
  CHECK(url::resolve("", "/relative/path") == std::nullopt);
  CHECK(url::resolve("not a url", "page.html") == std::nullopt);
  CHECK(url::resolve("", "example.com/x") == std::nullopt);
  CHECK(url::resolve("http://a/b", "http://bad host/") == std::nullopt);
  CHECK(url::resolve("http://a/b", "http://a:99999/") == std::nullopt);
  CHECK(url::resolve("http://a/b", "c\x01") == std::nullopt);
  CHECK(url::resolve("http://a/b", std::string_view("c\0d", 3)) == std::nullopt);
}

TEST_CASE("Links without a host, like mailto: and javascript:, do not resolve") {
  CHECK(url::resolve("http://a/b", "mailto:someone@example.com") == std::nullopt);
  CHECK(url::resolve("http://a/b", "javascript:void(0)") == std::nullopt);
  CHECK(url::resolve("http://a/b", "g:h") == std::nullopt);
}

TEST_CASE("Non-ASCII and spaces in path and query come back percent-encoded") {
  SUBCASE("in an absolute reference; an internationalised host stays as written") {
    CHECK(url::resolve("", "https://例子.cn/新闻?q=中文") ==
          "https://例子.cn/%e6%96%b0%e9%97%bb?q=%e4%b8%ad%e6%96%87");
  }
  SUBCASE("in a relative reference") {
    CHECK(url::resolve("https://例子.cn/a/b", "新闻 x?q=中 文") ==
          "https://例子.cn/a/%e6%96%b0%e9%97%bb%20x?q=%e4%b8%ad+%e6%96%87");
  }
  SUBCASE("in a fragment") {
    CHECK(url::resolve("http://a/", "b#第 1") == "http://a/b#%e7%ac%ac%201");
    CHECK(url::resolve("http://a/b", "#第 1") == "http://a/b#%e7%ac%ac%201");
  }
  SUBCASE("existing escapes are neither escaped again nor lower-cased") {
    CHECK(url::resolve("", "http://a/x%20y%E4?q=%2B+1") == "http://a/x%20y%E4?q=%2B+1");
    CHECK(url::resolve("http://a/b", "#%E4 x") == "http://a/b#%E4%20x");
    CHECK(url::resolve("http://a/b", "c#%E4 x") == "http://a/c#%E4%20x");
  }
}

TEST_CASE("Resolving is stable on its own output") {
  for (const std::string_view link :
       {"https://例子.cn/新闻?q=中文#第 1", "http://a/x y?z w", "HTTP://Ex.com:80/a/../b"}) {
    CAPTURE(link);
    const auto once = url::resolve("", link);
    REQUIRE(once);
    CHECK(url::resolve("", *once) == once);
  }
}

TEST_CASE("An empty fragment is kept, and resolving its result again keeps it (fuzz_sanitize found it dropped)") {
  const auto once = url::resolve("https://example.com/news/", "#");
  REQUIRE(once);
  CHECK(*once == "https://example.com/news/#");
  CHECK(url::resolve("https://example.com/news/", *once) == once);
  CHECK(url::resolve("", *once) == once);
  CHECK(url::resolve("https://example.com/news/", "a#") == "https://example.com/news/a#");
  CHECK(url::resolve("https://example.com/news/", "a#b#") == "https://example.com/news/a#b#");
}

TEST_CASE("file:// and other schemes curl parses resolve too") {
  CHECK(url::resolve("file:///srv/feeds/a.xml", "../img/b c.png") == "file:///srv/img/b%20c.png");
  CHECK(url::resolve("", "file:///tmp/feed.xml") == "file:///tmp/feed.xml");
  CHECK(url::resolve("ftp://ftp.x.org/pub/", "file.tar") == "ftp://ftp.x.org/pub/file.tar");
  CHECK(url::resolve("", "gemini://x.org/a") == "gemini://x.org/a");
}

TEST_CASE("Absolute URLs have a scheme and a host, or are file:// URLs") {
  CHECK(url::is_absolute("http://a.com"));
  CHECK(url::is_absolute("https://a.com/x?y#z"));
  CHECK(url::is_absolute("ftp://a.com/x"));
  CHECK(url::is_absolute("file:///tmp/x"));
  CHECK_FALSE(url::is_absolute(""));
  CHECK_FALSE(url::is_absolute("/x/y"));
  CHECK_FALSE(url::is_absolute("//a.com/x"));
  CHECK_FALSE(url::is_absolute("a.com/x"));
  CHECK_FALSE(url::is_absolute("mailto:a@b.com"));
  CHECK_FALSE(url::is_absolute("http://"));
}

TEST_CASE("The host is lower-cased, and empty when there is none") {
  CHECK(url::host_of("https://News.Example.COM:8443/x") == "news.example.com");
  CHECK(url::host_of("http://user:pw@a.b/") == "a.b");
  CHECK(url::host_of("http://[::1]:8080/") == "[::1]");
  CHECK(url::host_of("https://例子.cn/x") == "例子.cn");
  CHECK(url::host_of("file:///tmp/x") == "");
  CHECK(url::host_of("not a url") == "");
  CHECK(url::host_of("") == "");
}

TEST_CASE("Canonical form removes tracking parameters and keeps the rest in order") {
  CHECK(url::canonical("https://a.com/p?b=2&utm_source=rss&a=1&utm_medium=feed&c=3") ==
        "https://a.com/p?b=2&a=1&c=3");
  CHECK(url::canonical("https://a.com/p?UTM_Campaign=x&id=7&Utm_Whatever") ==
        "https://a.com/p?id=7");
  for (const std::string_view name : {"fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid",
                                      "mc_eid", "yclid", "_ga", "igshid", "spm", "scm", "FBCLID"}) {
    CAPTURE(name);
    CHECK(url::canonical("https://a.com/p?id=1&" + std::string(name) + "=xyz") ==
          "https://a.com/p?id=1");
  }
}

TEST_CASE("Canonical form keeps parameters that only look like tracking") {
  CHECK(url::canonical("https://a.com/p?from=rss&share_token=1&utm=2&xutm_a=3&spm2=4") ==
        "https://a.com/p?from=rss&share_token=1&utm=2&xutm_a=3&spm2=4");
}

TEST_CASE("Canonical form drops the question mark once the query is empty") {
  CHECK(url::canonical("https://a.com/p?utm_source=x&fbclid=y") == "https://a.com/p");
  CHECK(url::canonical("https://a.com/p?") == "https://a.com/p");
  CHECK(url::canonical("https://a.com/p?&&") == "https://a.com/p");
  CHECK(url::canonical("https://a.com/p?a=1&&utm_x=2&&b") == "https://a.com/p?a=1&b");
}

TEST_CASE("Canonical form keeps the query's own encoding") {
  CHECK(url::canonical("https://a.com/?q=%E4%B8%AD&r=a+b&s=%2f") ==
        "https://a.com/?q=%E4%B8%AD&r=a+b&s=%2f");
}

TEST_CASE("Canonical form drops the fragment") {
  CHECK(url::canonical("https://a.com/p?x=1#comments") == "https://a.com/p?x=1");
  CHECK(url::canonical("https://a.com/p#") == "https://a.com/p");
}

TEST_CASE("Canonical form lower-cases scheme and host but not the path") {
  CHECK(url::canonical("HTTPS://News.Example.COM/Path/To?Q=V") ==
        "https://news.example.com/Path/To?Q=V");
}

TEST_CASE("Canonical form drops only the scheme's default port") {
  CHECK(url::canonical("http://a.com:80/x") == "http://a.com/x");
  CHECK(url::canonical("https://a.com:443/x") == "https://a.com/x");
  CHECK(url::canonical("http://a.com:443/x") == "http://a.com:443/x");
  CHECK(url::canonical("https://a.com:80/x") == "https://a.com:80/x");
  CHECK(url::canonical("https://a.com:8443/x") == "https://a.com:8443/x");
}

TEST_CASE("Canonical form gives an empty path as /, and keeps user info") {
  CHECK(url::canonical("https://a.com") == "https://a.com/");
  CHECK(url::canonical("https://a.com?x=1") == "https://a.com/?x=1");
  CHECK(url::canonical("https://User:Pw@A.com/") == "https://User:Pw@a.com/");
}

TEST_CASE("Canonical form handles IPv6 hosts and file:// URLs") {
  CHECK(url::canonical("http://[::1]:80/x?utm_id=1") == "http://[::1]/x");
  CHECK(url::canonical("http://[2001:DB8::1]:8080/") == "http://[2001:db8::1]:8080/");
  CHECK(url::canonical("file:///srv/Feed.xml#x") == "file:///srv/Feed.xml");
}

TEST_CASE("URLs that differ only in what canonical form ignores are the same entry") {
  const auto expected = url::canonical("https://news.example.com/2024/story?id=5");
  REQUIRE(expected);
  for (const std::string_view variant : {
           "https://news.example.com/2024/story?id=5",
           "HTTPS://NEWS.Example.com/2024/story?id=5",
           "https://news.example.com:443/2024/story?id=5",
           "https://news.example.com/2024/story?id=5#top",
           "https://news.example.com/2024/story?utm_source=rss&id=5&fbclid=abc",
           " https://news.example.com/2024/story?id=5\n",
       }) {
    CAPTURE(variant);
    CHECK(url::canonical(variant) == expected);
  }
}

TEST_CASE("Canonical form handles non-ASCII paths and hosts") {
  CHECK(url::canonical("https://例子.cn/新闻?q=中文&utm_source=微博#评论") ==
        "https://例子.cn/%e6%96%b0%e9%97%bb?q=%e4%b8%ad%e6%96%87");
  CHECK(url::canonical("https://例子.cn/新闻") ==
        url::canonical("https://例子.cn/%e6%96%b0%e9%97%bb"));
}

TEST_CASE("Canonical form is idempotent") {
  for (const std::string_view link : {
           "HTTP://Ex.COM:80/A/b?utm_source=x&k=v&&fbclid=1#frag",
           "https://例子.cn/新闻 一?q=中 文&spm=1",
           "https://u:p@Host.org:8443?z=1&a=2",
           "file:///tmp/Feed%20A.xml?x#y",
           "ftp://FTP.x.org:21/pub",
           "http://a.com/%7Euser/?q=%e4%b8%ad+x",
       }) {
    CAPTURE(link);
    const auto once = url::canonical(link);
    REQUIRE(once);
    CHECK(url::canonical(*once) == once);
  }
}

TEST_CASE("Canonical form of something that is not a URL is nullopt") {
  CHECK(url::canonical("") == std::nullopt);
  CHECK(url::canonical("/relative/path") == std::nullopt);
  CHECK(url::canonical("mailto:a@b.com") == std::nullopt);
  CHECK(url::canonical("http://bad host/") == std::nullopt);
}
