// feedd's own HTML tokenizer against libxml2 on any bytes, as the sanitizer
// hands a fragment over ("<body>" and the fragment as valid UTF-8): when the
// tokenizer reads a document rather than refusing it, its events are
// libxml2's; refused, it has kept no token; and sanitize_html (the tokenizer
// first) writes the bytes sanitize_html_libxml2 (libxml2 alone) writes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/tokenizer/html_tokens.h"
#include "fetchers/text/encoding.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/html_event_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string document = "<body>" + feedd::encoding::repair_utf8(input);

  feedd::detail::HtmlTokens tokens;
  if (tokens.read(document)) {
    const std::optional<std::string> read = feedd::test::tokenizer_events(document);
    FUZZ_CHECK(read.has_value(), "read_html_tokens reads what HtmlTokens reads");
    FUZZ_CHECK(*read == feedd::test::libxml2_events(document), "the tokenizer's events are libxml2's");
  } else {
    FUZZ_CHECK(tokens.tokens().empty(), "a refused document leaves no token");
  }

  feedd::SanitizeOptions options;
  options.base_url = "https://example.com/news/";
  FUZZ_CHECK(feedd::sanitize_html(input, options) == feedd::sanitize_html_libxml2(input, options),
             "the tokenizer's sanitized bytes are libxml2's");
  options.strip_active = false;
  FUZZ_CHECK(feedd::sanitize_html(input, options) == feedd::sanitize_html_libxml2(input, options),
             "the tokenizer's sanitized bytes are libxml2's with active content kept");
  return 0;
}
