// html_to_text (feedd's own tokenizer first) against html_to_text_libxml2
// (libxml2's tree alone) on any bytes, and on what sanitize_html writes of
// them, which is what the search text is made of: the same text, byte for
// byte, whichever reads the fragment.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/html_text.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FUZZ_CHECK(feedd::html_to_text(input) == feedd::html_to_text_libxml2(input),
             "the tokenizer's text is libxml2's tree's");
  feedd::SanitizeOptions options;
  options.base_url = "https://example.com/news/";
  const std::string sanitized = feedd::sanitize_html(input, options);
  FUZZ_CHECK(feedd::html_to_text(sanitized) == feedd::html_to_text_libxml2(sanitized),
             "the tokenizer's text of sanitized HTML is libxml2's tree's");
  return 0;
}
