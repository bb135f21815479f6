// feedd's HTML tokenizer gives the events libxml2 gives, for every document
// it does not refuse: the start-tag closing table and the void elements for
// every pair of names it holds, chosen cases of references, attributes and
// comments, the constructs it must refuse, and random tag soup (the
// sanitizer's output over whole corpora is compared by sanitize_equality,
// and any input by the fuzz targets fuzz_html_tokens and fuzz_sanitize).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/html/tokenizer/html_tokens.h"
#include "fetchers/html/tokenizer/text_scan.h"
#include "tests/support/html_event_log.h"

using feedd::test::libxml2_events;
using feedd::test::tokenizer_events;

namespace {

// The names the tokenizer reads (every element libxml2 2.9 knows that it
// does not refuse) and names libxml2 does not know.
const std::vector<std::string_view> kNames = {
    "a",       "abbr",     "acronym", "address", "applet", "area",    "b",      "basefont", "bdo",    "big",
    "blockquote", "br",    "button",  "caption", "center", "cite",    "code",   "col",      "colgroup", "dd",
    "del",     "dfn",      "dir",     "div",     "dl",     "dt",      "em",     "embed",    "fieldset", "font",
    "form",    "h1",       "h2",      "h3",      "h4",     "h5",      "h6",     "hr",       "i",      "img",
    "input",   "ins",      "kbd",     "label",   "legend", "li",      "map",    "menu",     "object", "ol",
    "optgroup", "option",  "p",       "param",   "pre",    "q",       "s",      "samp",     "select", "small",
    "span",    "strike",   "strong",  "sub",     "sup",    "table",   "tbody",  "td",       "tfoot",  "th",
    "thead",   "tr",       "tt",      "u",       "ul",     "var",     "section", "figure",  "picture", "source",
    "video",   "wbr",      "image",   "nobr",    "svg",    "math",    "x-y",    "h7",
};

// The tokenizer reads `document` and gives libxml2's events.
void check_read(const std::string& document) {
  CAPTURE(document);
  const auto tokens = tokenizer_events(document);
  REQUIRE(tokens.has_value());
  CHECK(*tokens == libxml2_events(document));
}

void check_refused(const std::string& document) {
  CAPTURE(document);
  CHECK_FALSE(tokenizer_events(document).has_value());
  feedd::detail::HtmlTokens tokens;
  CHECK_FALSE(tokens.read(document));
  CHECK(tokens.tokens().empty());
}

}  // namespace

TEST_CASE("Every start tag closes the open element exactly when libxml2's does") {
  int documents = 0;
  for (const std::string_view open : kNames) {
    for (const std::string_view opened : kNames) {
      const std::string o(open);
      const std::string n(opened);
      check_read("<body><div><" + o + ">a<" + n + " id=\"x\">b");
      check_read("<body><" + o + "><" + n + "/>c");
      documents += 2;
    }
  }
  CHECK(documents == 2 * static_cast<int>(kNames.size() * kNames.size()));
}

TEST_CASE("Start tags close the innermost element again and again as libxml2's do") {
  check_read("<body><p><b><i>a<p>b<p>c");
  check_read("<body><ul><li>a<li>b<ul><li>c<li>d</li></ul><li>e</li></ul>");
  check_read("<body><table><tr><td>a<td>b<tr><th>c<td>d</td></tr></table>");
  check_read("<body><dl><dt>a<dd>b<dt>c<dd>d</dd></dl>");
  check_read("<body><select><option>a<option>b<optgroup><option>c</option></optgroup></select>");
  check_read("<body><p>a<div>b</div><p>c<h1>d</h1><a href=\"x\">e<a href=\"y\">f</a>");
}

TEST_CASE("References in text and attribute values read as libxml2 reads them") {
  check_read("<body>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &nbsp;&copy;&eacute;&hellip;");
  check_read("<body>&#65;&#x4E2D;&#X4e2d;&#128512;&#x1F600;&#9;&#10;&#13;&#160;");
  check_read("<body>&unknown; &x=1 & y &; &- &_a &:b; &a.b; &AMP; &Amp;");
  check_read("<body><a href=\"/?a=1&b=2&amp;c=3&utm_source=x&copy=4&copy;\" title='&lt;&gt;&#34;'>x</a>");
  check_read("<body><a href=/?a=1&amp;b=2 title=x&y>x</a><img alt=\"&\" src='&#x41;'>");
}

TEST_CASE("Attributes read as libxml2 reads them") {
  check_read("<body><IMG SRC=\"a.png\" Alt='x' WIDTH=10 height = \"20\" data-x_y.z:w=\"1\">");
  check_read("<body><input checked disabled value><option selected>x</option><td nowrap>y");
  check_read("<body><a href=\"1\" href=\"2\" HREF=3 title=\"a\"title=\"b\">x</a>");
  check_read("<body><p class=\"a>b\" id='c\"d' title=\"中文 <b>\">e</p>");
  check_read("<body><br/><hr/><div/><span />x<p\n class=\"a\"\n>y</p >");
  check_read("<body><a href=\"x\"y title=a=b<c\"d'e`f>g</a>");
}

TEST_CASE("Comments, void elements and end tags read as libxml2 reads them") {
  check_read("<body>a<!-- b -->c<!---->d<!-- <p> -- - -->e<!--x--y-->f");
  check_read("<body><p>a<br>b<img src=x>c</p><hr>d<col><area><param><basefont><input>");
  check_read("<body><div><p>a</p><p>b</p></div><source><track><wbr><embed>c</embed>");
  check_read("<body>  \n <p> </p>\n\t<b>  </b>");
  check_read("<body>中美作为世界上最大的发展中国家，<b>“据新华社报道”</b>\xC2\xA0\xEF\xBC\x8C");
  check_read("<body>");
}

TEST_CASE("What the tokenizer does not model is refused before any token is kept") {
  for (const std::string& document : {
           std::string("<p>no leading body"), std::string("<body><p>a</div>"), std::string("<body><b><i>a</b>"),
           std::string("<body></p>"), std::string("<body><script>x</script>"), std::string("<body><style>x</style>"),
           std::string("<body><title>x</title>"), std::string("<body><textarea>x</textarea>"),
           std::string("<body><!DOCTYPE html>"), std::string("<body><?pi x?>"), std::string("<body><![CDATA[x]]>"),
           std::string("<body>a\r\nb"), std::string("<body>a\x01"), std::string("<body>&#150;"),
           std::string("<body>&#0;"), std::string("<body>&#65"), std::string("<body>&#xD800;"),
           std::string("<body>&中"), std::string("<body>&amp"), std::string("<body><a href=>x</a>"),
           std::string("<body><p"), std::string("<body><p class=\"x"), std::string("<body><o:p>x</o:p>"),
           std::string("<body><a_b>"), std::string("<body><p 1=2>"), std::string("<body>a < b"),
           std::string("<body>a <"), std::string("<body></ p>"), std::string("<body><!-->x-->"),
           std::string("<body><!-- a --!> b -->"), std::string("<body><!-- open"), std::string("<body>\xEF\xBF\xBE"),
           std::string("<body><html>"), std::string("<body><body>"), std::string("<body></body>x"),
           std::string("<body><head>"), std::string("<body><meta charset=x>"), std::string("<body><iframe>"),
           std::string("<body><xmp><b></xmp>"), std::string("<body><br/ >"),
           std::string("<body><ul><li>a</ul>"), std::string("<body><p>a<hr>b</p>"),
       }) {
    check_refused(document);
  }
  std::string deep = "<body>";
  for (int i = 0; i < 300; ++i) deep += "<span>";
  check_refused(deep);
}

TEST_CASE("Random tag soup reads as libxml2 reads it whenever the tokenizer reads it") {
  std::mt19937 random(20261206);
  const std::vector<std::string> pieces = {
      "<p>",     "</p>",       "<div id=a>", "</div>",    "<a href=\"", "\">",      "<img src=x ", "width=1 height=1>",
      "<",       ">",          "&",          "&#x",       ";",          "\"",       "'",           "=",
      "中文",    "<!--",       "-->",        "<table>",   "<td>",       "<li>",     " ",           "\n",
      "<b>",     "</b>",       "<br/>",      "<tr>",      "<select>",   "<option>", "<source>",    "<form>",
      "<caption>", "<col>",    "<wbr>",      "<object>",  "</object>",  "<embed>",  "<input checked>", "</span>",
      "<span class=x>", "</li>", "</td>",    "</tr>",     "</table>",   "<ul>",     "</ul>",       "<h2>",
      "</h2>",   "&amp;",      "&lt;",       "&nbsp;",    "&#20013;",   "&#x4E2D;", "&x=y",        "&copy",
      "中美作为世界上最大的发展中国家", "“据新华社报道，有关部门”", "<a title=", "a", "/>", "<dl>", "<dt>", "<dd>",
  };
  int read = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string document = "<body>";
    const int length = static_cast<int>(random() % 40);
    for (int i = 0; i < length; ++i) document += pieces[random() % pieces.size()];
    CAPTURE(document);
    const auto tokens = tokenizer_events(document);
    if (!tokens) continue;
    ++read;
    CHECK(*tokens == libxml2_events(document));
  }
  // The soup must reach the tokenizer often enough to say something.
  CHECK(read > 1500);
  MESSAGE("the tokenizer read " << read << " of 20,000 random documents");
}

TEST_CASE("The AVX2 scan for the end of a run of text agrees with the byte-wise one") {
  const std::string prose = "中美作为世界上最大的发展中国家，“据新华社报道”\t\n abc \xEF\xBC\x8C";
  int compared = 0;
  for (const char stop : {'<', '&', '\x01', '\r', '\x1F', '\x7F', '\x0C', '\0'}) {
    for (std::size_t length = 0; length < 130; length += 7) {
      for (std::size_t at = 0; at <= length; ++at) {
        std::string text;
        while (text.size() < length) text += prose;
        text.resize(length);
        if (at < length) text[at] = stop;
        for (const std::size_t from : {std::size_t{0}, at / 2, at}) {
          CAPTURE(length);
          CAPTURE(at);
          CAPTURE(from);
          CHECK(feedd::detail::end_of_text(text, from) == feedd::detail::end_of_text_bytewise(text, from));
          ++compared;
        }
      }
    }
  }
  CHECK(compared > 10000);
}

TEST_CASE("A fragment of megabytes reads as libxml2 reads it and the next one still does") {
  std::string huge = "<body>";
  while (huge.size() < (3 << 20)) huge += "<p class=\"a\">中美作为世界上最大的发展中国家&amp;<b>x</b></p>\n";
  check_read(huge);
  check_read("<body><p>small after huge</p>");
}
