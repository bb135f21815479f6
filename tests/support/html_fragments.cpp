#include "tests/support/html_fragments.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <iterator>

#include "fetchers/feed/feed_parser.h"

namespace feedd::test {
namespace {

void add_feed_fields(const std::string& where, std::string_view bytes, std::vector<HtmlFragment>& out) {
  feedd::Feed feed;
  try {
    feedd::FeedParseOptions options;
    options.keep_raw = false;
    feed = feedd::parse_feed(bytes, options);
  } catch (const std::exception&) {
    return;  // not a feed: its bytes are still read as one fragment
  }
  out.push_back({where + " description", feed.description, {}});
  for (std::size_t i = 0; i < feed.entries.size(); ++i) {
    const auto& entry = feed.entries[i];
    const std::string at = where + " entry " + std::to_string(i);
    out.push_back({at + " title", entry.title, {}});
    out.push_back({at + " summary", entry.summary, {}});
    out.push_back({at + " content", entry.content, {}});
  }
}

}  // namespace

std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<HtmlFragment> html_fragments_of(const std::filesystem::path& path) {
  const std::string bytes = read_whole_file(path);
  const std::string where = path.string();
  std::vector<HtmlFragment> out;
  add_feed_fields(where, bytes, out);
  out.push_back({where + " bytes", bytes, {}});
  const std::size_t newline = bytes.find('\n');
  if (newline != std::string::npos && newline > 0 && newline < 200) {
    out.push_back({where + " after its rule line", bytes.substr(newline + 1), {bytes.substr(0, newline)}});
  }
  std::erase_if(out, [](const HtmlFragment& fragment) { return fragment.html.empty(); });
  return out;
}

std::vector<std::filesystem::path> files_under(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  } else {
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string shown(std::string_view text) {
  constexpr std::size_t kMost = 600;
  std::string out(text.substr(0, kMost));
  if (text.size() > kMost) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace feedd::test
