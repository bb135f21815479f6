// url::resolve and url::canonical on any text: an absolute URL or nothing,
// never a crash or undefined behaviour; and the identity form is a fixed
// point, so an entry seen twice keeps one identity; resolve's shortcut for
// plain absolute URLs agrees with curl.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fetchers/http/url.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void check_canonical(std::string_view text) {
  const auto identity = feedd::url::canonical(text);
  if (!identity) return;
  FUZZ_CHECK(feedd::url::canonical(*identity) == identity, "canonical(canonical(u)) == canonical(u)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // "base\nreference"; without a newline, the whole input is the reference
  // against a base with every part.
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view base =
      newline == std::string_view::npos ? "https://User@Example.COM:443/a/b/c;p?q=1&utm_source=x#frag"
                                        : input.substr(0, newline);
  const std::string_view reference = newline == std::string_view::npos ? input : input.substr(newline + 1);

  const auto resolved = feedd::url::resolve(base, reference);
  FUZZ_CHECK(resolved == feedd::url::resolve_by_curl(base, reference),
             "resolve's plain-URL shortcut gives what curl gives");
  if (resolved) {
    FUZZ_CHECK(feedd::url::is_absolute(*resolved), "resolve gives an absolute URL");
    check_canonical(*resolved);
  }
  check_canonical(reference);
  (void)feedd::url::host_of(reference);
  return 0;
}
