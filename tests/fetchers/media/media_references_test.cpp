// fetchers/media alone: image references found and pointed at local copies
// without touching any other byte, types told by their bytes, SVG made inert.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "fetchers/media/image_sniff.h"
#include "fetchers/media/media_references.h"
#include "fetchers/media/svg_sanitize.h"

using feedd::media::ImageType;
using feedd::media::image_urls;
using feedd::media::point_at_local;
using feedd::media::sanitize_svg;
using feedd::media::sniff_image;

TEST_CASE("Every image attribute form is found once and resolved against the entry's link") {
  const std::string html =
      "<p>text <a href=\"/x.png\">not an image</a></p><img src=\"a.png\" srcset=\"b.png 1x, c.png 2x\">"
      "<IMG DATA-SRC=https://cdn.example/d.jpg data-original='/e.gif' data-lazy-src=\"f.webp\">"
      "<picture><source srcset=\"g.avif 480w,h.avif 960w\" type=\"image/avif\"><source src=\"v.mp4\"></picture>"
      "<video poster=\"p.jpg\" src=\"movie.mp4\"></video><img src=\"a.png\"><img src=\"data:image/gif;base64,AA==\">"
      "<script>var s = '<img src=\"s.png\">';</script><!-- <img src=\"c.png\"> --><img src=\"q.png?a=1&amp;b=2\">";
  const auto urls = image_urls(html, "https://news.example/2026/story.html");
  const std::vector<std::string> expected{
      "https://news.example/2026/a.png",   "https://news.example/2026/b.png",  "https://news.example/2026/c.png",
      "https://cdn.example/d.jpg",         "https://news.example/e.gif",       "https://news.example/2026/f.webp",
      "https://news.example/2026/g.avif",  "https://news.example/2026/h.avif", "https://news.example/2026/p.jpg",
      "https://news.example/2026/q.png?a=1&b=2"};
  CHECK(urls == expected);
}

TEST_CASE("Pointing at local copies changes the rewritten attributes and no other byte") {
  const std::string html =
      "<p class=x>Hello &amp; <b>world</b></p>\n<img alt=\"A\" src=\"https://a.example/1.png\" width=3>"
      "<img src=https://a.example/2.png><source srcset=\"https://a.example/1.png 1x, https://a.example/3.png 2x\">"
      "<img src=\"https://a.example/q.png?a=1&amp;b=2\">";
  const std::map<std::string, std::string> local{{"https://a.example/1.png", "/media/one.png"},
                                                 {"https://a.example/2.png", "/media/two.png"},
                                                 {"https://a.example/q.png?a=1&b=2", "/media/q.png"}};
  const std::string out = point_at_local(html, "https://a.example/", local);
  CHECK(out ==
        "<p class=x>Hello &amp; <b>world</b></p>\n<img alt=\"A\" src=\"/media/one.png\" "
        "data-feedd-original-src=\"https://a.example/1.png\" width=3>"
        "<img src=\"/media/two.png\" data-feedd-original-src=\"https://a.example/2.png\">"
        "<source srcset=\"/media/one.png 1x, https://a.example/3.png 2x\" "
        "data-feedd-original-srcset=\"https://a.example/1.png 1x, https://a.example/3.png 2x\">"
        "<img src=\"/media/q.png\" data-feedd-original-src=\"https://a.example/q.png?a=1&amp;b=2\">");
  CHECK(point_at_local(html, "https://a.example/", {}) == html);
  CHECK(point_at_local(html, "https://a.example/", {{"https://other.example/x.png", "/media/x.png"}}) == html);
}

TEST_CASE("Image types are read from the bytes") {
  CHECK(sniff_image(std::string("\xFF\xD8\xFF\xE0rest", 8)) == ImageType::jpeg);
  CHECK(sniff_image(std::string("\x89PNG\r\n\x1A\nrest", 12)) == ImageType::png);
  CHECK(sniff_image("GIF89a....") == ImageType::gif);
  CHECK(sniff_image("RIFF\x1a\x00\x00\x00WEBPVP8L") == std::nullopt);  // cut at the NUL: too short
  CHECK(sniff_image(std::string("RIFF\x1a\x00\x00\x00WEBPVP8L", 16)) == ImageType::webp);
  CHECK(sniff_image(std::string("\x00\x00\x00\x1c" "ftypavif\x00\x00\x00\x00" "avifmif1miaf", 28)) == ImageType::avif);
  CHECK(sniff_image(std::string("\x00\x00\x00\x18" "ftypmif1\x00\x00\x00\x00" "mif1avif", 24)) == ImageType::avif);
  CHECK(sniff_image(std::string("\x00\x00\x00\x18" "ftypisom\x00\x00\x00\x00" "isommp41", 24)) == std::nullopt);
  CHECK(sniff_image("<?xml version=\"1.0\"?>\n<!-- x -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>") ==
        ImageType::svg);
  CHECK(sniff_image("<!DOCTYPE html><html><body><svg></svg></body></html>") == std::nullopt);
  CHECK(sniff_image("<html>") == std::nullopt);
  CHECK(sniff_image("") == std::nullopt);
}

TEST_CASE("An SVG keeps its drawing and loses script handlers and external references") {
  const auto clean = sanitize_svg(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" onload=\"x()\">"
      "<script>alert(1)</script><style>@import url(http://e.example/a.css);</style>"
      "<rect width=\"1\" height=\"1\" fill=\"url(#g)\" style=\"fill:url(http://e.example/p)\" onmouseover=\"x()\"/>"
      "<use xlink:href=\"#r\"/><use href=\"http://e.example/s.svg#r\"/>"
      "<a href=\"javascript:alert(2)\"><text>t</text></a><set attributeName=\"href\" to=\"javascript:x()\"/>"
      "<foreignObject><iframe src=\"http://e.example/\"/></foreignObject></svg>");
  REQUIRE(clean);
  for (const char* gone : {"script", "onload", "onmouseover", "e.example", "javascript", "@import", "<set", "foreignObject"}) {
    CHECK_MESSAGE(clean->find(gone) == std::string::npos, gone, " in ", *clean);
  }
  CHECK(clean->find("fill=\"url(#g)\"") != std::string::npos);
  CHECK(clean->find("xlink:href=\"#r\"") != std::string::npos);
  CHECK(clean->find("<text>t</text>") != std::string::npos);
}

TEST_CASE("An SVG with entity declarations or another root is refused") {
  CHECK_FALSE(sanitize_svg("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg>&a;</svg>"));
  CHECK_FALSE(sanitize_svg("<html><svg/></html>"));
  CHECK_FALSE(sanitize_svg("<svg><unclosed></svg>"));
}
