// The equality harness of html_to_text: every HTML fragment found in the
// given files and folders (recursively; tests/support/html_fragments.h), and
// each one as sanitize_html writes it (what the search text is made of), is
// turned to text by html_to_text (feedd's own tokenizer, libxml2's tree
// where it refuses) and by html_to_text_libxml2 (libxml2's tree alone), and
// every difference is reported, with how many fragments each reader took.
//
//   text_equality PATH...     exit 0: all equal; 1: a difference; 2: usage
//
// ctest runs it over tests/data and seeds; BENCHMARKS.md says how it was
// run over the bench corpus and the fuzz corpora.
#include <cstdio>
#include <string>
#include <string_view>

#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/html_text.h"
#include "fetchers/html/tokenizer/token_text.h"
#include "fetchers/text/encoding.h"
#include "tests/support/html_fragments.h"

namespace {

struct Tally {
  std::size_t files = 0;
  std::size_t fields = 0;
  std::size_t plain = 0;      // no '<' or '&': neither reader is asked
  std::size_t tokenized = 0;  // read by feedd's tokenizer
  std::size_t fell_back = 0;  // refused by it: libxml2's tree
  std::size_t differences = 0;
};

void compare(const std::string& where, const std::string& html, Tally& tally) {
  ++tally.fields;
  const std::string valid = feedd::encoding::repair_utf8(html);
  if (valid.find_first_of("<&") == std::string::npos) {
    ++tally.plain;
  } else if (feedd::detail::text_from_tokens(valid)) {
    ++tally.tokenized;
  } else {
    ++tally.fell_back;
  }
  const std::string tokens = feedd::html_to_text(html);
  const std::string tree = feedd::html_to_text_libxml2(html);
  if (tokens == tree) return;
  if (++tally.differences <= 20) {
    std::printf("DIFFERENT: %s\n  input:  %s\n  tokens: %s\n  tree:   %s\n", where.c_str(),
                feedd::test::shown(html).c_str(), feedd::test::shown(tokens).c_str(),
                feedd::test::shown(tree).c_str());
  }
}

double percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: text_equality PATH...\n");
    return 2;
  }
  feedd::SanitizeOptions options;
  options.base_url = "https://example.com/news/feed.xml";
  Tally raw;
  Tally sanitized;
  for (int i = 1; i < argc; ++i) {
    for (const auto& file : feedd::test::files_under(argv[i])) {
      ++raw.files;
      ++sanitized.files;
      for (const feedd::test::HtmlFragment& fragment : feedd::test::html_fragments_of(file)) {
        compare(fragment.where, fragment.html, raw);
        compare(fragment.where + " sanitized", feedd::sanitize_html(fragment.html, options), sanitized);
      }
    }
  }
  for (const auto& [name, tally] : {std::pair<const char*, const Tally&>{"as found", raw}, {"sanitized", sanitized}}) {
    const std::size_t asked = tally.tokenized + tally.fell_back;
    std::printf("%s: %zu files, %zu fields, %zu different; %zu plain text; of the %zu with markup the tokenizer "
                "read %zu (%.1f%%), libxml2 %zu (%.1f%%)\n",
                name, tally.files, tally.fields, tally.differences, tally.plain, asked, tally.tokenized,
                percent(tally.tokenized, asked), tally.fell_back, percent(tally.fell_back, asked));
  }
  return raw.differences + sanitized.differences == 0 ? 0 : 1;
}
