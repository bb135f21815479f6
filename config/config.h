// feedd's configuration: the TOML file an operator writes, loaded and checked
// in one step. Every key is validated before anything runs; an error names
// the file, the line and the key so the operator can fix it at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace feedd::config {

// How an entry's HTML content is carried into the post.
enum class ContentMode {
  raw,       // exactly as the feed has it
  sanitize,  // parsed and cleaned of active content (scripts, trackers, ...)
};

struct Source {
  std::string name;                     // required, unique across the file
  std::string url;                      // required: http://, https:// or file://
  std::vector<std::string> tags;        // defaults to {name}
  std::vector<std::string> categories;  // defaults to {name}
  ContentMode content = ContentMode::sanitize;
  bool enabled = true;
  std::string timezone = "UTC";         // IANA name for dates without a zone
  std::optional<std::chrono::milliseconds> interval;  // unset: [schedule] interval
  std::vector<std::string> remove;      // element rules cut from content
  bool enclosures = false;              // audio, video and files written after the content
  int line = 0;                         // line of this [[sources]] table
};

struct Storage {
  std::filesystem::path database;   // absolute after loading
  std::filesystem::path posts_dir;  // absolute after loading
  std::chrono::milliseconds fetch_history{std::chrono::hours(24 * 90)};  // poll records kept this long
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
};

struct Schedule {
  std::chrono::milliseconds interval{15 * 60 * 1000};
  std::chrono::milliseconds max_backoff{6 * 3600 * 1000};
};

struct Daemon {
  std::chrono::milliseconds shutdown_grace{10000};
};

struct Http {
  std::string listen;  // empty: no endpoint
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
  std::vector<Source> sources;  // in file order
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
