// feedd history
#include "daemon/cli/commands/history/history_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/commands/history/diff_output.h"
#include "daemon/cli/commands/history/enclosure_lists.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/watch/wayback_tables.h"
#include "fetchers/feed/dates.h"
#include "fetchers/html/html_text.h"
#include "store/store.h"
#include "store/versions/update_rule.h"
#include "store/versions/word_diff.h"

namespace feedd {
namespace {

class HistoryFailure : public std::runtime_error {
 public:
  HistoryFailure(int status, const std::string& problem) : std::runtime_error(problem), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

// What the command shows of the entry besides its versions.
struct EntryHeading {
  std::string url;
  std::string source;
  int shown = 0;  // the version the post shows; 0 when none matches exactly (reprocessed since)
  // The Wayback Machine's copy of the page (archive_org); empty, and shown
  // as none, until Save Page Now has made one.
  std::string snapshot_url;
  std::map<int, std::vector<ListedEnclosures>> enclosures;  // by version
};

// A title is plain text already.
std::size_t characters(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

std::string changed_of(const std::vector<EntryVersion>& versions, std::size_t index) {
  if (index == 0) return "first";
  const bool title = versions[index].title != versions[index - 1].title;
  const bool content = versions[index].content != versions[index - 1].content;
  return title && content ? "both" : title ? "title" : "content";
}

int shown_version(const EntryRow& row, const std::vector<EntryVersion>& versions) {
  for (auto version = versions.rbegin(); version != versions.rend(); ++version) {
    if (version->title == row.title && version->content == row.content) return version->number;
  }
  return 0;
}

nlohmann::json enclosures_json(const std::vector<ListedEnclosures>& lists) {
  nlohmann::json json = nlohmann::json::array();
  for (const ListedEnclosures& list : lists) {
    nlohmann::json items = nlohmann::json::array();
    for (const EnclosureRecord& enclosure : list.enclosures) {
      items.push_back({{"url", enclosure.url},
                       {"type", enclosure.type},
                       {"length", enclosure.length ? nlohmann::json(*enclosure.length) : nlohmann::json(nullptr)}});
    }
    json.push_back({{"replaced", list.replaced_ms ? nlohmann::json(dates::format_rfc3339(*list.replaced_ms))
                                                  : nlohmann::json(nullptr)},
                    {"enclosures", std::move(items)}});
  }
  return json;
}

std::string json_line(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_list_json(const EntryHeading& heading, const std::vector<EntryVersion>& versions) {
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const EntryVersion& version = versions[i];
    nlohmann::json object = {{"url", heading.url},
                             {"version", version.number},
                             {"time", dates::format_rfc3339(version.recorded_ms)},
                             {"origin", version.origin},
                             {"size", text_size(version.content)},
                             {"title_size", characters(version.title)},
                             {"changed", changed_of(versions, i)},
                             {"shown", version.number == heading.shown},
                             {"title", version.title},
                             {"snapshot_url", nullptr}};
    if (!heading.snapshot_url.empty()) object["snapshot_url"] = heading.snapshot_url;
    const auto lists = heading.enclosures.find(version.number);
    object["enclosure_lists"] =
        enclosures_json(lists == heading.enclosures.end() ? std::vector<ListedEnclosures>{} : lists->second);
    fmt::print("{}\n", json_line(object));
  }
}

// Under its version: "enclosures until TIME:" for a list an update replaced,
// "enclosures now:" for the item's current list.
void print_enclosures_for_people(const std::vector<ListedEnclosures>& lists) {
  for (const ListedEnclosures& list : lists) {
    fmt::print("      enclosures {}:\n",
               list.replaced_ms ? "until " + dates::format_rfc3339(*list.replaced_ms) : std::string("now"));
    for (const EnclosureRecord& enclosure : list.enclosures) {
      std::string details = enclosure.type;
      if (enclosure.length) details += fmt::format("{}{} bytes", details.empty() ? "" : ", ", *enclosure.length);
      fmt::print("        {}{}\n", enclosure.url, details.empty() ? "" : " (" + details + ")");
    }
  }
}

void print_list_for_people(const EntryHeading& heading, const std::vector<EntryVersion>& versions) {
  fmt::print("{}\n  source {}; {} version{}; the post shows {}\n  snapshot: {}\n", heading.url, heading.source,
             versions.size(), versions.size() == 1 ? "" : "s",
             heading.shown > 0 ? fmt::format("version {}", heading.shown) : "none of them exactly (reprocessed)",
             heading.snapshot_url.empty() ? "none" : heading.snapshot_url);
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const EntryVersion& version = versions[i];
    fmt::print("{:>4}  {}  {:<4}  {:>7} chars  {:<7}  {}\n", version.number, dates::format_rfc3339(version.recorded_ms),
               version.origin, text_size(version.content), changed_of(versions, i), version.title);
    const auto lists = heading.enclosures.find(version.number);
    if (lists != heading.enclosures.end()) print_enclosures_for_people(lists->second);
  }
}

const EntryVersion& version_named(const std::vector<EntryVersion>& versions, const std::string& text) {
  char* end = nullptr;
  const long number = std::strtol(text.c_str(), &end, 10);
  for (const auto& version : versions) {
    if (!text.empty() && *end == '\0' && version.number == number) return version;
  }
  throw HistoryFailure(exit_usage, fmt::format("--diff: no version \"{}\"; this entry has versions 1 to {}", text,
                                               versions.size()));
}

bool colour_wanted() {
  const char* no_colour = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) == 1 && (no_colour == nullptr || *no_colour == '\0');
}

void print_diff(const EntryHeading& heading, const EntryVersion& from, const EntryVersion& to, bool json) {
  const auto title = word_diff(from.title, to.title);
  const auto text = word_diff(html_to_text(from.content), html_to_text(to.content));
  if (json) {
    for (const auto& [field, pieces] : {std::pair{"title", &title}, std::pair{"content", &text}}) {
      fmt::print("{}\n", json_line({{"url", heading.url},
                                    {"from", from.number},
                                    {"to", to.number},
                                    {"field", field},
                                    {"pieces", diff_as_json(*pieces)}}));
    }
    return;
  }
  const bool colour = colour_wanted();
  fmt::print("{}\n--- version {} ({}, {})\n+++ version {} ({}, {})\n", heading.url, from.number,
             dates::format_rfc3339(from.recorded_ms), from.origin, to.number, dates::format_rfc3339(to.recorded_ms),
             to.origin);
  fmt::print("title: {}\n\n{}\n", diff_for_people(title, colour), diff_for_people(text, colour));
}

int show_history(const HistoryCommandOptions& options) {
  if (options.url.empty()) throw HistoryFailure(exit_usage, "which entry? (feedd history URL)");
  const config::Config config = config::load_config(options.config_path);
  std::error_code missing;
  if (!std::filesystem::exists(config.storage.database, missing)) {
    throw HistoryFailure(exit_store, fmt::format("no store at {} yet: 'feedd once' or 'feedd run' creates it",
                                                 config.storage.database.string()));
  }
  Store store(config.storage.database);
  const auto row = find_entry_for_url(store, options.url);
  if (!row) throw HistoryFailure(exit_usage, fmt::format("no entry has the URL {}", options.url));
  const auto versions = store.versions_of(row->id);
  const EntryHeading heading{row->url, store.source_name(row->source_id).value_or(""), shown_version(*row, versions),
                             watch::snapshot_of(store.database(), row->id).value_or(""),
                             enclosure_lists_by_version(store, row->id)};
  if (options.diff) {
    print_diff(heading, version_named(versions, options.diff->first), version_named(versions, options.diff->second),
               options.json);
  } else if (options.json) {
    print_list_json(heading, versions);
  } else {
    print_list_for_people(heading, versions);
  }
  return exit_ok;
}

}  // namespace

int command_history(const HistoryCommandOptions& options) {
  try {
    return show_history(options);
  } catch (const HistoryFailure& failure) {
    fmt::print(stderr, "feedd history: {}\n", failure.what());
    return failure.status();
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "feedd history: {}\n", error.what());
    return exit_usage;
  } catch (const std::exception& error) {
    // SQLite errors already name the database.
    fmt::print(stderr, "feedd history: {}\n", error.what());
    return exit_store;
  }
}

}  // namespace feedd
