// The --json output, one object per file per line:
//   {"format","version","title","link","description","language","updated",
//    "recovered","entries":[{"title","url","guid","published","updated",
//    "author","summary","content","categories":[...]}]}
// Absent values are null; dates are RFC 3339 UTC; titles are plain text;
// description, summary and content are HTML as the default sanitize mode
// writes it. Without --base, relative references stay as written inside
// HTML, and a link that cannot be made absolute is null: a file on disk says
// nothing about where the feed lives, and feedparser's conformance corpus
// expects exactly that.

#include "daemon/parse_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/cli.h"
#include "fetchers/dates.h"
#include "fetchers/feed_parser.h"
#include "fetchers/html_sanitize.h"
#include "fetchers/html_text.h"
#include "fetchers/url.h"

namespace feedd {
namespace {

using Json = nlohmann::ordered_json;  // keys in the contract's order, for people reading it

struct ReadError {
  std::string message;
};

// The file's bytes, or why they cannot be had.
std::variant<std::string, ReadError> read_bytes(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) return ReadError{"is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return ReadError{fmt::format("cannot open: {}", std::strerror(errno))};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return ReadError{"read error"};
  return std::move(bytes).str();
}

Json text_or_null(const std::string& text) { return text.empty() ? Json() : Json(text); }

Json date_or_null(const std::optional<UnixMillis>& date) {
  return date ? Json(dates::format_rfc3339(*date)) : Json();
}

Json plain_text(const std::string& html) { return text_or_null(html_to_text(html)); }

// The one place feed HTML is published from: the default sanitize mode.
Json published_html(const std::string& html, const std::string& base) {
  if (html.empty()) return Json();
  SanitizeOptions options;
  options.base_url = base;
  return text_or_null(sanitize_html(html, options));
}

Json entry_json(const FeedEntry& entry) {
  Json categories = Json::array();
  for (const auto& category : entry.categories) categories.push_back(category);
  return Json{{"title", plain_text(entry.title)},
              {"url", text_or_null(entry.link)},
              {"guid", text_or_null(entry.guid)},
              {"published", date_or_null(entry.published)},
              {"updated", date_or_null(entry.updated)},
              {"author", text_or_null(entry.author)},
              {"summary", published_html(entry.summary, entry.summary_base)},
              {"content", published_html(entry.content, entry.content_base)},
              {"categories", std::move(categories)}};
}

Json feed_json(const Feed& feed) {
  Json entries = Json::array();
  for (const auto& entry : feed.entries) entries.push_back(entry_json(entry));
  return Json{{"format", text_or_null(feed.format)},
              {"version", text_or_null(feed.version)},
              {"title", plain_text(feed.title)},
              {"link", text_or_null(feed.link)},
              {"description", published_html(feed.description, feed.description_base)},
              {"language", text_or_null(feed.language)},
              {"updated", date_or_null(feed.updated)},
              {"recovered", feed.recovered},
              {"entries", std::move(entries)}};
}

std::string shown_date(const std::optional<UnixMillis>& date) {
  return date ? dates::format_rfc3339(*date) : std::string(20, ' ');
}

void print_summary(const std::string& path, const Feed& feed) {
  const std::string version = feed.version.empty() ? "" : " " + feed.version;
  const std::string_view recovered = feed.recovered ? " (recovered from broken XML)" : "";
  fmt::print("{}: {}{}{}, {} entr{}\n", path, feed.format, version, recovered,
             feed.entries.size(), feed.entries.size() == 1 ? "y" : "ies");
  fmt::print("  title:   {}\n", html_to_text(feed.title));
  if (!feed.link.empty()) fmt::print("  link:    {}\n", feed.link);
  if (!feed.language.empty()) fmt::print("  lang:    {}\n", feed.language);
  if (feed.updated) fmt::print("  updated: {}\n", dates::format_rfc3339(*feed.updated));
  for (const auto& entry : feed.entries) {
    const auto& date = entry.published ? entry.published : entry.updated;
    fmt::print("  {}  {}\n", shown_date(date), html_to_text(entry.title));
    if (!entry.link.empty()) fmt::print("  {:20}  {}\n", "", entry.link);
  }
}

// Parses and prints one file; false (after saying why on stderr) when it
// cannot be read or is no feed.
bool parse_one(const std::string& path, const ParseCommandOptions& options) {
  auto bytes = read_bytes(path);
  if (const auto* error = std::get_if<ReadError>(&bytes)) {
    fmt::print(stderr, "feedd parse: {}: {}\n", path, error->message);
    return false;
  }
  FeedParseOptions parse_options;
  parse_options.base_url = options.base_url.value_or("");
  parse_options.keep_raw = false;
  try {
    const Feed feed = parse_feed(std::get<std::string>(bytes), parse_options);
    if (options.json) {
      fmt::print("{}\n", feed_json(feed).dump(-1, ' ', false, Json::error_handler_t::replace));
    } else {
      print_summary(path, feed);
    }
  } catch (const FeedParseError& error) {
    fmt::print(stderr, "feedd parse: {}: {}\n", path, error.what());
    return false;
  }
  std::fflush(stdout);  // keeps stdout and stderr in file order for a reader of both
  return true;
}

}  // namespace

int command_parse(const ParseCommandOptions& options) {
  if (options.files.empty()) {
    fmt::print(stderr, "feedd parse: no FILE given; see 'feedd parse --help'\n");
    return exit_usage;
  }
  if (options.base_url && !url::is_absolute(*options.base_url)) {
    fmt::print(stderr, "feedd parse: --base: not an absolute URL: \"{}\"\n", *options.base_url);
    return exit_usage;
  }
  bool all_parsed = true;
  for (const auto& path : options.files) all_parsed = parse_one(path, options) && all_parsed;
  return all_parsed ? exit_ok : exit_source_failed;
}

}  // namespace feedd
