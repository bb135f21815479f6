// Article extraction (fetchers/article) on pages shaped like the real ones,
// and `feedd extract` as a user runs it, on files and over loopback HTTP.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

#include "fetchers/article/article.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"

namespace {

using feedd::article::Article;
using feedd::article::ExtractOptions;
using feedd::article::Page;

const std::string pages_dir = std::string(FEEDD_SOURCE_DIR) + "/tests/data/pages/";

std::string page_bytes(std::string_view name) { return feedd::test::read_file(pages_dir + std::string(name)); }

Article extract_page(std::string_view name, std::string url, ExtractOptions options = {},
                     std::string_view content_type = "text/html") {
  const std::string bytes = page_bytes(name);
  return feedd::article::extract(Page{bytes, content_type, std::move(url)}, options);
}

bool has(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

void check_all_present(const Article& article, std::initializer_list<std::string_view> phrases) {
  for (const auto phrase : phrases) {
    INFO("phrase: ", phrase);
    CHECK(has(article.content, phrase));
    CHECK(has(article.text, phrase));
  }
}

void check_all_absent(const Article& article, std::initializer_list<std::string_view> phrases) {
  for (const auto phrase : phrases) {
    INFO("phrase: ", phrase);
    CHECK_FALSE(has(article.content, phrase));
    CHECK_FALSE(has(article.text, phrase));
  }
}

std::string error_of(std::string_view selector) {
  try {
    feedd::article::check_selector(selector);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Auto extraction keeps a Zaobao-like article and drops its navigation, ads, banners, share bar, "
          "related list and comments") {
  const Article article = extract_page("zaobao_like.html", "https://www.zaobao.com.sg/news/singapore/story-1");
  check_all_present(article, {"成人车资明年起平均上调百分之三点二", "尽量把涨幅控制在可接受的范围内",
                              "低收入家庭则可以申请更多的交通补助", "政府会继续确保公共交通负担得起",
                              "希望当局增加班次", "新票价将从明年四月一日起实施",
                              "乘客在宏茂桥巴士转换站排队上车"});
  check_all_absent(article, {"订阅联合早报", "立即订阅", "分享到脸书", "广告", "地铁东西线周末部分停运",
                             "读者评论", "票价又涨了", "热门", "登录", "财经", "电子报", "版权所有", "首页"});
  CHECK(has(article.content, "<img src=\"https://www.zaobao.com.sg/media/photos/2026/11/bus-interchange.jpg\""));
  CHECK(has(article.content, "<figcaption>"));
  CHECK_FALSE(has(article.content, "<script"));
  CHECK_FALSE(has(article.content, "<iframe"));
  CHECK(article.title == "新加坡公共交通明年起调整票价");
  CHECK(article.byline == "林晓华");
  CHECK(article.published == "2026-11-30T00:15:00Z");
  CHECK(article.text_length > 300);
}

TEST_CASE("Auto extraction keeps a VOA-like article, reveals its lazy-loaded photo and reads JSON-LD") {
  const Article article = extract_page("voa_like.html", "https://www.voachinese.com/a/climate-summit/123.html");
  check_all_present(article, {"联合国气候变化大会星期六晚间闭幕", "离目标更近了一步", "环保团体批评协议缺乏约束力",
                              "为清洁能源投资释放了明确的信号", "东道国尚未最终确定", "各国代表在大会闭幕式上鼓掌"});
  check_all_absent(article, {"相关新闻", "气候谈判陷入僵局", "更多新闻", "美联储维持利率不变", "脸书", "推特",
                             "评论已关闭", "使用条款", "人权", "气候变化</a>"});
  CHECK(has(article.content, "src=\"https://gdb.example.org/photos/climate-summit.jpg\""));
  CHECK(article.title == "联合国气候大会闭幕 各国就减排路线达成妥协");
  CHECK(article.byline == "王明远");
  CHECK(article.published == "2026-11-29T21:40:00Z");
}

TEST_CASE("A GB18030 page that names its charset only in <meta> is decoded before extraction") {
  const Article article = extract_page("gb18030_meta.html", "http://news.example.cn/2026/0120/lantern.html");
  check_all_present(article, {"数千盏手工花灯沿着河道两岸依次点亮", "“𠮷祥如意”为主题", "并增开多条公交线路"});
  check_all_absent(article, {"热点新闻", "年货市场人气旺盛", "论坛", "版权所有", "\xEF\xBF\xBD"});
  CHECK(article.title == "春节前夕 古镇灯会吸引大批游客");
}

TEST_CASE("The HTTP charset wins over <meta>, and a byte order mark over both") {
  const std::string utf8 = "<html><head><meta charset=\"gb2312\"></head><body><p>价格上涨，乘客担忧，"
                           "理事会表示会尽量控制涨幅，保障低收入家庭的出行需要。</p></body></html>";
  const Article from_header = feedd::article::extract(Page{utf8, "text/html; charset=UTF-8", ""}, {});
  CHECK(has(from_header.text, "理事会表示会尽量控制涨幅"));
  const std::string with_bom = "\xEF\xBB\xBF" + utf8;
  const Article from_bom = feedd::article::extract(Page{with_bom, "text/html; charset=windows-1252", ""}, {});
  CHECK(has(from_bom.text, "理事会表示会尽量控制涨幅"));
}

TEST_CASE("<meta charset> names the charset when HTTP does not; quoted or not, late in a long <head>") {
  // "价格上涨" in GBK.
  const std::string gbk_text = "\xBC\xDB\xB8\xF1\xC9\xCF\xD5\xC7";
  ExtractOptions paragraphs;
  paragraphs.selector = "p";
  for (const std::string meta : {"<meta charset=\"gbk\">", "<meta charset=GBK>", "<META CHARSET='gb2312'/>"}) {
    INFO("meta: ", meta);
    const std::string page = "<html><head><title>t</title>" + std::string(3000, ' ') + meta +
                             "</head><body><p>" + gbk_text + "</p></body></html>";
    CHECK(feedd::article::extract(Page{page, "text/html", ""}, paragraphs).text == "价格上涨");
  }
}

TEST_CASE("Selector mode returns the matches in page order minus the remove selectors") {
  ExtractOptions options;
  options.selector = "figure, article .article-content";
  options.remove = {".subscription-banner, [id^=dfp-ad]"};
  const Article article = extract_page("zaobao_like.html", "https://www.zaobao.com.sg/news/x", options);
  check_all_present(article, {"乘客在宏茂桥巴士转换站排队上车", "成人车资明年起平均上调", "新票价将从明年四月一日起实施"});
  check_all_absent(article, {"订阅联合早报", "广告", "分享到脸书", "读者评论"});
  CHECK(article.content.find("宏茂桥") < article.content.find("成人车资"));
}

TEST_CASE("Selectors: attribute operators, child and descendant combinators, :not and grouping") {
  const std::string page =
      "<html><body><div id=\"a\" class=\"x y\" data-k=\"one-two\"><p class=\"keep\">alpha</p>"
      "<section><p class=\"keep\">beta</p></section><p class=\"drop note\">gamma</p></div>"
      "<p lang=\"en-GB\">delta</p><p title=\"hello world\">epsilon</p></body></html>";
  const auto texts = [&](std::string selector, std::vector<std::string> remove = {}) {
    ExtractOptions options;
    options.selector = std::move(selector);
    options.remove = std::move(remove);
    return feedd::article::extract(Page{page, "", ""}, options).text;
  };
  CHECK(texts("div > p") == "alpha\ngamma");
  CHECK(texts("div p") == "alpha\nbeta\ngamma");
  CHECK(texts("div p:not(.drop)") == "alpha\nbeta");
  CHECK(texts("p:not(.keep, [lang])") == "gamma\nepsilon");
  CHECK(texts("[class~=y] > .note") == "gamma");
  CHECK(texts("div[data-k^=one] > p.keep") == "alpha");
  CHECK(texts("[data-k$=two] section p") == "beta");
  CHECK(texts("p[title*='o w']") == "epsilon");
  CHECK(texts("p[lang|=en]") == "delta");
  CHECK(texts("#a.x") == "alpha\nbeta\ngamma");
  CHECK(texts("DIV#a", {"section", "p.drop"}) == "alpha");
  CHECK(texts("p[title=\"hello world\"], p[lang]") == "delta\nepsilon");
  CHECK(texts("p[class=keep]").empty() == false);
  CHECK(texts("p[class^='']").empty());
}

TEST_CASE("A bad selector is an error naming it and the position") {
  CHECK(error_of("div[") == "selector \"div[\": position 5: expected an attribute name");
  CHECK(error_of("a:hover") == "selector \"a:hover\": position 2: unsupported pseudo-class ':hover' (only :not(...) is supported)");
  CHECK(error_of("div >") == "selector \"div >\": position 6: expected a selector");
  CHECK(error_of("p,,q") == "selector \"p,,q\": position 3: unexpected ','");
  CHECK(error_of("[a=\"x]") == "selector \"[a=\"x]\": position 4: unterminated quoted value");
  CHECK(error_of("div.content > p:not(.ad), [data-x~=y]").empty());
  ExtractOptions options;
  options.selector = "p[";
  CHECK_THROWS_AS(feedd::article::extract(Page{"<p>x</p>", "", ""}, options), std::invalid_argument);
}

TEST_CASE("feedd extract --json prints one object per input with title, byline, published and content") {
  const auto result = feedd::test::run_feedd(
      {"extract", "--json", "--url", "https://www.zaobao.com.sg/news/singapore/story-1", pages_dir + "zaobao_like.html",
       pages_dir + "gb18030_meta.html"});
  REQUIRE(result.exit_status == 0);
  const auto first_newline = result.out.find('\n');
  REQUIRE(first_newline != std::string::npos);
  const auto first = nlohmann::json::parse(result.out.substr(0, first_newline));
  const auto second = nlohmann::json::parse(result.out.substr(first_newline + 1));
  CHECK(first["title"] == "新加坡公共交通明年起调整票价");
  CHECK(first["byline"] == "林晓华");
  CHECK(first["published"] == "2026-11-30T00:15:00Z");
  const std::string content = first["content"];
  CHECK(has(content, "新票价将从明年四月一日起实施"));
  CHECK(has(content, "https://www.zaobao.com.sg/media/photos/2026/11/bus-interchange.jpg"));
  CHECK_FALSE(has(content, "订阅联合早报"));
  CHECK(second["byline"].is_null());
  CHECK(has(second["text"].get<std::string>(), "𠮷祥如意"));
}

TEST_CASE("feedd extract fetches URLs over HTTP, decodes by <meta> and resolves links against the address") {
  feedd::test::HttpTestServer server;
  server.serve("/news/story.html", page_bytes("zaobao_like.html"), "text/html");
  server.serve("/gb/lantern.html", page_bytes("gb18030_meta.html"), "text/html");
  const auto result = feedd::test::run_feedd({"extract", server.url("/news/story.html"), server.url("/gb/lantern.html")});
  REQUIRE(result.exit_status == 0);
  CHECK(has(result.out, "src=\"" + server.url("/media/photos/2026/11/bus-interchange.jpg") + "\""));
  CHECK(has(result.out, "并增开多条公交线路"));
  CHECK(has(result.out, "𠮷祥如意"));
  CHECK_FALSE(has(result.out, "热点新闻"));
}

TEST_CASE("feedd extract names an unreadable input and a bad selector") {
  const auto missing = feedd::test::run_feedd({"extract", "/nonexistent/page.html", pages_dir + "voa_like.html"});
  CHECK(missing.exit_status == 1);
  CHECK(has(missing.err, "/nonexistent/page.html"));
  CHECK(has(missing.out, "东道国尚未最终确定"));
  const auto bad = feedd::test::run_feedd({"extract", "--selector", "div >", pages_dir + "voa_like.html"});
  CHECK(bad.exit_status == 2);
  CHECK(has(bad.err, "selector \"div >\": position 6: expected a selector"));
  CHECK(bad.out.empty());
}
