#include "tests/support/feeds.h"

#include <fmt/format.h>

namespace feedd::test {

std::string xml_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string rss_with(int items, const std::string& tag, ItemBody body) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>";
  for (int i = 0; i < items; ++i) {
    xml += fmt::format(
        "<item><title>{0} {1}</title><link>https://example.com/{0}/{1}</link>"
        "<pubDate>Thu, 15 Apr 2021 13:{1:02}:00 GMT</pubDate><description>{2}</description></item>",
        tag, i, body == ItemBody::numbered ? fmt::format("body {}", i) : std::string("body"));
  }
  return xml + "</channel></rss>";
}

}  // namespace feedd::test
