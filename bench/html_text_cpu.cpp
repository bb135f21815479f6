// CPU per entry of html_to_text, feedd's tokenizer first (what `feedd once`
// runs for each entry's search text) against the walk over libxml2's tree
// (html_to_text_libxml2, as it was): every entry content of the feeds
// given, as found (content = "raw") and as sanitize_html writes it
// (content = "sanitize"), turned to text by each in interleaved rounds on
// one thread. Prints the median ms per entry of each, their ratio, and
// whether every text was the same.
//
//   html_text_cpu [--rounds N] FILE|DIR...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fetchers/feed/feed_parser.h"
#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/html_text.h"
#include "tests/support/html_fragments.h"

namespace {

std::vector<std::string> contents_of(const std::filesystem::path& file) {
  const std::string bytes = feedd::test::read_whole_file(file);
  std::vector<std::string> contents;
  try {
    feedd::FeedParseOptions options;
    options.keep_raw = false;
    for (const feedd::FeedEntry& entry : feedd::parse_feed(bytes, options).entries) {
      contents.push_back(entry.content.empty() ? entry.summary : entry.content);
    }
  } catch (const std::exception&) {
  }
  return contents;
}

// Seconds to turn every field to text with `convert`; `sink` keeps the
// results observable so nothing is optimised away.
template <typename Convert>
double timed(const std::vector<std::string>& fields, Convert convert, std::size_t& sink) {
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& field : fields) sink += convert(field).size();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void measure(const char* name, const std::vector<std::string>& fields, int rounds) {
  std::size_t same = 0;
  for (const std::string& field : fields) same += feedd::html_to_text(field) == feedd::html_to_text_libxml2(field);
  std::vector<double> tokens;
  std::vector<double> tree;
  std::size_t sink = 0;
  for (int round = 0; round < rounds; ++round) {
    tokens.push_back(timed(fields, [](const std::string& f) { return feedd::html_to_text(f); }, sink));
    tree.push_back(timed(fields, [](const std::string& f) { return feedd::html_to_text_libxml2(f); }, sink));
  }
  const double per = 1000.0 / static_cast<double>(fields.size());
  std::printf("%-9s %zu entries, %zu texts the same: html_to_text %.4f ms/entry, html_to_text_libxml2 %.4f ms/entry, "
              "%.2fx (medians of %d interleaved rounds; %zu)\n",
              name, fields.size(), same, median(tokens) * per, median(tree) * per, median(tree) / median(tokens),
              rounds, sink % 10);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7;
  std::vector<std::string> raw;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
      continue;
    }
    for (const auto& file : feedd::test::files_under(arg)) {
      for (std::string& content : contents_of(file)) raw.push_back(std::move(content));
    }
  }
  if (raw.empty()) {
    std::fprintf(stderr, "usage: html_text_cpu [--rounds N] FILE|DIR... (no entry found)\n");
    return 2;
  }
  feedd::SanitizeOptions options;
  options.base_url = "https://example.com/news/feed.xml";
  std::vector<std::string> sanitized;
  for (const std::string& content : raw) sanitized.push_back(feedd::sanitize_html(content, options));
  measure("raw", raw, rounds);
  measure("sanitized", sanitized, rounds);
  return 0;
}
