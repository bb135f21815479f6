// roff_text: table prose made safe for man pages. The pages as a whole are
// rendered by groff in tests/daemon/cli/docs_test.sh.
#include <doctest/doctest.h>

#include "daemon/cli/man_page.h"

using feedd::roff_text;

TEST_CASE("Option dashes become \\- and hyphens inside words stay") {
  CHECK(roff_text("use --config FILE or -c") == "use \\-\\-config FILE or \\-c");
  CHECK(roff_text("per-host limits (--json)") == "per-host limits (\\-\\-json)");
  CHECK(roff_text("[--base URL]") == "[\\-\\-base URL]");
  CHECK(roff_text("--low-speed=3") == "\\-\\-low\\-speed=3");
}

TEST_CASE("A line starting with a period or apostrophe is not taken for a request") {
  CHECK(roff_text(".lock beside it") == "\\&.lock beside it");
  CHECK(roff_text("first\n'quoted' second") == "first\n\\&'quoted' second");
}

TEST_CASE("Backslashes are printed, backticks become bold, blank lines paragraphs") {
  CHECK(roff_text("a\\b") == "a\\eb");
  CHECK(roff_text("run `feedd once` now") == "run \\fBfeedd once\\fR now");
  CHECK(roff_text("an `unclosed one") == "an \\fBunclosed one\\fR");
  CHECK(roff_text("one\n\ntwo") == "one\n.PP\ntwo");
  CHECK(roff_text("  indented") == "indented");
  CHECK(roff_text("") == "");
}

TEST_CASE("Non-ASCII text is written as groff Unicode escapes") {
  CHECK(roff_text("美国之音") == "\\[u7F8E]\\[u56FD]\\[u4E4B]\\[u97F3]");
  CHECK(roff_text("a — b") == "a \\[u2014] b");
  CHECK(roff_text("\xff") == "\\[uFFFD]");
}
