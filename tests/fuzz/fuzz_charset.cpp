// Charset detection and decoding on any bytes, as a document that declares
// nothing (so the statistical guess runs) and under a few labels: the
// result is always well-formed UTF-8 without NUL, a guess names a charset,
// and nothing crashes, leaks or invokes undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fetchers/text/charset_guess.h"
#include "fetchers/text/encoding.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view document(reinterpret_cast<const char*>(data), size);
  for (const std::string_view content_type : {"", "text/xml; charset=big5", "text/xml; charset=utf-16"}) {
    const feedd::encoding::Utf8Document text = feedd::encoding::to_utf8(document, content_type);
    FUZZ_CHECK(feedd::encoding::is_valid_utf8(text.text()), "decoded text is UTF-8 without NUL");
    FUZZ_CHECK(feedd::fuzz::is_utf8(text.text()), "decoded text is UTF-8");
  }
  if (const auto guess = feedd::encoding::guess_legacy_charset(document)) {
    FUZZ_CHECK(!guess->empty(), "a guess names a charset");
  }
  return 0;
}
