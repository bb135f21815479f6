// The equality harness of the streaming sanitizer: every HTML fragment found
// in the given files and folders (recursively; tests/support/html_fragments.h)
// is sanitized both ways,
// sanitize_html (feedd's own tokenizer, libxml2's parse events where it
// refuses), sanitize_html_libxml2 (libxml2's parse events for every
// fragment) and sanitize_html_tree (libxml2's tree, the sanitizer as it
// was), under several option sets, and every difference is reported, with
// how many fragments the tokenizer read itself. A file's fragments are the HTML fields of the
// feed it holds when it parses as one (feed description, entry titles,
// summaries and contents), its bytes as one fragment, and, as in the
// fuzz_sanitize corpus, its bytes after the first line with that line as a
// remove rule. Every http(s) URL in the files is also resolved both ways:
// url::resolve (with its shortcut for plain absolute URLs) and curl alone.
//
//   sanitize_equality PATH...     exit 0: all equal; 1: a difference; 2: usage
//
// ctest runs it over tests/data and seeds/feeds; BENCHMARKS.md says how it
// was run over the bench corpus and the fuzz corpora.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/html/element_rules.h"
#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/tokenizer/html_tokens.h"
#include "fetchers/http/plain_url.h"
#include "fetchers/http/url.h"
#include "fetchers/text/encoding.h"
#include "tests/support/html_fragments.h"

namespace {

struct OptionSet {
  std::string name;
  feedd::SanitizeOptions options;
};

feedd::SanitizeOptions with(std::string base, bool strip_active, const std::vector<std::string>& rules) {
  feedd::SanitizeOptions options;
  options.base_url = std::move(base);
  options.strip_active = strip_active;
  options.remove = feedd::parse_element_rules(rules);
  return options;
}

// The default mode, and ones that reach the other branches: active content
// kept (CDATA written raw, object and embed cut by rule instead of dropped),
// elements cut by attribute rules, void and fallback elements cut so their
// content is written in their place.
std::vector<OptionSet> option_sets() {
  const std::string base = "https://example.com/news/feed.xml";
  return {
      {"default", with(base, true, {})},
      {"no base", with("", true, {})},
      {"active kept", with(base, false, {})},
      {"rules", with(base, true, {"div.ad", "[id^=dfp]", "a[href*=\"feedx.net\"]", "span[style]", "p.note"})},
      {"cut voids", with(base, true, {"source", "wbr", "img", "br", "embed", "track", "image", "p"})},
      {"active kept, cut", with(base, false, {"object", "applet", "embed", "script", "iframe", "source"})},
  };
}

using Fragment = feedd::test::HtmlFragment;
using feedd::test::shown;

struct Tally {
  std::size_t files = 0;
  std::size_t fragments = 0;
  std::size_t comparisons = 0;
  std::size_t differences = 0;
  std::size_t urls = 0;
  std::size_t plain_urls = 0;
  std::size_t tokenized = 0;  // fragments feedd's tokenizer read without libxml2
};

// Whether feedd's tokenizer reads the fragment itself, as sanitize_html
// hands it over (the first pass; a second one reads the first's output).
bool tokenizer_reads(std::string_view html) {
  thread_local feedd::detail::HtmlTokens tokens;
  const std::string document = "<body>" + (feedd::encoding::is_valid_utf8(html) ? std::string(html)
                                                                                 : feedd::encoding::repair_utf8(html));
  return tokens.read(document);
}

void compare(const Fragment& fragment, const std::vector<OptionSet>& sets, Tally& tally) {
  ++tally.fragments;
  if (tokenizer_reads(fragment.html)) ++tally.tokenized;
  for (const OptionSet& set : sets) {
    feedd::SanitizeOptions options = set.options;
    std::string name = set.name;
    if (!fragment.rules.empty()) {
      try {
        const auto extra = feedd::parse_element_rules(fragment.rules);
        options.remove.insert(options.remove.end(), extra.begin(), extra.end());
        name += " + " + fragment.rules.front();
      } catch (const std::invalid_argument&) {
        continue;  // the first line is no rule: the bytes as a whole cover it
      }
    }
    ++tally.comparisons;
    const std::string stream = feedd::sanitize_html(fragment.html, options);
    const std::string tree = feedd::sanitize_html_tree(fragment.html, options);
    const std::string events = feedd::sanitize_html_libxml2(fragment.html, options);
    if (stream == tree && stream == events) continue;
    if (++tally.differences <= 20) {
      std::printf("DIFFERENT: %s [%s]\n  input:  %s\n  stream: %s\n  libxml2 events: %s\n  tree:   %s\n",
                  fragment.where.c_str(), name.c_str(), shown(fragment.html).c_str(), shown(stream).c_str(),
                  shown(events).c_str(), shown(tree).c_str());
    }
  }
}

// Every http(s) URL in the bytes (up to a quote, bracket or whitespace) is
// resolved with url::resolve's plain-URL shortcut and by curl alone.
void compare_urls(const std::filesystem::path& path, Tally& tally) {
  const std::string bytes = feedd::test::read_whole_file(path);
  constexpr std::string_view kBase = "https://example.com/news/feed.xml";
  for (std::size_t at = bytes.find("http"); at != std::string::npos; at = bytes.find("http", at + 1)) {
    const std::size_t end = std::min(bytes.find_first_of("\"'<> \t\r\n", at), bytes.size());
    const std::string_view reference = std::string_view(bytes).substr(at, std::min<std::size_t>(end - at, 2000));
    if (!reference.starts_with("http://") && !reference.starts_with("https://")) continue;
    ++tally.urls;
    if (feedd::url::detail::plain_absolute(reference)) ++tally.plain_urls;
    const auto shortcut = feedd::url::resolve(kBase, reference);
    const auto curl = feedd::url::resolve_by_curl(kBase, reference);
    if (shortcut == curl) continue;
    if (++tally.differences <= 20) {
      std::printf("DIFFERENT URL: %s\n  input:    %s\n  resolve:  %s\n  curl:     %s\n", path.c_str(),
                  shown(reference).c_str(), shortcut.value_or("(none)").c_str(), curl.value_or("(none)").c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sanitize_equality PATH...\n");
    return 2;
  }
  const std::vector<OptionSet> sets = option_sets();
  Tally tally;
  for (int i = 1; i < argc; ++i) {
    for (const auto& file : feedd::test::files_under(argv[i])) {
      ++tally.files;
      for (const Fragment& fragment : feedd::test::html_fragments_of(file)) compare(fragment, sets, tally);
      compare_urls(file, tally);
    }
  }
  std::printf("%zu files, %zu fragments, %zu comparisons (%zu option sets), %zu URLs (%zu plain), %zu different\n",
              tally.files, tally.fragments, tally.comparisons, sets.size(), tally.urls, tally.plain_urls,
              tally.differences);
  std::printf("feedd's tokenizer read %zu of the %zu fragments (%.1f%%); libxml2 read the other %zu\n", tally.tokenized,
              tally.fragments, tally.fragments == 0 ? 0.0 : 100.0 * static_cast<double>(tally.tokenized) /
                                                                static_cast<double>(tally.fragments),
              tally.fragments - tally.tokenized);
  return tally.differences == 0 ? 0 : 1;
}
