#include "fetchers/html/html_text.h"
#include "fetchers/html/tokenizer/token_text.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "tests/support/stderr_capture.h"

using feedd::html_to_text;
using feedd::test::StderrCapture;

TEST_CASE("Markup is stripped from titles") {
  CHECK(html_to_text("<b>a</b>") == "a");
  CHECK(html_to_text("Read <a href=\"/x\">the <em>full</em> story</a>") == "Read the full story");
  CHECK(html_to_text("<b>a</b> <i>b</i>") == "a b");
  CHECK(html_to_text("<span>a</span><span>b</span>") == "ab");
}

TEST_CASE("Line breaks and block elements separate words") {
  CHECK(html_to_text("one<br>two") == "one two");
  CHECK(html_to_text("<p>first</p><p>second</p>") == "first second");
  CHECK(html_to_text("<ul><li>a</li><li>b</li></ul>") == "a b");
}

TEST_CASE("Script and style content is not text") {
  CHECK(html_to_text("x<script>alert('<b>1</b>')</script>y<style>p{color:red}</style>z") == "xyz");
}

TEST_CASE("Named entities are decoded") {
  CHECK(html_to_text("AT&amp;T") == "AT&T");
  CHECK(html_to_text("&lt;tag&gt; &quot;q&quot; &copy;") == "<tag> \"q\" ©");
}

TEST_CASE("Numeric character references are decoded") {
  CHECK(html_to_text("&#x4e2d;&#x56FD;") == "中国");
  CHECK(html_to_text("&#20013;&#65;") == "中A");
}

TEST_CASE("Invalid numeric references are dropped without harm") {
  CHECK(html_to_text("a&#0;b&#xD800;c&#x110000;d") == "abcd");
}

TEST_CASE("Plain text with a bare ampersand or angle bracket comes out unchanged") {
  CHECK(html_to_text("AT&T") == "AT&T");
  CHECK(html_to_text("Q&A: tips & tricks") == "Q&A: tips & tricks");
  CHECK(html_to_text("1 < 2") == "1 < 2");
  CHECK(html_to_text("2 > 1") == "2 > 1");
  CHECK(html_to_text("a <= b >= c") == "a <= b >= c");
  CHECK(html_to_text("<b>1 < 2</b> & 2 > 1") == "1 < 2 & 2 > 1");
}

TEST_CASE("Runs of ASCII whitespace and non-breaking spaces become one space") {
  CHECK(html_to_text("  a \t\n\r b  ") == "a b");
  CHECK(html_to_text("a&nbsp;&nbsp; b") == "a b");
  CHECK(html_to_text("a\xC2\xA0\xC2\xA0"
                     "b") == "a b");
  CHECK(html_to_text("&nbsp;<b> a </b>&#160;") == "a");
  CHECK(html_to_text("<p>\n  a\n</p>\n<p>\n  b\n</p>") == "a b");
}

TEST_CASE("The ideographic space U+3000 is kept as written") {
  CHECK(html_to_text("新闻　联播") == "新闻　联播");
  CHECK(html_to_text("<b>新闻</b>　联播") == "新闻　联播");
}

TEST_CASE("Chinese text comes through intact") {
  constexpr std::string_view title = "韩正：中国重视与美开展应对气候变化对话合作";
  CHECK(html_to_text(title) == title);
  CHECK(html_to_text("<b>韩正</b>：中国重视与美开展应对气候变化对话合作") == title);
  CHECK(html_to_text("韩正：中国重视与美开展应对气候变化对话合作&amp;") ==
        std::string(title) + "&");
}

TEST_CASE("A charset declared inside the fragment does not change how it is read") {
  CHECK(html_to_text("<meta charset=\"iso-8859-1\">中文") == "中文");
}

TEST_CASE("Empty and markup-only input gives an empty string") {
  CHECK(html_to_text("") == "");
  CHECK(html_to_text("   \n ") == "");
  CHECK(html_to_text("<b></b>") == "");
  CHECK(html_to_text("<!-- only a comment -->") == "");
  CHECK(html_to_text("<br/><br/>") == "");
}

TEST_CASE("Invalid UTF-8 becomes U+FFFD and the rest survives") {
  CHECK(html_to_text("a\xFF"
                     "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(html_to_text("<b>\xE4\xB8</b>中") == "\xEF\xBF\xBD\xEF\xBF\xBD中");
  CHECK(html_to_text("\xC0\xAF<i>x</i>") == "\xEF\xBF\xBD\xEF\xBF\xBDx");               // overlong
  CHECK(html_to_text("\xED\xA0\x80&amp;") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD&");  // surrogate
  CHECK(html_to_text(std::string_view("a\0b", 3)) ==
        "a\xEF\xBF\xBD"
        "b");
}

TEST_CASE("Nesting past libxml2's limit of 256 levels ends the text there, without a crash") {
  const auto nested = [](int depth) {
    std::string html = "shallow ";
    for (int i = 0; i < depth; ++i) html += "<span>";
    return html + "deep";
  };
  CHECK(html_to_text(nested(250)) == "shallow deep");
  CHECK(html_to_text(nested(100000)) == "shallow");
}

TEST_CASE("libxml2 prints nothing on stderr, however broken the input") {
  StderrCapture capture;
  for (const std::string_view html : {
           std::string_view("<b>unclosed <i>tags"),
           std::string_view("</p></div>stray ends"),
           std::string_view("<<>>&#;&#x;&;&unknown;"),
           std::string_view("<a href='x>broken"),
           std::string_view("<![CDATA[x]]><?pi?><!DOCTYPE x>"),
           std::string_view("\xFF\xFE<b>\xC3</b>&#0;"),
           std::string_view("a\0b<b>", 6),
           std::string_view("<html><html><body><body>twice</body>"),
       }) {
    (void)html_to_text(html);
  }
  CHECK(capture.finish() == "");
}

// html_to_text reads most fragments with feedd's own tokenizer; its text is
// the one the walk over libxml2's tree gives (html_to_text_libxml2).
TEST_CASE("The tokenizer's text is libxml2's tree's, whichever reads the fragment") {
  for (const std::string_view html : {
           // Text first: libxml2 opens an implied <p>, which <form> closes.
           std::string_view("a<form>b</form>c"),
           std::string_view("a<center>b</center>c<b>d<div>e</div>f</b>g"),
           std::string_view("&amp;x<dir>y</dir>z"),
           std::string_view("  \n\tleading blanks<br>then"),
           // A start tag first, separating or not.
           std::string_view("<b>a</b><form>b</form>c"),
           std::string_view("<p>a<p>b<ul><li>c<li>d</ul>e"),
           std::string_view("<table><tr><td>a<td>b</table>c"),
           std::string_view("<template><p>t</p></template>x<section>y</section>z"),
           std::string_view("<img src=x alt=y>z<hr>w"),
           // Starts the tokenizer's document is not made for: libxml2 reads them.
           std::string_view("<title>t</title>x<b>y</b>"),
           std::string_view("<meta charset=x>a<form>b</form>"),
           std::string_view("<!-- c -->a<form>b</form>"),
           std::string_view("</p>a<form>b</form>"),
           std::string_view("\xEF\xBB\xBF"
                            "a<form>b</form>"),
           std::string_view("<o:p>a</o:p>b"),
           std::string_view("<frameset>a</frameset>b<form>c</form>"),
           // Whitespace collapsed a run at a time: C2 leading NBSP and ©.
           std::string_view("<b> \xC2\xA9 </b>\xC2\xA0\xC2\xA9\xC2\xA0 &nbsp;&copy;\t\n x \xC2\xA0"),
           std::string_view("\xC2\xA9&amp;\xC2\xA0\xC2"),
       }) {
    CAPTURE(html);
    CHECK(html_to_text(html) == feedd::html_to_text_libxml2(html));
  }
}

TEST_CASE("Entry contents are read by the tokenizer, not libxml2") {
  for (const std::string_view html : {
           std::string_view("<p>中美作为世界上<b>最大</b>的发展中国家&nbsp;&amp;</p><p>b<br>c</p>"),
           std::string_view("据新华社报道<a href=\"https://example.com/\">x</a>"),
           std::string_view("AT&amp;T"),
       }) {
    CAPTURE(html);
    CHECK(feedd::detail::text_from_tokens(html).has_value());
  }
  CHECK_FALSE(feedd::detail::text_from_tokens("<title>t</title>x").has_value());
  CHECK_FALSE(feedd::detail::text_from_tokens("<!-- c -->x<b>y</b>").has_value());
  CHECK_FALSE(feedd::detail::text_from_tokens("x<script>y</script>").has_value());
}
