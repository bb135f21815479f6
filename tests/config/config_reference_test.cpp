// config/reference.cpp against the loader: every documented key is read into
// the right field, every plain default is the loader's, and the loader accepts
// nothing the reference does not list. Together with feedd.toml(5) being
// written from the same table, a key cannot be accepted undocumented or
// documented wrongly.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "config/config.h"
#include "config/duration.h"
#include "config/reference.h"
#include "daemon/cli/man_page.h"

namespace fs = std::filesystem;
using feedd::config::Config;
using feedd::config::ConfigError;
using feedd::config::ContentMode;
using feedd::config::KeySpec;
using feedd::config::ValueKind;

namespace {

const fs::path config_file = "/etc/feedd/feedd.toml";

std::string dotted(const KeySpec& key) { return fmt::format("{}.{}", key.section, key.key); }

std::string milliseconds(std::chrono::milliseconds value) { return fmt::format("{}ms", value.count()); }

std::string joined(const std::vector<std::string>& items) { return fmt::format("{}", fmt::join(items, "\n")); }

std::string header_lines(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::string> lines;
  for (const auto& [name, value] : headers) lines.push_back(name + ": " + value);
  return joined(lines);
}

std::string media_mode(feedd::config::MediaMode mode) {
  return mode == feedd::config::MediaMode::local ? "local" : "off";
}

// full_text as canonical() writes it: "auto", "off", or "selector|remove,...".
std::string full_text_text(const feedd::config::FullText& full_text) {
  using Mode = feedd::config::FullText::Mode;
  if (full_text.mode == Mode::off) return "off";
  if (full_text.mode == Mode::automatic) return "auto";
  return fmt::format("{}|{}", full_text.selector, fmt::join(full_text.remove, ","));
}

// The html selectors as canonical() writes a table: "key=value" lines by key.
std::string listing_text(const feedd::config::HtmlListing& html) {
  std::map<std::string, std::string> set;
  const std::pair<const char*, const std::string*> keys[] = {{"item", &html.item}, {"link", &html.link},
      {"title", &html.title}, {"date", &html.date}, {"date_format", &html.date_format}, {"summary", &html.summary}};
  for (const auto& [name, value] : keys) {
    if (!value->empty()) set[name] = *value;
  }
  std::vector<std::string> lines;
  for (const auto& [name, value] : set) lines.push_back(name + "=" + value);
  return joined(lines);
}

// The keys [fetch] and [[sources]] share, read from either.
using FetchOf = std::function<const feedd::config::SourceFetch&(const Config&)>;
void add_fetch_accessors(std::map<std::string, std::function<std::string(const Config&)>>& table,
                         const std::string& section, const FetchOf& of) {
  table[section + ".proxy"] = [of](const Config& c) { return of(c).proxy; };
  table[section + ".headers"] = [of](const Config& c) { return header_lines(of(c).headers); };
  table[section + ".cookie"] = [of](const Config& c) { return of(c).cookie; };
  table[section + ".username"] = [of](const Config& c) { return of(c).username; };
  table[section + ".password_file"] = [of](const Config& c) { return of(c).password_file.string(); };
  table[section + ".token_file"] = [of](const Config& c) { return of(c).token_file.string(); };
  table[section + ".tls_ca_file"] = [of](const Config& c) { return of(c).tls_ca_file.string(); };
  table[section + ".primary_retry"] = [of](const Config& c) { return milliseconds(of(c).primary_retry); };
}

// The loaded value of each key, in the form canonical() gives an example.
// Sources keys read the first source.
using Accessor = std::function<std::string(const Config&)>;
const std::map<std::string, Accessor>& accessors() {
  static const std::map<std::string, Accessor> every_key = [] {
  std::map<std::string, Accessor> table = {
      {"storage.database", [](const Config& c) { return c.storage.database.string(); }},
      {"storage.posts_dir", [](const Config& c) { return c.storage.posts_dir.string(); }},
      {"storage.fetch_history", [](const Config& c) { return milliseconds(c.storage.fetch_history); }},
      {"fetch.concurrency", [](const Config& c) { return std::to_string(c.fetch.concurrency); }},
      {"fetch.per_host", [](const Config& c) { return std::to_string(c.fetch.per_host); }},
      {"fetch.timeout", [](const Config& c) { return milliseconds(c.fetch.timeout); }},
      {"fetch.max_body", [](const Config& c) { return std::to_string(c.fetch.max_body); }},
      {"fetch.user_agent", [](const Config& c) { return c.fetch.user_agent; }},
      {"fetch.low_speed_limit", [](const Config& c) { return std::to_string(c.fetch.low_speed_limit); }},
      {"fetch.low_speed_time", [](const Config& c) { return milliseconds(c.fetch.low_speed_time); }},
      {"fetch.allow_private", [](const Config& c) { return std::string(c.fetch.allow_private ? "true" : "false"); }},
      {"schedule.interval", [](const Config& c) { return milliseconds(c.schedule.interval); }},
      {"schedule.max_backoff", [](const Config& c) { return milliseconds(c.schedule.max_backoff); }},
      {"schedule.min_interval", [](const Config& c) { return milliseconds(c.schedule.min_interval); }},
      {"daemon.shutdown_grace", [](const Config& c) { return milliseconds(c.daemon.shutdown_grace); }},
      {"http.listen", [](const Config& c) { return c.http.listen; }},
      {"http.source_series", [](const Config& c) { return std::to_string(c.http.source_series); }},
      {"publish.command", [](const Config& c) { return joined(c.publish.command); }},
      {"publish.min_interval", [](const Config& c) { return milliseconds(c.publish.min_interval); }},
      {"publish.timeout", [](const Config& c) { return milliseconds(c.publish.timeout); }},
      {"sources.name", [](const Config& c) { return c.sources.at(0).name; }},
      {"sources.url", [](const Config& c) { return c.sources.at(0).url; }},
      {"sources.tags", [](const Config& c) { return joined(c.sources.at(0).tags); }},
      {"sources.categories", [](const Config& c) { return joined(c.sources.at(0).categories); }},
      {"sources.content",
       [](const Config& c) { return std::string(c.sources.at(0).content == ContentMode::raw ? "raw" : "sanitize"); }},
      {"sources.enabled", [](const Config& c) { return std::string(c.sources.at(0).enabled ? "true" : "false"); }},
      {"sources.timezone", [](const Config& c) { return c.sources.at(0).timezone; }},
      {"sources.interval",
       [](const Config& c) {
         const auto& interval = c.sources.at(0).interval;
         return interval ? milliseconds(*interval) : std::string("unset");
       }},
      {"sources.remove", [](const Config& c) { return joined(c.sources.at(0).remove); }},
      {"sources.allow_private",
       [](const Config& c) { return std::string(c.sources.at(0).allow_private ? "true" : "false"); }},
      {"sources.user_agent", [](const Config& c) { return c.sources.at(0).fetch.user_agent; }},
      {"sources.timeout", [](const Config& c) { return milliseconds(c.sources.at(0).fetch.timeout.value_or(std::chrono::milliseconds(0))); }},
      {"sources.urls", [](const Config& c) { return joined(c.sources.at(0).urls); }},
      {"archive.watch", [](const Config& c) { return c.archive.watch ? milliseconds(*c.archive.watch) : "unset"; }},
      {"archive.archive_org", [](const Config& c) { return std::string(c.archive.archive_org ? "true" : "false"); }},
      {"archive.archive_org_endpoint", [](const Config& c) { return c.archive.archive_org_endpoint; }},
      {"archive.archive_org_interval", [](const Config& c) { return milliseconds(c.archive.archive_org_interval); }},
      {"sources.watch",
       [](const Config& c) {
         const auto& watch = c.sources.at(0).watch;
         return watch ? milliseconds(*watch) : std::string("unset");
       }},
      {"sources.archive_org",
       [](const Config& c) { return std::string(c.sources.at(0).archive_org ? "true" : "false"); }},
      {"archive.removed_notice", [](const Config& c) { return std::string(c.archive.removed_notice ? "true" : "false"); }},
      {"sources.removed_notice",
       [](const Config& c) { return std::string(c.sources.at(0).removed_notice ? "true" : "false"); }},
      {"sources.enclosures",
       [](const Config& c) { return std::string(c.sources.at(0).enclosures ? "true" : "false"); }},
      {"storage.media_dir", [](const Config& c) { return c.storage.media_dir.string(); }},
      {"storage.media_url", [](const Config& c) { return c.storage.media_url; }},
      {"archive.media", [](const Config& c) { return media_mode(c.archive.media); }},
      {"archive.media_max_file", [](const Config& c) { return std::to_string(c.archive.media_max_file); }},
      {"archive.media_quota", [](const Config& c) { return std::to_string(c.archive.media_quota); }},
      {"archive.enclosure_max_file", [](const Config& c) { return std::to_string(c.archive.enclosure_max_file); }},
      {"sources.enclosure_max_file",
       [](const Config& c) { return std::to_string(c.sources.at(0).enclosure_max_file); }},
      {"sources.media", [](const Config& c) { return media_mode(c.sources.at(0).media); }},
      {"sources.media_max_file", [](const Config& c) { return std::to_string(c.sources.at(0).media_max_file); }},
      {"sources.media_quota", [](const Config& c) { return std::to_string(c.sources.at(0).media_quota); }},
      {"archive.update", [](const Config& c) { return std::string(feedd::config::update_mode_name(c.archive.update)); }},
      {"archive.shrink_limit", [](const Config& c) { return fmt::format("{}", c.archive.shrink_limit); }},
      {"sources.update",
       [](const Config& c) { return std::string(feedd::config::update_mode_name(c.sources.at(0).update)); }},
      {"sources.shrink_limit", [](const Config& c) { return fmt::format("{}", c.sources.at(0).shrink_limit); }},
      {"archive.full_text", [](const Config& c) { return full_text_text(c.archive.full_text); }},
      {"sources.full_text", [](const Config& c) { return full_text_text(c.sources.at(0).full_text); }},
      {"sources.kind",
       [](const Config& c) {
         return std::string(c.sources.at(0).kind == feedd::config::SourceKind::html ? "html" : "feed");
       }},
      {"sources.html", [](const Config& c) { return listing_text(c.sources.at(0).html); }},
  };
  add_fetch_accessors(table, "fetch", [](const Config& c) -> const feedd::config::SourceFetch& { return c.fetch.source_defaults; });
  add_fetch_accessors(table, "sources", [](const Config& c) -> const feedd::config::SourceFetch& { return c.sources.at(0).fetch; });
  return table;
  }();
  return every_key;
}

// A TOML value as written in the reference, in an accessor's form; nullopt
// when `text` is prose rather than TOML ("[name]").
std::optional<std::string> canonical(ValueKind kind, std::string_view text) {
  toml::table parsed;
  try {
    parsed = toml::parse(fmt::format("v = {}", text));
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  const toml::node& node = *parsed.get("v");
  switch (kind) {
    case ValueKind::string:
    case ValueKind::choice:
    case ValueKind::time_zone: return node.value<std::string>();
    case ValueKind::path: return (config_file.parent_path() / *node.value<std::string>()).lexically_normal().string();
    case ValueKind::integer: return std::to_string(*node.value<std::int64_t>());
    case ValueKind::boolean: return std::string(*node.value<bool>() ? "true" : "false");
    case ValueKind::duration: return milliseconds(*feedd::config::parse_duration(*node.value<std::string>()));
    case ValueKind::size:
      if (auto bytes = node.value<std::int64_t>()) return std::to_string(*bytes);
      return std::to_string(*feedd::config::parse_size(*node.value<std::string>()));
    case ValueKind::string_table: {
      std::vector<std::pair<std::string, std::string>> headers;
      for (const auto& [name, value] : *node.as_table()) headers.emplace_back(std::string(name.str()), *value.value<std::string>());
      return header_lines(headers);
    }
    case ValueKind::fraction: return fmt::format("{}", *node.value<double>());
    case ValueKind::full_text: {
      if (auto plain = node.value<std::string>()) return *plain;
      std::vector<std::string> remove;
      if (const auto* list = node.as_table()->get_as<toml::array>("remove")) {
        for (const auto& item : *list) remove.push_back(*item.value<std::string>());
      }
      return fmt::format("{}|{}", *node.as_table()->get("selector")->value<std::string>(), fmt::join(remove, ","));
    }
    case ValueKind::table: {
      std::map<std::string, std::string> set;
      for (const auto& [name, value] : *node.as_table()) set[std::string(name.str())] = *value.value<std::string>();
      std::vector<std::string> lines;
      for (const auto& [name, value] : set) lines.push_back(name + "=" + value);
      return joined(lines);
    }
    case ValueKind::strings: {
      std::vector<std::string> items;
      for (const auto& item : *node.as_array()) items.push_back(*item.value<std::string>());
      return joined(items);
    }
  }
  return std::nullopt;
}

// A config that sets every key of the reference to its example.
std::string every_example() {
  std::string text;
  for (const auto& section : feedd::config::config_sections()) {
    text += section.array_of_tables ? fmt::format("\n[[{}]]\n", section.name) : fmt::format("\n[{}]\n", section.name);
    for (const auto& key : feedd::config::config_keys()) {
      if (key.section == section.name) text += fmt::format("{} = {}\n", key.key, key.example);
    }
  }
  return text;
}

std::string error_of(std::string_view text) {
  try {
    (void)feedd::config::parse_config(text, config_file);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("The test knows how to read back every key of the reference, and no other") {
  std::set<std::string> documented;
  for (const auto& key : feedd::config::config_keys()) documented.insert(dotted(key));
  std::set<std::string> read_back;
  for (const auto& [name, accessor] : accessors()) read_back.insert(name);
  CHECK(documented == read_back);
}

TEST_CASE("A config setting every key to its reference example loads, each value in its field") {
  const std::string text = every_example();
  INFO(text);
  Config config = feedd::config::parse_config(text, config_file);
  REQUIRE(config.sources.size() == 1);
  for (const auto& key : feedd::config::config_keys()) {
    CAPTURE(dotted(key));
    auto accessor = accessors().find(dotted(key));
    REQUIRE(accessor != accessors().end());
    auto expected = canonical(key.kind, key.example);
    REQUIRE_MESSAGE(expected.has_value(), "the example is not a TOML value: ", key.example);
    CHECK(accessor->second(config) == *expected);
    // An example equal to the default would not show that the key is read.
    CHECK(key.example != key.default_value);
  }
}

TEST_CASE("Every default written as a TOML value is what the loader uses when the key is absent") {
  Config config = feedd::config::parse_config("[[sources]]\nname = \"a\"\nurl = \"https://example.org/\"\n", config_file);
  int checked = 0;
  for (const auto& key : feedd::config::config_keys()) {
    CAPTURE(dotted(key));
    if (key.required) {
      CHECK(key.default_value.empty());
      continue;
    }
    CHECK_FALSE(key.default_value.empty());
    auto expected = canonical(key.kind, key.default_value);
    if (!expected) continue;  // prose, such as "[name]"
    CHECK(accessors().at(dotted(key))(config) == *expected);
    ++checked;
  }
  CHECK(checked >= 15);
}

TEST_CASE("The loader refuses every key the reference does not list, naming exactly the listed ones") {
  CHECK(error_of("[nope]\n") == fmt::format("/etc/feedd/feedd.toml:1: nope: unknown key (expected one of: {})",
                                            fmt::join(feedd::config::section_names(), ", ")));
  for (const auto& section : feedd::config::config_sections()) {
    CAPTURE(section.name);
    std::string text = section.array_of_tables
                           ? fmt::format("[[{}]]\nname = \"a\"\nurl = \"https://x/\"\nnope = 1\n", section.name)
                           : fmt::format("[{}]\nnope = 1\n", section.name);
    std::string where = section.array_of_tables ? fmt::format("{}[0]", section.name) : std::string(section.name);
    CHECK(error_of(text) == fmt::format("/etc/feedd/feedd.toml:{}: {}.nope: unknown key (expected one of: {})",
                                        section.array_of_tables ? 4 : 2, where,
                                        fmt::join(feedd::config::keys_of(section.name), ", ")));
  }
}

TEST_CASE("Asking for the keys of a section the reference lacks is a programming error") {
  CHECK_THROWS_AS(feedd::config::keys_of("nope"), std::logic_error);
}

TEST_CASE("feedd.toml(5) has every section and key with its type and default") {
  const std::string page = feedd::config_man_page();
  CHECK(page.starts_with(".\\\" Generated"));
  CHECK(page.find("\n.TH FEEDD.TOML 5 ") != std::string::npos);
  for (const auto& section : feedd::config::config_sections()) {
    std::string header = section.array_of_tables ? fmt::format("[[{}]]", section.name)
                                                 : fmt::format("[{}]", section.name);
    CHECK_MESSAGE(page.find(fmt::format("\n.SS \\fB{}\\fR\n", header)) != std::string::npos, header);
  }
  for (const auto& key : feedd::config::config_keys()) {
    CAPTURE(dotted(key));
    std::string tag = fmt::format("\n.TP\n\\fB{}\\fR = \\fI{}\\fR", feedd::roff_text(key.key),
                                  feedd::roff_text(feedd::config::kind_name(key.kind)));
    tag += key.required ? " (required)\n" : fmt::format(" (default: {})\n", feedd::roff_text(key.default_value));
    CHECK(page.find(tag) != std::string::npos);
  }
}
