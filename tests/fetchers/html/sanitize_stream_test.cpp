// sanitize_html reads libxml2's parse events; sanitize_html_tree walks the
// tree libxml2 builds from the same events, as the sanitizer did before.
// They must write the same bytes, also where the tree builder departs from
// the events (text outside any element, the depth limit, boolean
// attributes, prefixed names) and where the walk looks at a node's
// children (a cut element's content written in its place).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/html/element_rules.h"
#include "fetchers/html/html_sanitize.h"

using feedd::parse_element_rules;
using feedd::sanitize_html;
using feedd::sanitize_html_tree;
using feedd::SanitizeOptions;

namespace {

SanitizeOptions options_with(bool strip_active, const std::vector<std::string>& rules) {
  SanitizeOptions options;
  options.base_url = "https://example.com/news/feed.xml";
  options.strip_active = strip_active;
  options.remove = parse_element_rules(rules);
  return options;
}

// Each fragment under the default options and ones that cut elements
// whose content stays, with active content dropped and kept.
void check_same(std::string_view html) {
  CAPTURE(html);
  for (const SanitizeOptions& options :
       {options_with(true, {}), options_with(false, {}), options_with(true, {"source", "wbr", "p", "img"}),
        options_with(false, {"object", "embed", "source", "span.x"})}) {
    CHECK(sanitize_html(html, options) == sanitize_html_tree(html, options));
  }
}

std::string nested(int depth, std::string_view tag) {
  std::string html;
  for (int i = 0; i < depth; ++i) html += "<" + std::string(tag) + ">";
  html += "deep";
  for (int i = 0; i < depth; ++i) html += "</" + std::string(tag) + ">";
  return html + "after";
}

}  // namespace

TEST_CASE("The stream writes what the tree walk writes for ordinary content") {
  check_same("<p>Hello <b>world</b> <i>again</i></p>");
  check_same("text first<p>then a paragraph<div>and a div inside</div>");
  check_same("<table><tr><td>a<td>b</table><ul><li>a<li>b</ul>");
  check_same("<img src=a.png width=1 height=1><img src=b.png><a href='/x' onclick=y>link</a>");
  check_same("&#xD800; &#0; &nbsp; &amp; &lt; &unknown; &copy &#x4E2D;文");
  check_same("<p style=\"color: red; position: absolute\">x</p><a href=\"javascript:alert(1)\">y</a>");
  check_same("<img srcset=\"a.png 1x, javascript:x 2x\" src=\"data:image/png;base64,AA\">");
}

TEST_CASE("The stream drops text where the tree builder has no element to hold it") {
  check_same("a</body></html>   b<p>c</p>");
  check_same("x</html>\n\n");
  check_same("<p>a</p></html><!--c-->  d<b>e</b>");
  check_same("a</body>b</html>c</body>d");
}

TEST_CASE("The stream counts stray html head and body elements as the tree walk does") {
  check_same("a<body class=x>b</body>c<html lang=zh>d");
  check_same("<head><title>t</title></head>text<head><meta charset=gbk></head>more");
  check_same("<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><b>x</b> <i>y</i>");
  check_same("a<!DOCTYPE html>b</html>  <p>c");
}

TEST_CASE("Boolean and valueless attributes read as the tree has them") {
  check_same("<input checked><select><option selected>x</option></select><img alt><p hidden>y</p>");
  check_same("<td nowrap noshade=\"\">z</td><dl compact>");
  // The tree builder gives a valueless boolean attribute its name as value.
  CHECK(sanitize_html("<input checked>", options_with(true, {})) == "<input checked=\"checked\">");
}

TEST_CASE("Prefixed names keep their prefix in the stream too") {
  check_same("<o:p>x</o:p><x:script>y</x:script><svg:a href=j>z</svg:a><x:y:z a:b=c>w</x:y:z>");
}

TEST_CASE("A cut element's content and its second pass are the same") {
  check_same("<video><source src=a><track src=b>text after</video>");
  check_same("<wbr><!--c-->x<wbr><?php y ?>z<wbr>");
  check_same("safe<embed src=x.swf> <b>description</b><object data=x><p>rest");
  check_same("<object data=x><p>closed</p></object><applet>open");
  check_same("<image width=1 height=1>hung<p>under</p>");
  check_same("<source></source>x<source><source>y");
}

TEST_CASE("Script and style bodies are CDATA in the stream too") {
  check_same("<script>if (a<b && c>d) x('</p>')</script><style>p{color:red}</style>after");
  check_same("<p><style>a</style>b<script><!-- c --></script></p>");
}

TEST_CASE("The stream stops where the tree builder stops: 256 elements deep") {
  for (const int depth : {250, 254, 255, 256, 257, 258, 300, 2000}) {
    CAPTURE(depth);
    check_same(nested(depth, "div"));
    check_same(nested(depth, "span"));
    check_same(nested(depth, "b") + "<p>more</p>");
  }
}

TEST_CASE("Long runs of Chinese text read the same wherever they stand") {
  const std::string run = "中美作为世界上最大的发展中国家";
  check_same("<p>" + run + "</p>" + run + "<b>" + run + "</b> " + run);
  check_same("<a title=\"" + run + "\" href=" + run + ">x</a><img alt='" + run + " " + run + "'>");
  check_same("<a title=" + run + " " + run + ">unquoted values end at spaces</a>");
  check_same("&amp" + run + "; &" + run + "; &#" + run + "; &nbsp" + run);
  check_same("<?" + run + " x?>a<? " + run + ">b<!DOCTYPE " + run + " PUBLIC \"-//W3C//DTD HTML 4.01//EN\"> c");
  check_same("<!--" + run + "-->d<" + run + ">e</" + run + ">f<!" + run + ">");
  check_same("<script>" + run + "</script><style>" + run + "</style><textarea>" + run + "</textarea>");
  check_same("x" + run + " 1" + run + " _" + run + " :" + run + " -" + run);
  // Characters libxml2 does look at, and references that decode to the
  // planes the placeholders are taken from.
  check_same(run + "\xEF\xBF\xBF" + run + "\xEF\xBF\xBE" + run);
  check_same(run + "&#xF0000;" + run + "&#983040;" + run + "&#x10FFFD;");
  check_same(run + "\xF3\xB0\x80\x80" + run + "\xF4\x8F\xBF\xBD" + run);
  check_same(run + "\xC2\xA0" + run + "&nbsp;" + run);
}

TEST_CASE("Random tag soup gives the same bytes both ways") {
  std::mt19937 random(20261206);
  const std::vector<std::string> pieces = {
      "<p>",      "</p>",        "<div id=a>", "</div>",    "<a href=\"", "\">",       "<img src=x ", "width=1 height=1>",
      "<script>", "</",          "<",          ">",         "&",          "&#x",       ";",           "\"",
      "'",        "=",           "中文",       "\xFF",      "<!--",       "-->",       "<svg>",       "<table>",
      "<td>",     "<li>",        " ",          "\n",        "<style>",    "<b>",       "</b>",        "<![CDATA[",
      "]]>",      "<br/>",       "<tr>",       "<select>",  "<option>",   "<source>",  "<form>",      "<o:p>",
      "<x:y:z>",  "<image>",     "<caption>",  "<col>",     "<frameset>", "<noscript>", "<textarea>", "<title>",
      "<body>",   "<html>",      "<head>",     "</html>",   "</body>",    "<xmp>",     "<plaintext>", "<wbr>",
      "<object>", "</object>",   "<applet>",   "<embed>",   "<track>",    "<input checked>", "<?x y?>", "<!DOCTYPE html>",
      "<span class=x>", "</span>", "<meta>",   "<base>",    "<math>",     "<param>",   "<ruby><rt>",  "\xC2\xA0",
      "中美作为世界上最大的发展中国家", "“据新华社报道，有关部门”", "<a title=", "<?", "&amp", "&#x10000;", "\xEF\xBF\xBF", "a",
  };
  for (int round = 0; round < 20000; ++round) {
    std::string html;
    const int length = static_cast<int>(random() % 60);
    for (int i = 0; i < length; ++i) {
      if (random() % 8 == 0) {
        html += static_cast<char>(random() % 256);
      } else {
        html += pieces[random() % pieces.size()];
      }
    }
    check_same(html);
  }
}
