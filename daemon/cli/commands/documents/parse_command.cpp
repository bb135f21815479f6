// The --json output, one object per file per line:
//   {"format","version","title","link","description","language","updated",
//    "recovered","guessed_charset","entries":[{"title","url","guid","published","updated",
//    "author","summary","content","categories":[...],
//    "enclosures":[{"url","type","length"}]}]}
// Absent values are null; dates are RFC 3339 UTC; titles are plain text;
// description, summary and content are HTML as the default sanitize mode
// writes it. Without --base, relative references stay as written inside
// HTML, and a link that cannot be made absolute is null: a file on disk says
// nothing about where the feed lives, and feedparser's conformance corpus
// expects exactly that.

#include "daemon/cli/commands/documents/parse_command.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

#include "daemon/runtime/exit_status.h"
#include "daemon/cli/output/in_order.h"
#include "daemon/cli/output/json_string.h"
#include "fetchers/feed/dates.h"
#include "fetchers/feed/feed_parser.h"
#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/html_text.h"
#include "fetchers/http/url.h"

namespace feedd {
namespace {

struct ReadError {
  std::string message;
};

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};
using FileHandle = std::unique_ptr<std::FILE, FileCloser>;

// The file's bytes, or why they cannot be had. Read straight into one
// string sized from the file: feeds can be megabytes, and copying them
// through a stream cost as much as parsing them.
std::variant<std::string, ReadError> read_bytes(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) return ReadError{"is a directory"};
  const FileHandle file(std::fopen(path.c_str(), "rb"));
  if (!file) return ReadError{fmt::format("cannot open: {}", std::strerror(errno))};
  struct stat status {};
  const bool sized = fstat(fileno(file.get()), &status) == 0 && S_ISREG(status.st_mode);
  std::string bytes(sized ? static_cast<std::size_t>(status.st_size) : 0, '\0');
  const std::size_t expected = bytes.size();
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file.get()));
  if (bytes.size() == expected) {
    // On to the end, whatever the size said: a pipe has none, a file may grow.
    char chunk[64 * 1024];
    while (const std::size_t got = std::fread(chunk, 1, sizeof chunk, file.get())) bytes.append(chunk, got);
  }
  if (std::ferror(file.get())) return ReadError{"read error"};
  return bytes;
}

// ---- --json ------------------------------------------------------------------
// Written straight into one buffer, in the contract's key order: building a
// JSON tree first cost more than parsing the feed. The bytes are those of
// nlohmann::ordered_json's dump(-1), which this replaced (see json_string.h).

// An object's braces and commas; the caller writes each value after key().
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  JsonObject(const JsonObject&) = delete;
  JsonObject& operator=(const JsonObject&) = delete;

  void close() { out_ += '}'; }

  // Starts the member `name`; its value follows.
  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(name, out_);
    out_ += ':';
    return out_;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void text_or_null(std::string_view text, std::string& out) {
  if (text.empty()) {
    out += "null";
  } else {
    append_json_string(text, out);
  }
}

void date_or_null(const std::optional<UnixMillis>& date, std::string& out) {
  if (date) {
    append_json_string(dates::format_rfc3339(*date), out);
  } else {
    out += "null";
  }
}

void plain_text(const std::string& html, std::string& out) { text_or_null(html_to_text(html), out); }

// The one place feed HTML is published from: the default sanitize mode.
void published_html(const std::string& html, const std::string& base, std::string& out) {
  if (html.empty()) {
    out += "null";
    return;
  }
  SanitizeOptions options;
  options.base_url = base;
  const std::string sanitized = sanitize_html(html, options);
  if (sanitized.empty()) {
    out += "null";
  } else {
    append_valid_json_string(sanitized, out);  // sanitize_html returns well-formed UTF-8
  }
}

// [item,item,...], each written by `append_item`.
template <class Items, class AppendItem>
void append_array(const Items& items, std::string& out, const AppendItem& append_item) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    append_item(items[i]);
  }
  out += ']';
}

void entry_json(const FeedEntry& entry, std::string& out) {
  JsonObject object(out);
  plain_text(entry.title, object.key("title"));
  text_or_null(entry.link, object.key("url"));
  text_or_null(entry.guid, object.key("guid"));
  date_or_null(entry.published, object.key("published"));
  date_or_null(entry.updated, object.key("updated"));
  text_or_null(entry.author, object.key("author"));
  published_html(entry.summary, entry.summary_base, object.key("summary"));
  published_html(entry.content, entry.content_base, object.key("content"));
  append_array(entry.categories, object.key("categories"),
               [&out](const std::string& category) { append_json_string(category, out); });
  append_array(entry.enclosures, object.key("enclosures"), [&out](const Enclosure& enclosure) {
    JsonObject item(out);
    text_or_null(enclosure.url, item.key("url"));
    text_or_null(enclosure.type, item.key("type"));
    std::string& length = item.key("length");
    length += enclosure.length ? std::to_string(*enclosure.length) : "null";
    item.close();
  });
  object.close();
}

void feed_json(const Feed& feed, std::string& out) {
  JsonObject object(out);
  text_or_null(feed.format, object.key("format"));
  text_or_null(feed.version, object.key("version"));
  plain_text(feed.title, object.key("title"));
  text_or_null(feed.link, object.key("link"));
  published_html(feed.description, feed.description_base, object.key("description"));
  text_or_null(feed.language, object.key("language"));
  date_or_null(feed.updated, object.key("updated"));
  object.key("recovered") += feed.recovered ? "true" : "false";
  text_or_null(feed.guessed_charset, object.key("guessed_charset"));
  append_array(feed.entries, object.key("entries"), [&out](const FeedEntry& entry) { entry_json(entry, out); });
  object.close();
}

// ---- summary -----------------------------------------------------------------

std::string shown_date(const std::optional<UnixMillis>& date) {
  return date ? dates::format_rfc3339(*date) : std::string(20, ' ');
}

void print_summary(const std::string& path, const Feed& feed, std::string& out) {
  const auto to = std::back_inserter(out);
  const std::string version = feed.version.empty() ? "" : " " + feed.version;
  const std::string recovered = !feed.guessed_charset.empty() ? " (charset guessed: " + feed.guessed_charset + ")"
                                : feed.recovered                ? " (recovered from broken XML)"
                                                                : "";
  fmt::format_to(to, "{}: {}{}{}, {} entr{}\n", path, feed.format, version, recovered, feed.entries.size(),
                 feed.entries.size() == 1 ? "y" : "ies");
  fmt::format_to(to, "  title:   {}\n", html_to_text(feed.title));
  if (!feed.link.empty()) fmt::format_to(to, "  link:    {}\n", feed.link);
  if (!feed.language.empty()) fmt::format_to(to, "  lang:    {}\n", feed.language);
  if (feed.updated) fmt::format_to(to, "  updated: {}\n", dates::format_rfc3339(*feed.updated));
  for (const auto& entry : feed.entries) {
    const auto& date = entry.published ? entry.published : entry.updated;
    fmt::format_to(to, "  {}  {}\n", shown_date(date), html_to_text(entry.title));
    if (!entry.link.empty()) fmt::format_to(to, "  {:20}  {}\n", "", entry.link);
  }
}

// ---- files -------------------------------------------------------------------

// What one file prints: `out` on stdout, or why it failed on stderr.
struct FileReport {
  std::string out;
  std::string error;
};

// Reads and parses one file; safe to run on several threads at once.
FileReport parse_one(const std::string& path, const ParseCommandOptions& options) {
  FileReport report;
  auto bytes = read_bytes(path);
  if (const auto* error = std::get_if<ReadError>(&bytes)) {
    report.error = fmt::format("feedd parse: {}: {}\n", path, error->message);
    return report;
  }
  FeedParseOptions parse_options;
  parse_options.base_url = options.base_url.value_or("");
  parse_options.keep_raw = false;
  try {
    std::string& document = std::get<std::string>(bytes);
    const Feed feed = parse_feed(document, parse_options);
    // Sanitized HTML is about as long as the feed's own, so one allocation
    // covers most outputs.
    const std::size_t expected_output = document.size() + document.size() / 4;
    std::string().swap(document);  // the feed holds its own copies; fewer bytes in flight
    if (options.json) {
      report.out.reserve(expected_output);
      feed_json(feed, report.out);
      report.out += '\n';
    } else {
      print_summary(path, feed, report.out);
    }
  } catch (const FeedParseError& error) {
    report.error = fmt::format("feedd parse: {}: {}\n", path, error.what());
  }
  return report;
}

// Prints a report; false when it is a failure.
bool print_report(const FileReport& report) {
  if (!report.error.empty()) {
    std::fwrite(report.error.data(), 1, report.error.size(), stderr);
    return false;
  }
  std::fwrite(report.out.data(), 1, report.out.size(), stdout);
  std::fflush(stdout);  // keeps stdout and stderr in file order for a reader of both
  return true;
}

// Each file in flight holds its bytes, its feed and its output; two per
// thread keep every thread busy while the oldest is printed.
constexpr std::size_t kFilesInFlightPerThread = 2;

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
  const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  bool all_parsed = true;
  run_in_order<FileReport>(
      options.files.size(), threads, threads * kFilesInFlightPerThread,
      [&options](std::size_t i) { return parse_one(options.files[i], options); },
      [&all_parsed](std::size_t, const FileReport& report) { all_parsed = print_report(report) && all_parsed; });
  return all_parsed ? exit_ok : exit_source_failed;
}

}  // namespace feedd
