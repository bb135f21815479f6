#include "config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "config/duration.h"
#include "config/reference.h"
#include "fetchers/redact/redact_url.h"

namespace feedd::config {

ConfigError::ConfigError(std::filesystem::path file, int line, std::string key, const std::string& problem)
    : std::runtime_error(fmt::format("{}:{}: {}: {}", file.string(), line, key, problem)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)) {}

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int max_concurrency = 1024;

// Values are echoed in quotes; escaping keeps a stray control character from
// garbling the operator's terminal or log line.
std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out + '"';
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Keys are named as TOML would write them, so `"a.b"` is not mistaken for a.b.
std::string child_key(const std::string& parent, std::string_view name) {
  std::string part = is_bare_key(name) ? std::string(name) : in_quotes(name);
  return parent.empty() ? part : parent + "." + part;
}

std::string element_key(const std::string& parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

struct Problem {
  int line = 0;
  int column = 0;
  std::string key;
  std::string text;
};

// Keeps only the earliest problem by position. toml++ hands keys out in sorted
// order, not file order, so "the first error" has to be decided by where each
// one is rather than by when it was found.
class Problems {
 public:
  void add(const toml::source_region& where, std::string key, std::string text) {
    int line = static_cast<int>(where.begin.line);
    int column = static_cast<int>(where.begin.column);
    if (first_ && std::tie(first_->line, first_->column) <= std::tie(line, column)) return;
    first_ = Problem{line, column, std::move(key), std::move(text)};
  }

  void throw_first(const fs::path& file) const {
    if (first_) throw ConfigError(file, first_->line, first_->key, first_->text);
  }

 private:
  std::optional<Problem> first_;
};

// One key of a table, under the dotted name messages call it by.
struct Field {
  const toml::node* node;  // nullptr when the key is absent
  std::string key;
};

Field field(const toml::table& table, const std::string& path, std::string_view name) {
  return Field{table.get(name), child_key(path, name)};
}

enum class Empty { allowed, refused };

// Typed access to fields. Each reader returns nullopt both when the key is
// absent and when it is unusable; in the latter case the problem is recorded,
// so loading goes on and the earliest mistake wins.
class Reader {
 public:
  explicit Reader(Problems& problems) : problems_(problems) {}

  void problem(const Field& at, std::string text) { problems_.add(at.node->source(), at.key, std::move(text)); }

  void require(const toml::table& table, const Field& wanted) {
    if (!wanted.node) problems_.add(table.source(), wanted.key, "missing required key");
  }

  // `known` comes from config/reference.h, so no key is accepted undocumented.
  void reject_unknown(const toml::table& table, const std::string& path, const std::vector<std::string_view>& known) {
    for (auto&& [key, value] : table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      problems_.add(key.source(), child_key(path, key.str()),
                    fmt::format("unknown key (expected one of: {})", fmt::join(known, ", ")));
    }
  }

  const toml::table* table(const Field& f) {
    if (!f.node) return nullptr;
    if (const toml::table* table = f.node->as_table()) return table;
    problem(f, fmt::format("must be a table, got {}", type_name(*f.node)));
    return nullptr;
  }

  std::optional<std::string> string(const Field& f, Empty empty = Empty::refused) {
    if (!f.node) return std::nullopt;
    const auto* value = f.node->as_string();
    if (!value) return wrong_type(f, "a string");
    const std::string& text = value->get();
    if (empty == Empty::refused && text.empty()) return fail(f, "must not be empty");
    if (has_control_character(text)) {
      return fail(f, fmt::format("must not contain control characters, got {}", in_quotes(text)));
    }
    return text;
  }

  std::optional<bool> boolean(const Field& f) {
    if (!f.node) return std::nullopt;
    if (const auto* value = f.node->as_boolean()) return value->get();
    return wrong_type(f, "a boolean (true or false)");
  }

  std::optional<int> integer(const Field& f, int low, int high) {
    if (!f.node) return std::nullopt;
    const auto* value = f.node->as_integer();
    if (!value) return wrong_type(f, "an integer");
    std::int64_t number = value->get();
    if (number < low || number > high) {
      return fail(f, fmt::format("must be between {} and {}, got {}", low, high, number));
    }
    return static_cast<int>(number);
  }

  std::optional<milliseconds> duration(const Field& f) {
    if (!f.node) return std::nullopt;
    const auto* value = f.node->as_string();
    if (!value) return wrong_type(f, "a duration string such as \"90s\" or \"1h30m\"");
    const std::string& text = value->get();
    auto parsed = parse_duration(text);
    if (!parsed) {
      return fail(f, fmt::format("not a duration: {}; write a number and a unit (d, h, m, s, ms), "
                                 "largest first, e.g. \"90s\" or \"1h30m\"",
                                 in_quotes(text)));
    }
    if (parsed->count() <= 0) return fail(f, fmt::format("must be longer than zero, got {}", in_quotes(text)));
    return parsed;
  }

  std::optional<std::uint64_t> size(const Field& f) {
    if (!f.node) return std::nullopt;
    if (const auto* number = f.node->as_integer()) {
      if (number->get() <= 0) return fail(f, fmt::format("must be greater than zero, got {}", number->get()));
      return static_cast<std::uint64_t>(number->get());
    }
    const auto* value = f.node->as_string();
    if (!value) return wrong_type(f, "a size such as \"16MiB\" or a number of bytes");
    const std::string& text = value->get();
    auto parsed = parse_size(text);
    if (!parsed) {
      return fail(f, fmt::format("not a size: {}; write bytes or a number with B, kB, MB, GB, TB, "
                                 "KiB, MiB, GiB or TiB, e.g. \"16MiB\"",
                                 in_quotes(text)));
    }
    if (*parsed == 0) return fail(f, fmt::format("must be greater than zero, got {}", in_quotes(text)));
    return parsed;
  }

  std::optional<std::vector<std::string>> strings(const Field& f) {
    if (!f.node) return std::nullopt;
    const toml::array* array = f.node->as_array();
    if (!array) return wrong_type(f, "an array of strings");
    std::vector<std::string> out;
    bool all_good = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto text = string(Field{array->get(i), element_key(f.key, i)});
      all_good = all_good && text.has_value();
      if (text) out.push_back(std::move(*text));
    }
    if (!all_good) return std::nullopt;
    return out;
  }

 private:
  std::nullopt_t fail(const Field& f, std::string text) {
    problem(f, std::move(text));
    return std::nullopt;
  }

  std::nullopt_t wrong_type(const Field& f, std::string_view wanted) {
    return fail(f, fmt::format("must be {}, got {}", wanted, type_name(*f.node)));
  }

  Problems& problems_;
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// libcurl speaks far more schemes than feeds need (ftp, scp, dict, ...); a
// config line should not be able to make the daemon use them.
std::optional<std::string> url_problem(std::string_view url) {
  auto scheme_end = url.find("://");
  std::string scheme = lowercase(url.substr(0, scheme_end));
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https" && scheme != "file")) {
    return fmt::format("must be an http(s) or file URL, got {}", in_quotes(url::redact(url)));
  }
  if (url.find_first_of(" \t") != std::string_view::npos) {
    return fmt::format("must not contain spaces (write them as %20), got {}", in_quotes(url::redact(url)));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "file") {
    // The daemon's working folder is not something an operator can see in
    // the config, so a relative file URL would be a trap.
    if (rest.starts_with('/') || rest.starts_with("localhost/")) return std::nullopt;
    return fmt::format("must be an absolute file URL such as \"file:///srv/feed.xml\", got {}",
                       in_quotes(url::redact(url)));
  }
  if (rest.empty() || rest.find_first_of("/?#") == 0) {
    return fmt::format("has no host, got {}", in_quotes(url::redact(url)));
  }
  return std::nullopt;
}

std::optional<std::string> proxy_problem(std::string_view proxy) {
  const auto scheme_end = proxy.find("://");
  const std::string scheme = lowercase(proxy.substr(0, scheme_end));
  if (scheme_end == std::string_view::npos ||
      (scheme != "http" && scheme != "https" && scheme != "socks5" && scheme != "socks5h")) {
    return fmt::format("must be an http://, https://, socks5:// or socks5h:// URL, got {}",
                       in_quotes(url::redact(proxy)));
  }
  const std::string_view rest = proxy.substr(scheme_end + 3);
  if (rest.empty() || rest.find_first_of("/?#") == 0 || proxy.find_first_of(" \t") != std::string_view::npos) {
    return fmt::format("has no host or contains spaces, got {}", in_quotes(url::redact(proxy)));
  }
  return std::nullopt;
}

// RFC 9110 token characters: anything else in a header name would let the
// config smuggle a line break or a second header into every request.
bool is_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool is_known_time_zone(const std::string& name) {
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

// A secret's or CA bundle's file, relative to the config's folder. One
// starting with $CREDENTIALS_DIRECTORY (systemd's LoadCredential=) is kept
// as written: the variable exists only inside the service, so it is
// expanded when a poll reads the file
// (daemon/runtime/pipeline/source_request.h). Files are not opened here:
// `feedd check` reports unreadable ones, and a poll reads them afresh, so a
// rotated secret needs no reload.
void read_file_path(Reader& in, const Field& f, const fs::path& base, fs::path& out) {
  auto text = in.string(f);
  if (!text) return;
  if (text->starts_with("$CREDENTIALS_DIRECTORY/") || text->starts_with("${CREDENTIALS_DIRECTORY}/")) {
    out = *text;
    return;
  }
  out = (base / *text).lexically_normal();
}

void read_headers(Reader& in, const Field& f, std::vector<std::pair<std::string, std::string>>& headers) {
  const toml::table* table = in.table(f);
  if (!table) return;
  headers.clear();
  for (auto&& [name, value] : *table) {
    const Field header{&value, child_key(f.key, name.str())};
    auto text = in.string(header, Empty::allowed);
    if (!text) continue;
    const std::string lower = lowercase(name.str());
    if (!is_header_name(name.str())) {
      in.problem(header, "not a valid header name");
    } else if (lower == "authorization" || lower == "proxy-authorization") {
      in.problem(header, "set username and password_file, or token_file, so the secret stays out of the config");
    } else {
      headers.emplace_back(std::string(name.str()), *text);
    }
  }
}

// The keys [fetch] and [[sources]] share. `per_source` adds the two whose
// [fetch] defaults live in Fetch itself (user_agent, timeout).
void read_fetch_settings(Reader& in, const toml::table& table, const std::string& path, const fs::path& base,
                         SourceFetch& fetch, bool per_source) {
  Field proxy = field(table, path, "proxy");
  if (auto value = in.string(proxy)) {
    if (auto problem = proxy_problem(*value)) {
      in.problem(proxy, *problem);
    } else {
      fetch.proxy = *value;
    }
  }
  read_headers(in, field(table, path, "headers"), fetch.headers);
  if (auto value = in.string(field(table, path, "cookie"))) fetch.cookie = *value;
  if (auto value = in.string(field(table, path, "username"))) fetch.username = *value;
  read_file_path(in, field(table, path, "password_file"), base, fetch.password_file);
  read_file_path(in, field(table, path, "token_file"), base, fetch.token_file);
  read_file_path(in, field(table, path, "tls_ca_file"), base, fetch.tls_ca_file);
  if (auto value = in.duration(field(table, path, "primary_retry"))) fetch.primary_retry = *value;
  if (!per_source) return;
  if (auto value = in.string(field(table, path, "user_agent"), Empty::allowed)) fetch.user_agent = *value;
  if (auto value = in.duration(field(table, path, "timeout"))) fetch.timeout = *value;
}

void check_fetch_settings(Reader& in, const toml::table& table, const std::string& path, const SourceFetch& fetch) {
  const Field username = field(table, path, "username");
  const Field password = field(table, path, "password_file");
  if (!fetch.username.empty() && fetch.password_file.empty() && username.node) {
    in.problem(username, "needs password_file too");
  } else if (fetch.username.empty() && !fetch.password_file.empty() && password.node) {
    in.problem(password, "needs username too");
  }
}

// Written into posts' attributes as it is: characters that would end the
// attribute or need escaping are refused here.
void read_media_url(Reader& in, const Field& f, std::string& media_url) {
  auto value = in.string(f);
  if (!value) return;
  if (value->find_first_of("\"'<>& \t") != std::string::npos) {
    in.problem(f, fmt::format("must not contain quotes, <, >, & or spaces, got {}", in_quotes(*value)));
  } else if (!value->ends_with('/')) {
    in.problem(f, fmt::format("must end with '/' (a file's name follows it), got {}", in_quotes(*value)));
  } else {
    media_url = *value;
  }
}

void read_media_mode(Reader& in, const Field& f, MediaMode& mode) {
  auto text = in.string(f);
  if (!text) return;
  if (*text == "off") {
    mode = MediaMode::off;
  } else if (*text == "local") {
    mode = MediaMode::local;
  } else {
    in.problem(f, fmt::format("must be \"off\" or \"local\", got {}", in_quotes(*text)));
  }
}

// The media keys [archive] and [[sources]] share.
void read_media_settings(Reader& in, const toml::table& table, const std::string& path, MediaMode& mode,
                         std::uint64_t& max_file, std::uint64_t& enclosure_max_file, std::uint64_t& quota) {
  read_media_mode(in, field(table, path, "media"), mode);
  if (auto value = in.size(field(table, path, "media_max_file"))) max_file = *value;
  if (auto value = in.size(field(table, path, "enclosure_max_file"))) enclosure_max_file = *value;
  if (auto value = in.size(field(table, path, "media_quota"))) quota = *value;
}

// update and shrink_limit, in [archive] or a source (at `path`).
void read_update_rule(Reader& in, const toml::table& table, const std::string& path, UpdateMode& mode,
                      double& shrink_limit) {
  const Field update = field(table, path, "update");
  if (auto text = in.string(update)) {
    if (*text == "latest") {
      mode = UpdateMode::latest;
    } else if (*text == "first") {
      mode = UpdateMode::first;
    } else if (*text == "never_shrink") {
      mode = UpdateMode::never_shrink;
    } else {
      in.problem(update, fmt::format("must be \"latest\", \"first\" or \"never_shrink\", got {}", in_quotes(*text)));
    }
  }
  const Field limit = field(table, path, "shrink_limit");
  if (!limit.node) return;
  const auto value = limit.node->is_integer() || limit.node->is_floating_point() ? limit.node->value<double>()
                                                                                : std::nullopt;
  if (!value) return in.problem(limit, fmt::format("must be a number from 0 to 1, got {}", type_name(*limit.node)));
  if (!(*value >= 0.0 && *value <= 1.0)) {
    return in.problem(limit, fmt::format("must be a number from 0 to 1 (a share of the text), got {}", *value));
  }
  shrink_limit = *value;
}

void read_storage(Reader& in, const toml::table& table, Storage& storage) {
  in.reject_unknown(table, "storage", keys_of("storage"));
  if (auto path = in.string(field(table, "storage", "database"))) storage.database = *path;
  if (auto path = in.string(field(table, "storage", "posts_dir"))) storage.posts_dir = *path;
  if (auto value = in.duration(field(table, "storage", "fetch_history"))) storage.fetch_history = *value;
  if (auto path = in.string(field(table, "storage", "media_dir"))) storage.media_dir = *path;
  read_media_url(in, field(table, "storage", "media_url"), storage.media_url);
}

void read_fetch(Reader& in, const toml::table& table, const fs::path& base, Fetch& fetch) {
  in.reject_unknown(table, "fetch", keys_of("fetch"));
  Field concurrency = field(table, "fetch", "concurrency");
  auto concurrency_value = in.integer(concurrency, 1, max_concurrency);
  if (concurrency_value) fetch.concurrency = *concurrency_value;

  Field per_host = field(table, "fetch", "per_host");
  if (auto value = in.integer(per_host, 1, max_concurrency)) {
    // A broken concurrency is reported on its own line; measuring per_host
    // against it would blame the wrong key.
    bool concurrency_usable = !concurrency.node || concurrency_value;
    if (concurrency_usable && *value > fetch.concurrency) {
      in.problem(per_host,
                 fmt::format("must be between 1 and fetch.concurrency ({}), got {}", fetch.concurrency, *value));
    } else {
      fetch.per_host = *value;
    }
  }
  if (auto value = in.duration(field(table, "fetch", "timeout"))) fetch.timeout = *value;
  if (auto value = in.size(field(table, "fetch", "max_body"))) fetch.max_body = *value;
  if (auto value = in.size(field(table, "fetch", "low_speed_limit"))) fetch.low_speed_limit = *value;
  if (auto value = in.duration(field(table, "fetch", "low_speed_time"))) fetch.low_speed_time = *value;
  if (auto value = in.string(field(table, "fetch", "user_agent"), Empty::allowed)) fetch.user_agent = *value;
  if (auto value = in.boolean(field(table, "fetch", "allow_private"))) fetch.allow_private = *value;
  read_fetch_settings(in, table, "fetch", base, fetch.source_defaults, false);
  check_fetch_settings(in, table, "fetch", fetch.source_defaults);
}

std::string describe_duration(milliseconds value) {
  const auto ms = value.count();
  if (ms % 60000 == 0) return fmt::format("{}m", ms / 60000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

// An interval under the floor is refused where it is written, naming the way
// out for those who mean it.
std::optional<milliseconds> interval_at_least(Reader& in, const Field& f, milliseconds floor) {
  auto value = in.duration(f);
  if (!value || *value >= floor) return value;
  in.problem(f, fmt::format("must be at least {} (schedule.min_interval), got {}; set [schedule] min_interval to "
                            "poll more often",
                            describe_duration(floor), in_quotes(*f.node->value<std::string>())));
  return std::nullopt;
}

void read_schedule(Reader& in, const toml::table& table, Schedule& schedule) {
  in.reject_unknown(table, "schedule", keys_of("schedule"));
  if (auto value = in.duration(field(table, "schedule", "min_interval"))) schedule.min_interval = *value;
  if (auto value = interval_at_least(in, field(table, "schedule", "interval"), schedule.min_interval)) {
    schedule.interval = *value;
  }
  if (auto value = interval_at_least(in, field(table, "schedule", "max_backoff"), schedule.min_interval)) {
    schedule.max_backoff = *value;
  }
}

void read_daemon(Reader& in, const toml::table& table, Daemon& daemon) {
  in.reject_unknown(table, "daemon", keys_of("daemon"));
  if (auto value = in.duration(field(table, "daemon", "shutdown_grace"))) daemon.shutdown_grace = *value;
}

void read_content_mode(Reader& in, const Field& f, ContentMode& mode) {
  auto text = in.string(f);
  if (!text) return;
  if (*text == "raw") {
    mode = ContentMode::raw;
  } else if (*text == "sanitize") {
    mode = ContentMode::sanitize;
  } else {
    in.problem(f, fmt::format("must be \"raw\" or \"sanitize\", got {}", in_quotes(*text)));
  }
}

void read_time_zone(Reader& in, const Field& f, std::string& zone) {
  auto name = in.string(f);
  if (!name) return;
  if (!is_known_time_zone(*name)) {
    in.problem(f, fmt::format("unknown time zone {}; expected an IANA name such as \"Asia/Shanghai\" or \"UTC\"",
                              in_quotes(*name)));
    return;
  }
  zone = *name;
}

// A duration, or "off" (a source opting out of [archive] watch).
void read_watch(Reader& in, const Field& f, std::optional<milliseconds>& watch) {
  if (!f.node) return;
  if (const auto* text = f.node->as_string(); text && text->get() == "off") {
    watch.reset();
    return;
  }
  if (auto value = in.duration(f)) watch = *value;
}

// `urls` lists the primary and its mirrors; `url` alone is a list of one.
void read_source_urls(Reader& in, const toml::table& table, const std::string& path, Source& source) {
  Field url = field(table, path, "url");
  Field urls = field(table, path, "urls");
  if (!urls.node) in.require(table, url);
  if (auto value = in.string(url)) {
    if (auto problem = url_problem(*value)) {
      in.problem(url, *problem);
    } else {
      source.url = *value;
    }
  }
  auto list = in.strings(urls);
  if (!list) return;
  if (list->empty()) return in.problem(urls, "must list at least one URL");
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (auto problem = url_problem((*list)[i])) {
      return in.problem(Field{urls.node->as_array()->get(i), element_key(urls.key, i)}, *problem);
    }
  }
  if (url.node && !source.url.empty() && source.url != list->front()) {
    return in.problem(urls, "its first URL must be url's when both are set");
  }
  source.url = list->front();
  source.urls = std::move(*list);
}

// "auto", "off" or { selector = "CSS", remove = ["CSS", ...] }. The
// selectors' syntax is checked with the other content rules, after loading
// (daemon/runtime/load_config.cpp), by the reader that applies them.
void read_full_text(Reader& in, const Field& f, FullText& full_text) {
  if (!f.node) return;
  if (f.node->is_string()) {
    auto text = in.string(f);
    if (!text) return;
    if (*text == "auto") {
      full_text = FullText{FullText::Mode::automatic, "", {}};
    } else if (*text == "off") {
      full_text = FullText{};
    } else {
      in.problem(f, fmt::format("must be \"auto\", \"off\" or {{ selector = \"CSS\", remove = [\"CSS\", ...] }}, "
                                "got {}",
                                in_quotes(*text)));
    }
    return;
  }
  const toml::table* table = f.node->as_table();
  if (!table) {
    in.problem(f, fmt::format("must be \"auto\", \"off\" or a table {{ selector = \"CSS\", remove = [...] }}, got {}",
                              type_name(*f.node)));
    return;
  }
  in.reject_unknown(*table, f.key, {"selector", "remove"});
  FullText read{FullText::Mode::selector, "", {}};
  const Field selector = field(*table, f.key, "selector");
  in.require(*table, selector);
  auto value = in.string(selector);
  if (!value) return;
  read.selector = *value;
  if (auto remove = in.strings(field(*table, f.key, "remove"))) read.remove = std::move(*remove);
  full_text = std::move(read);
}

void read_archive(Reader& in, const toml::table& table, ArchiveDefaults& archive) {
  in.reject_unknown(table, "archive", keys_of("archive"));
  read_media_settings(in, table, "archive", archive.media, archive.media_max_file, archive.enclosure_max_file,
                      archive.media_quota);
  read_update_rule(in, table, "archive", archive.update, archive.shrink_limit);
  read_full_text(in, field(table, "archive", "full_text"), archive.full_text);
  read_watch(in, field(table, "archive", "watch"), archive.watch);
  if (auto value = in.boolean(field(table, "archive", "archive_org"))) archive.archive_org = *value;
  Field endpoint = field(table, "archive", "archive_org_endpoint");
  if (auto value = in.string(endpoint)) {
    if (!value->starts_with("http://") && !value->starts_with("https://")) {
      in.problem(endpoint, fmt::format("must be an http:// or https:// URL, got {}", in_quotes(*value)));
    } else if (auto problem = url_problem(*value)) {
      in.problem(endpoint, *problem);
    } else {
      archive.archive_org_endpoint = *value;
    }
  }
  if (auto value = in.duration(field(table, "archive", "archive_org_interval"))) archive.archive_org_interval = *value;
  if (auto value = in.boolean(field(table, "archive", "removed_notice"))) archive.removed_notice = *value;
}

// kind = "html" with its html = { item = ..., link = ..., ... } selectors;
// each needs the other.
void read_source_kind(Reader& in, const toml::table& table, const std::string& path, Source& source) {
  const Field kind = field(table, path, "kind");
  if (auto text = in.string(kind)) {
    if (*text == "html") {
      source.kind = SourceKind::html;
    } else if (*text != "feed") {
      in.problem(kind, fmt::format("must be \"feed\" or \"html\", got {}", in_quotes(*text)));
    }
  }
  const Field html = field(table, path, "html");
  if (!html.node) {
    if (source.kind == SourceKind::html) in.problem(kind, "kind = \"html\" needs html = { item = \"CSS\", link = \"CSS\" }");
    return;
  }
  const toml::table* listing = in.table(html);
  if (!listing) return;
  if (source.kind != SourceKind::html) return in.problem(html, "is read only with kind = \"html\"");
  in.reject_unknown(*listing, html.key, {"item", "link", "title", "date", "date_format", "summary"});
  const std::pair<std::string_view, std::string*> keys[] = {
      {"item", &source.html.item},   {"link", &source.html.link},
      {"title", &source.html.title}, {"date", &source.html.date},
      {"date_format", &source.html.date_format}, {"summary", &source.html.summary}};
  for (const auto& [name, out] : keys) {
    const Field key = field(*listing, html.key, name);
    if (name == "item" || name == "link") in.require(*listing, key);
    if (auto value = in.string(key)) *out = *value;
  }
  const Field date_format = field(*listing, html.key, "date_format");
  if (date_format.node && source.html.date.empty()) in.problem(date_format, "needs date too");
}

void read_source_identity(Reader& in, const toml::table& table, const std::string& path, Source& source) {
  Field name = field(table, path, "name");
  in.require(table, name);
  if (auto value = in.string(name)) source.name = *value;
  read_source_urls(in, table, path, source);
}

void read_source(Reader& in, const toml::table& table, const std::string& path, milliseconds min_interval,
                 Source& source) {
  in.reject_unknown(table, path, keys_of("sources"));
  source.line = static_cast<int>(table.source().begin.line);
  read_source_identity(in, table, path, source);
  Field tags = field(table, path, "tags");
  Field categories = field(table, path, "categories");
  if (!tags.node) source.tags = {source.name};
  if (!categories.node) source.categories = {source.name};
  if (auto value = in.strings(tags)) source.tags = std::move(*value);
  if (auto value = in.strings(categories)) source.categories = std::move(*value);
  read_content_mode(in, field(table, path, "content"), source.content);
  if (auto value = in.boolean(field(table, path, "enabled"))) source.enabled = *value;
  read_time_zone(in, field(table, path, "timezone"), source.timezone);
  source.interval = interval_at_least(in, field(table, path, "interval"), min_interval);
  if (auto value = in.strings(field(table, path, "remove"))) source.remove = std::move(*value);
  if (auto value = in.boolean(field(table, path, "allow_private"))) source.allow_private = *value;
  if (auto value = in.boolean(field(table, path, "enclosures"))) source.enclosures = *value;
  read_media_settings(in, table, path, source.media, source.media_max_file, source.enclosure_max_file,
                      source.media_quota);
  read_watch(in, field(table, path, "watch"), source.watch);
  if (auto value = in.boolean(field(table, path, "archive_org"))) source.archive_org = *value;
  if (auto value = in.boolean(field(table, path, "removed_notice"))) source.removed_notice = *value;
  read_source_kind(in, table, path, source);
  read_full_text(in, field(table, path, "full_text"), source.full_text);
}

// `fetch` and `archive` give each source its defaults, so they must be read first.
void read_sources(Reader& in, const Field& f, const Fetch& fetch, const ArchiveDefaults& archive, const fs::path& base,
                  milliseconds min_interval, std::vector<Source>& sources) {
  if (!f.node) return;
  const toml::array* array = f.node->as_array();
  if (!array || !(array->empty() || array->is_array_of_tables())) {
    in.problem(f, fmt::format("must be written as [[sources]] tables, got {}", type_name(*f.node)));
    return;
  }
  // Grown by doubling, 100,000 sources would hold room for 131,072 (26 MB).
  sources.reserve(array->size());
  std::map<std::string, int> first_line_of_name;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table& table = *array->get(i)->as_table();
    std::string path = element_key(f.key, i);
    Source source;
    source.watch = archive.watch;
    source.archive_org = archive.archive_org;
    source.removed_notice = archive.removed_notice;
    source.allow_private = fetch.allow_private;
    source.fetch = fetch.source_defaults;
    source.media = archive.media;
    source.media_max_file = archive.media_max_file;
    source.enclosure_max_file = archive.enclosure_max_file;
    source.media_quota = archive.media_quota;
    source.update = archive.update;
    source.shrink_limit = archive.shrink_limit;
    source.full_text = archive.full_text;
    read_source(in, table, path, min_interval, source);
    read_update_rule(in, table, path, source.update, source.shrink_limit);
    read_fetch_settings(in, table, path, base, source.fetch, true);
    check_fetch_settings(in, table, path, source.fetch);
    Field name = field(table, path, "name");
    if (!source.name.empty()) {
      auto [first, inserted] = first_line_of_name.emplace(source.name, name.node->source().begin.line);
      if (!inserted) {
        in.problem(name, fmt::format("duplicate source name {} (first defined on line {})", in_quotes(source.name),
                                     first->second));
      }
    }
    sources.push_back(std::move(source));
  }
}

bool valid_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  const std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  if (std::stoul(port) > 65535) return false;
  if (colon == std::string::npos) return true;
  const std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.find_first_not_of("[]:0123456789abcdefABCDEF.") == std::string::npos;
  int dots = 0;
  for (const char c : host) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

void read_http(Reader& in, const toml::table& table, Http& http) {
  in.reject_unknown(table, "http", keys_of("http"));
  Field listen = field(table, "http", "listen");
  if (auto value = in.string(listen)) {
    if (valid_listen(*value)) {
      http.listen = *value;
    } else {
      in.problem(listen, fmt::format("must be ADDRESS:PORT such as \"127.0.0.1:9464\" or a port, got {}",
                                     in_quotes(*value)));
    }
  }
  if (auto value = in.integer(field(table, "http", "source_series"), 0, 10'000'000)) http.source_series = *value;
}

void read_publish(Reader& in, const toml::table& table, Publish& publish) {
  in.reject_unknown(table, "publish", keys_of("publish"));
  Field command = field(table, "publish", "command");
  if (auto value = in.strings(command)) {
    if (value->empty() || !fs::path(value->front()).is_absolute()) {
      in.problem(command, "must be a non-empty list whose first element is an absolute path to the program");
    } else {
      publish.command = std::move(*value);
    }
  }
  if (auto value = in.duration(field(table, "publish", "min_interval"))) publish.min_interval = *value;
  if (auto value = in.duration(field(table, "publish", "timeout"))) publish.timeout = *value;
}

void record_lines(const toml::table& table, const std::string& path, std::map<std::string, int>& lines) {
  for (const auto& [name, node] : table) {
    const std::string key = child_key(path, name.str());
    lines[key] = static_cast<int>(node.source().begin.line);
    if (const auto* child = node.as_table()) record_lines(*child, key, lines);
    if (const auto* array = node.as_array(); array && array->is_array_of_tables()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        record_lines(*array->get(i)->as_table(), element_key(key, i), lines);
      }
    }
  }
}

Config read_config(Reader& in, const toml::table& root, const fs::path& file) {
  in.reject_unknown(root, "", section_names());
  Config config;
  config.file = fs::absolute(file).lexically_normal();
  config.storage.database = "data/feedd.db";
  config.storage.posts_dir = "data/_posts";
  config.storage.media_dir = "data/media";
  if (const auto* table = in.table(field(root, "", "storage"))) read_storage(in, *table, config.storage);
  const fs::path base = config.file.parent_path();
  if (const auto* table = in.table(field(root, "", "fetch"))) read_fetch(in, *table, base, config.fetch);
  if (const auto* table = in.table(field(root, "", "schedule"))) read_schedule(in, *table, config.schedule);
  if (const auto* table = in.table(field(root, "", "daemon"))) read_daemon(in, *table, config.daemon);
  if (const auto* table = in.table(field(root, "", "http"))) read_http(in, *table, config.http);
  if (const auto* table = in.table(field(root, "", "publish"))) read_publish(in, *table, config.publish);
  if (const auto* table = in.table(field(root, "", "archive"))) read_archive(in, *table, config.archive);
  read_sources(in, field(root, "", "sources"), config.fetch, config.archive, base, config.schedule.min_interval,
               config.sources);
  record_lines(root, "", config.lines);

  // Relative to the config file, not the working folder, so the same file
  // means the same thing however the daemon was started.
  config.storage.database = (base / config.storage.database).lexically_normal();
  config.storage.posts_dir = (base / config.storage.posts_dir).lexically_normal();
  config.storage.media_dir = (base / config.storage.media_dir).lexically_normal();
  return config;
}

struct FileCloser {
  void operator()(std::FILE* stream) const { std::fclose(stream); }
};

ConfigError cannot_read(const fs::path& file, int error) {
  return ConfigError(file, 0, "(file)", fmt::format("cannot read: {}", std::strerror(error)));
}

// Far above any real config (100,000 sources take about 10 MiB); the cap
// keeps a mistaken path such as /dev/zero from reading forever.
constexpr std::size_t max_config_bytes = std::size_t{64} << 20;

std::string read_file(const fs::path& file) {
  std::unique_ptr<std::FILE, FileCloser> stream(std::fopen(file.c_str(), "rb"));
  if (!stream) throw cannot_read(file, errno);
  std::string text;
  char buffer[1 << 14];
  while (std::size_t count = std::fread(buffer, 1, sizeof buffer, stream.get())) {
    text.append(buffer, count);
    if (text.size() > max_config_bytes) {
      throw ConfigError(file, 0, "(file)", "larger than 64 MiB; is this a feedd config?");
    }
  }
  // fread reports a folder or an I/O failure only through ferror and errno.
  if (std::ferror(stream.get())) throw cannot_read(file, errno);
  return text;
}

}  // namespace

Config parse_config(std::string_view toml_text, const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& error) {
    throw ConfigError(file, static_cast<int>(error.source().begin.line), "(syntax)", std::string(error.description()));
  }
  Problems problems;
  Reader in(problems);
  Config config = read_config(in, root, file);
  problems.throw_first(file);
  return config;
}

std::string_view update_mode_name(UpdateMode mode) {
  switch (mode) {
    case UpdateMode::latest: return "latest";
    case UpdateMode::first: return "first";
    case UpdateMode::never_shrink: return "never_shrink";
  }
  return "latest";
}

Config load_config(const std::filesystem::path& file) { return parse_config(read_file(file), file); }

}  // namespace feedd::config
