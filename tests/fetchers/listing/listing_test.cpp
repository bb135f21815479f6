// fetchers/listing: a page listing articles read as a Feed by CSS selectors.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "fetchers/feed/dates.h"
#include "fetchers/listing/listing.h"

using feedd::listing::ListingOptions;
using feedd::listing::parse_listing;

namespace {

const std::string page = R"(<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<nav><ul><li><a href="/">首页</a></li></ul></nav>
<div class="list">
  <div class="item"><h2><a href="/news/1?ref=list">第一条 &amp; 新闻</a></h2><span class="date">2026-11-30 08:15</span>
    <p class="lead">摘要<a href="more">更多</a></p></div>
  <div class="item"><a class="card" href="https://other.example/2"><h2>第二条</h2></a>
    <time datetime="2026-11-29T21:40:00Z">昨天</time></div>
  <div class="item"><h2>没有链接</h2></div>
</div></body></html>)";

ListingOptions options() {
  ListingOptions o;
  o.selectors.item = ".list .item";
  o.selectors.link = "h2 a, a.card";
  o.selectors.title = "h2";
  o.selectors.date = "time, .date";
  o.selectors.summary = "p.lead";
  o.base_url = "https://www.example.sg/realtime/";
  o.default_timezone = "Asia/Singapore";
  return o;
}

}  // namespace

TEST_CASE("Each item with a link becomes an entry with absolute link, title, date and summary") {
  ListingOptions o = options();
  o.selectors.date_format = "%Y-%m-%d %H:%M";
  const auto feed = parse_listing(page, o);
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.format == "html");
  const auto& first = feed.entries[0];
  CHECK(first.link == "https://www.example.sg/news/1?ref=list");
  CHECK(first.guid == first.link);
  CHECK(first.title == "第一条 & 新闻");
  REQUIRE(first.published.has_value());
  CHECK(feedd::dates::format_rfc3339(*first.published) == "2026-11-30T00:15:00Z");  // Singapore time, UTC+8
  CHECK(first.summary.find("摘要") != std::string::npos);
  CHECK(first.summary_base == o.base_url);
  // date_format does not read an RFC 3339 datetime attribute.
  CHECK_FALSE(feed.entries[1].published.has_value());
  CHECK(feed.entries[1].link == "https://other.example/2");
  CHECK(feed.entries[1].title == "第二条");
}

TEST_CASE("Without date_format a listing's dates are read like a feed's") {
  const auto feed = parse_listing(page, options());
  REQUIRE(feed.entries.size() == 2);
  REQUIRE(feed.entries[1].published.has_value());
  CHECK(feedd::dates::format_rfc3339(*feed.entries[1].published) == "2026-11-29T21:40:00Z");
  CHECK(feed.entries[1].summary.empty());
}

TEST_CASE("The link's text is the title when no title selector is given") {
  ListingOptions o = options();
  o.selectors.title.clear();
  const auto feed = parse_listing(page, o);
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].title == "第一条 & 新闻");
}

TEST_CASE("A page in GB18030 declared in <meta> is decoded before its items are read") {
  const std::string gb = "<html><head><meta charset=\"gb2312\"></head><body><ul><li><a href=\"/a\">"
                         "\xb9\xc5\xd5\xf2\xb5\xc6\xbb\xe1</a></li></ul></body></html>";
  ListingOptions o = options();
  o.selectors = {"li", "a", "", "", "", ""};
  const auto feed = parse_listing(gb, o);
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "古镇灯会");
}

TEST_CASE("A bad selector is an invalid_argument naming it") {
  ListingOptions o = options();
  o.selectors.item = "div[";
  CHECK_THROWS_AS(parse_listing(page, o), std::invalid_argument);
}
