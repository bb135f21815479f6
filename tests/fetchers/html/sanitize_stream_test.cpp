// sanitize_html reads libxml2's parse events; sanitize_html_tree walks the
// tree libxml2 builds from the same events, as the sanitizer did before.
// They must write the same bytes, also where the tree builder departs from
// the events (text outside any element, the depth limit, boolean
// attributes, prefixed names) and where the walk looks at a node's
// children (a cut element's content written in its place); inside SVG and
// MathML, with C1 references and non-ASCII links too.
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

// 20,000 fragments of fewer than `longest` pieces, a random byte instead
// of a piece one time in `byte_one_in`.
void check_random_soup(std::mt19937& random, const std::vector<std::string>& pieces, unsigned longest,
                       unsigned byte_one_in) {
  for (int round = 0; round < 20000; ++round) {
    std::string html;
    const int length = static_cast<int>(random() % longest);
    for (int i = 0; i < length; ++i) {
      if (random() % byte_one_in == 0) {
        html += static_cast<char>(random() % 256);
      } else {
        html += pieces[random() % pieces.size()];
      }
    }
    check_same(html);
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

TEST_CASE("SVG and MathML are kept and written the same both ways") {
  check_same("<svg version=1.1 baseprofile=full viewbox='0 0 10 10'><lineargradient id=g gradientunits=x>"
             "<stop offset=0 stop-color=red/></lineargradient><circle r=4 fill='url(#g)' onclick=x/></svg>");
  check_same("<svg><rect fill='url(https://t.example/p.svg#x)' stroke='u\\rl(x)' width=1/><image href=i.png/></svg>");
  check_same("<svg><use xlink:href=#g /><use href=https://t.example/s.svg#g /><use xlink:href=' #g'/></svg>");
  check_same("<svg><a xlink:href=/story xlink:title=t><text style='position:absolute;color:red'>t</text></a></svg>");
  check_same("<svg xmlns=http://evil.example/ xmlns:xlink=x><desc><abbr>foo</abbr><script>x</script></desc></svg>");
  check_same("<p xmlns:xlink=mine xlink:href=/x>html keeps its own</p><svg:svg><svg:script>y</svg:script></svg:svg>");
  check_same("<svg><animate attributename=href values=javascript:x /><set to=y/><foreignobject><b>f</b>"
             "</foreignobject><script>z</script><style>s</style></svg>after");
  check_same("<svg><desc><p>x</p><svg><title>t</title><g><br>in svg</g></svg><img src=a.png></desc></svg>");
  check_same("<svg><g><br>x<source>y<wbr>z<image width=1 height=1>w</g></svg><img width=1 height=1>v");
  check_same("<math><mrow xlink:type=simple xlink:href=http://golem.example/><mi>a</mi><mo>+</mo>"
             "<mi mathvariant=bold src=x.png>b</mi></mrow></math>");
  check_same("<math href=javascript:x><mi><b>x</b><math><mn>2</mn></math></mi><maction><mi>y</mi></maction>"
             "<annotation-xml encoding=text/html><img src=x onerror=1></annotation-xml></math>");
  check_same("<math><mtext><table><mglyph><style><img src=x></style></mglyph></table></mtext></math>after");
  check_same("<table><tr><td><svg><g><td>cell</g></svg><math><mi><tr>row</math></table>");
  check_same("<SVG VIEWBOX='0 0 1 1'><LinearGradient/><Path D=M0/></SVG><MATH><MI>x</MI></MATH>");
  check_same("<svg><svg><svg><g></svg>x</g></svg>y<math><math><mi>z</mi></math>");
  check_same("<object><svg><circle r=1/></svg><math><mi>fallback</mi></math>");
  check_same("<svg viewBox=\"0 9> <x\"9y id=\"g\"/><use xlink:href=\"#g\"/>");
  check_same("<svg><a><x:a>t</x:a></a><svg:title>u</svg:title></svg><math><mrow><x:mi>a</x:mi></mrow></math>");
}

TEST_CASE("C1 references read as HTML5 reads them in the stream too") {
  const std::string run = "中美作为世界上最大的发展中国家";
  check_same("<p>it&#146;s &#147;q&#148; &#x96; &#X97; &#128;&#153 &#129; &#8217;</p><a title='&#145;x&#146;'>t</a>");
  // Beside long runs of non-ASCII, which the stream hands to libxml2 as
  // placeholders: the mapping must not move where a run starts.
  check_same(run + "&#146;" + run + "&#146" + run + "&#x92" + run + "&#x92;" + run);
  check_same("<a title=\"" + run + "&#150;" + run + "\" href=/x&#128;" + run + ">" + run + "&#151</a>");
  check_same("<math><mi>x&#146;</mi></math><svg><text>&#147;" + run + "&#148;</text></svg>");
  check_same("&#0000146; &#x000092; &#1460; &#x920; &#14600000000; &#;&#x;&#146x &#x92g");
  const SanitizeOptions options = options_with(true, {});
  CHECK(sanitize_html(run + "&#146" + run, options) == run + "\xE2\x80\x99" + run);
  CHECK(sanitize_html("<a title=\"&#145;x&#146;\">t</a>", options) == "<a title=\"\xE2\x80\x98x\xE2\x80\x99\">t</a>");
}

TEST_CASE("Non-ASCII links resolve to IRIs both ways") {
  const std::string run = "中美作为世界上最大的发展中国家";
  check_same("<a href=\"/wiki/中国\">x</a><img src=\"图片.png\" srcset=\"图.png 2x, a b.png 3x\">");
  check_same("<a href=\"/wiki/" + run + "\">x</a><a href=/" + run + "?q=" + run + ">y</a>");
  check_same("<svg><a xlink:href=\"/wiki/中国\"><text>t</text></a></svg><a href=\"/%E4%B8%AD\">z</a>");
}

TEST_CASE("Random tag soup with SVG MathML and C1 references gives the same bytes both ways") {
  std::mt19937 random(20261207);
  const std::vector<std::string> pieces = {
      "<svg>",          "</svg>",        "<math>",       "</math>",     "<g>",        "</g>",      "<desc>",
      "</desc>",        "<title>",       "<mi>",         "</mi>",       "<mtext>",    "<mo>",      "<mglyph>",
      "<lineargradient id=g>", "<use xlink:href=\"", "#g\">", "<a xlink:href=\"", "/x\">", "</a>", "<text>",
      "<foreignobject>", "<annotation-xml>", "<animate>", "<set>",       "<image>",    "<circle r=1 fill=\"",
      "url(#g)",        "url(x)",        "\">",         "<p>",         "</p>",       "<b>",       "<br>",
      "<table>",        "<td>",          "<tr>",         "<source>",    "<wbr>",      "<object>",  "<script>",
      "<style>",        "</",            "<",            ">",           "&#146;",     "&#x92",     "&#128",
      "&#",             ";",             "\"",          "'",           "=",          " ",         "中文",
      "中美作为世界上最大的发展中国家", "<svg:svg>", "<x:use>", "<SVG VIEWBOX=1>", "<path d=M0 onclick=x>",
      "<mi mathvariant=bold>", "<body>", "</body>", "<html>", "\xC2\x80", "a",
  };
  check_random_soup(random, pieces, 50, 10);
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
  check_random_soup(random, pieces, 60, 8);
}
