#include "fetchers/redact/redact_url.h"

#include <doctest/doctest.h>

namespace url = feedd::url;

TEST_CASE("redact hides a URL's user name and password and leaves everything else as it was") {
  CHECK(url::redact("https://user:pa%40ss@example.org:8443/feed?x=1#f") == "https://***@example.org:8443/feed?x=1#f");
  CHECK(url::redact("http://token@example.org/") == "http://***@example.org/");
  CHECK(url::redact("socks5h://u:p@127.0.0.1:1080") == "socks5h://***@127.0.0.1:1080");
  // An @ after the authority is not a credential.
  CHECK(url::redact("https://example.org/@someone?mail=a@b") == "https://example.org/@someone?mail=a@b");
  CHECK(url::redact("https://example.org/feed") == "https://example.org/feed");
  CHECK(url::redact("file:///srv/feed.xml") == "file:///srv/feed.xml");
  CHECK(url::redact("not a url") == "not a url");
  CHECK(url::redact("") == "");
}
