// sanitize_html on any bytes, with a remove rule taken from the input's
// first line (element, attribute or :contains rules; a rule that does not
// parse is a std::invalid_argument and leaves the rules empty), and
// allowed_style on the same bytes: UTF-8 out, the same bytes as the walk
// over libxml2's tree (sanitize_html_tree) and as libxml2's events alone
// (sanitize_html_libxml2, without feedd's tokenizer), stable on a second pass, no
// script element or event handler left, never a crash, a leak or undefined
// behaviour; and the AVX2 UTF-8 check agrees with the byte-wise one.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/html/css_filter.h"
#include "fetchers/html/element_rules.h"
#include "fetchers/html/html_sanitize.h"
#include "fetchers/text/encoding.h"
#include "fetchers/text/utf8_simd.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view rule = newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  const std::string_view html = newline == std::string_view::npos ? input : input.substr(newline + 1);

  feedd::SanitizeOptions options;
  options.base_url = "https://example.com/news/";
  if (!rule.empty()) {
    try {
      options.remove = feedd::parse_element_rules({std::string(rule)});
    } catch (const std::invalid_argument&) {
    }
  }
  if (feedd::encoding::detail::has_avx2()) {
    FUZZ_CHECK(feedd::encoding::detail::is_valid_utf8_avx2(input) == feedd::encoding::is_valid_utf8_bytewise(input),
               "the AVX2 UTF-8 check answers as the byte-wise one");
  }
  const std::string once = feedd::sanitize_html(html, options);
  FUZZ_CHECK(feedd::fuzz::is_utf8(once), "sanitized HTML is UTF-8");
  // The tree is the reference the stream was proven against before it took
  // over. Past a NUL, libxml2 2.9.14's tree builder drops the text of an
  // unknown reference with a long name ("&JJJ…" then NUL: the stream and the
  // events keep it, the tree loses it; BENCHMARKS.md, "The sanitizer reads a
  // stream"), so inputs with a NUL are held to libxml2's events only.
  if (html.find('\0') == std::string_view::npos) {
    FUZZ_CHECK(feedd::sanitize_html_tree(html, options) == once, "the stream writes what the tree walk writes");
  }
  FUZZ_CHECK(feedd::sanitize_html_libxml2(html, options) == once, "the tokenizer writes what libxml2's events write");
  FUZZ_CHECK(feedd::sanitize_html(once, options) == once, "sanitizing twice gives the same as once");
  // Never written, in HTML, SVG or MathML. Camel case is only ever the SVG
  // writer's own spelling, so a camel-case name here is one it let through.
  for (const std::string_view tag : {"<script>", "<script ", "<style>", "<style ", "<foreignObject", "<animateMotion",
                                     "<animateTransform", "<animateColor"}) {
    FUZZ_CHECK(once.find(tag) == std::string::npos, "no script, style, foreignObject or SVG animation survives");
  }

  const std::string style = feedd::allowed_style(html);
  FUZZ_CHECK(feedd::allowed_style(style) == style, "the style filter is stable");
  for (const std::string_view banned : {"url(", "\\", "/*"}) {
    FUZZ_CHECK(style == html || style.find(banned) == std::string::npos, "a filtered style holds nothing banned");
  }
  return 0;
}
