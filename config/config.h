// feedd's configuration: the TOML file an operator writes, loaded and checked
// in one step. Every key is validated before anything runs; an error names
// the file, the line and the key so the operator can fix it at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd::config {

// How an entry's HTML content is carried into the post.
enum class ContentMode {
  raw,       // exactly as the feed has it
  sanitize,  // parsed and cleaned of active content (scripts, trackers, ...)
};

// Whether a post's images are kept in [storage] media_dir (store/media).
enum class MediaMode {
  off,    // images stay hotlinked: the post is the feed's content
  local,  // images downloaded and the post pointed at the copies
};

// How a source is reached: each key has its default in [fetch] and may be
// set again per source. Secrets stay in their files until a poll reads them,
// so they are in no config copy, log line or listing.

struct SourceFetch {
  std::string proxy;  // http://, https://, socks5://, socks5h:// (may hold credentials)
  std::string user_agent;                               // empty: [fetch] user_agent
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::string cookie;                                   // sent as the Cookie header
  std::string username;                                 // HTTP basic auth with password_file
  std::filesystem::path password_file;                  // absolute after loading
  std::filesystem::path token_file;                     // bearer token; absolute after loading
  std::filesystem::path tls_ca_file;                    // extra CA bundle; absolute after loading
  std::optional<std::chrono::milliseconds> timeout;     // unset: [fetch] timeout
  std::chrono::milliseconds primary_retry{std::chrono::hours(1)};  // back to urls[0] after a fail-over
};

// Where an entry's article comes from when the feed carries only a teaser
// (sources[].full_text, [archive] full_text): off, the page's main content
// found automatically, or the elements a selector names.
struct FullText {
  enum class Mode { off, automatic, selector };
  Mode mode = Mode::off;
  std::string selector;             // Mode::selector: a CSS selector list
  std::vector<std::string> remove;  // CSS selectors cut from the article
  bool enabled() const { return mode != Mode::off; }
};

// A site without a feed (kind = "html"): CSS selectors that turn each item
// of its listing page into an entry.
struct HtmlListing {
  std::string item;         // one match per entry
  std::string link;         // inside an item: the element whose href is the entry's page
  std::string title;        // inside an item; empty: the link's text
  std::string date;         // optional: its datetime attribute, else its text
  std::string date_format;  // optional: strptime-style format of that date
  std::string summary;      // optional: HTML of the entry's summary
};

enum class SourceKind { feed, html };

// Which version of an edited entry its post shows (every version is kept).
enum class UpdateMode {
  latest,        // each new one: feedd's behaviour before versions
  first,         // the first stored
  never_shrink,  // each new one, unless its text lost more than shrink_limit of the shown one's
};

// [archive]: what feedd keeps of an entry beyond its feed's content, and over
// time. Each key is every source's default; a source may set it again.
struct ArchiveDefaults {
  UpdateMode update = UpdateMode::latest;
  double shrink_limit = 0.5;  // with never_shrink: the share of its text a shown version may lose
  MediaMode media = MediaMode::off;
  std::uint64_t media_max_file = 10u << 20;
  // Archived enclosures: a podcast episode is 20-200 MiB, so media_max_file
  // would refuse most; media_quota still bounds what a source holds.
  std::uint64_t enclosure_max_file = std::uint64_t{512} << 20;
  std::uint64_t media_quota = std::uint64_t{1} << 30;
  std::optional<std::chrono::milliseconds> watch;  // unset: no rechecks (the default)
  bool archive_org = false;
  std::string archive_org_endpoint = "https://web.archive.org/save/";
  // At most one Save Page Now request per interval, all sources together.
  std::chrono::milliseconds archive_org_interval{5000};
  bool removed_notice = false;
  FullText full_text;  // every source's, unless it sets its own (or "off")
};

// "latest", "first" or "never_shrink", as the file writes it.
std::string_view update_mode_name(UpdateMode mode);

struct Source {
  std::string name;                     // required, unique across the file
  std::string url;                      // required: http://, https:// or file://; urls[0] when urls is set
  std::vector<std::string> urls;        // the primary, then mirrors; empty: just url
  std::vector<std::string> tags;        // defaults to {name}
  std::vector<std::string> categories;  // defaults to {name}
  ContentMode content = ContentMode::sanitize;
  bool enabled = true;
  std::string timezone = "UTC";         // IANA name for dates without a zone
  std::optional<std::chrono::milliseconds> interval;  // unset: [schedule] interval
  std::vector<std::string> remove;      // element rules cut from content
  bool allow_private = false;           // effective: the source's, else [fetch]'s
  SourceFetch fetch;                    // effective: the source's keys over [fetch]'s
  bool enclosures = false;              // audio, video and files written after the content
  // Local media: effective values, the source's over [archive]'s.
  MediaMode media = MediaMode::off;
  std::uint64_t media_max_file = 0;     // bytes; a larger image is refused
  std::uint64_t enclosure_max_file = 0;  // bytes; a larger archived enclosure is refused
  std::uint64_t media_quota = 0;        // bytes of files this source's posts may hold
  UpdateMode update = UpdateMode::latest;  // effective: the source's, else [archive]'s
  double shrink_limit = 0.5;               // effective: the source's, else [archive]'s
  // Issue 15, removals and Wayback copies (daemon/runtime/watch): effective
  // values, the source's own over [archive]'s.
  std::optional<std::chrono::milliseconds> watch;  // unset: the page is not rechecked
  bool archive_org = false;             // new entries' URLs sent to Save Page Now
  bool removed_notice = false;          // a removed entry's post says so (front matter and a line)
  SourceKind kind = SourceKind::feed;   // html: url is a listing page read with `html`
  HtmlListing html;                     // kind = "html" only
  FullText full_text;                   // effective: the source's, else [archive]'s
  int line = 0;                         // line of this [[sources]] table
  // The table's other keys as written are not kept here: export-opml reads
  // them again from the file (opml_settings.h: other_settings), so the
  // daemon holds no TOML text of 100,000 sources.
};

struct Storage {
  std::filesystem::path database;   // absolute after loading
  std::filesystem::path posts_dir;  // absolute after loading
  std::chrono::milliseconds fetch_history{std::chrono::hours(24 * 90)};  // poll records kept this long
  std::filesystem::path media_dir;  // absolute after loading; local media's files
  std::string media_url = "/media/";  // what posts put before a media file's name
};

struct Fetch {
  int concurrency = 64;                  // transfers in flight at once
  int per_host = 2;                      // transfers in flight per host
  std::chrono::milliseconds timeout{60000};    // whole transfer
  std::uint64_t max_body = 16u << 20;    // bytes, after decompression
  std::string user_agent;                // empty: feedd's default
  // A transfer slower than low_speed_limit bytes/s for low_speed_time is
  // dropped: a server trickling bytes must not hold a slot until timeout.
  std::uint64_t low_speed_limit = 64;
  std::chrono::milliseconds low_speed_time{30000};
  // Redirects to another host on a loopback, private, link-local, CGNAT or
  // unique-local address are refused unless this is set.
  bool allow_private = false;
  SourceFetch source_defaults;  // every source's, unless it sets its own
};

// Below one minute an interval is almost always a typo ("1ms" for "1m")
// that would hammer a server; tests and local feeds lower it explicitly.
inline constexpr std::chrono::milliseconds default_min_interval{60 * 1000};

struct Schedule {
  std::chrono::milliseconds interval{15 * 60 * 1000};
  // The floor for every interval, backoff and Retry-After wait.
  std::chrono::milliseconds min_interval = default_min_interval;
  std::chrono::milliseconds max_backoff{6 * 3600 * 1000};
};

struct Daemon {
  std::chrono::milliseconds shutdown_grace{10000};
};

struct Http {
  std::string listen;  // empty: no endpoint
  // /metrics writes per-source series while at most this many sources are
  // configured: useful for dozens, a cardinality no Prometheus wants at
  // 100,000 (8 MB a scrape). 0: never.
  int source_series = 1000;
};

struct Publish {
  std::vector<std::string> command;  // empty: publishing is off
  std::chrono::milliseconds min_interval{60000};
  std::chrono::milliseconds timeout{120000};
};

struct Config {
  std::filesystem::path file;  // the file it was loaded from, absolute
  Storage storage;
  Fetch fetch;
  Schedule schedule;
  Daemon daemon;
  Http http;
  Publish publish;
  ArchiveDefaults archive;
  std::vector<Source> sources;  // in file order
  // Where each key was written ("storage.posts_dir", "sources[1].url" -> line),
  // for checks made after loading to name the line as the loader does.
  std::map<std::string, int> lines;
  int line_of(const std::string& key) const {
    const auto found = lines.find(key);
    return found == lines.end() ? 0 : found->second;
  }
};

// A config that cannot be used. what() reads "FILE:LINE: key: problem", FILE
// as the caller named it. When a file has several problems, the one earliest
// in the file is reported.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::filesystem::path file, int line, std::string key, const std::string& problem);
  const std::filesystem::path& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }  // 0 when no line applies
  const std::string& key() const noexcept { return key_; }

 private:
  std::filesystem::path file_;
  int line_;
  std::string key_;
};

// Reads and validates FILE. Relative paths in [storage] resolve against the
// folder FILE is in. Throws ConfigError.
Config load_config(const std::filesystem::path& file);

// Same, from text already in memory; `file` is used for messages and as the
// base of relative paths.
Config parse_config(std::string_view toml_text, const std::filesystem::path& file);

}  // namespace feedd::config
