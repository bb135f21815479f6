// The HTML fragments of a corpus, for the equality harnesses that read
// them two ways (sanitize_equality, text_equality): a file's fragments are
// the HTML fields of the feed it holds when it parses as one (feed
// description, entry titles, summaries and contents), its bytes as one
// fragment, and, as in the fuzz_sanitize corpus, its bytes after the first
// line with that line as a remove rule.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::test {

struct HtmlFragment {
  std::string where;
  std::string html;
  std::vector<std::string> rules;  // extra remove rules (the fuzz corpus's first line)
};

std::string read_whole_file(const std::filesystem::path& path);

std::vector<HtmlFragment> html_fragments_of(const std::filesystem::path& path);

// The files `path` names: itself, or every regular file under it, sorted.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& path);

// `text` cut for a report.
std::string shown(std::string_view text);

}  // namespace feedd::test
