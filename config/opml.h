// OPML, the subscription list every feed reader imports and exports, to and
// from feedd's [[sources]].
//
// Mapping: a feed outline (one with xmlUrl) is a source; its name is the
// outline's title, else its text, else the URL. The folders around it (plain
// outlines, any depth) are its categories, outermost first. Tags travel in
// the OPML 2.0 `category` attribute ("a,b": entries without a slash are
// tags). A source whose categories are the default [name] sits at the top
// level. feedd's other settings travel in its own namespace
// (config/opml_settings.h), so exporting and importing again gives the same
// sources, every setting included.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace feedd::config {

// What feedd itself wrote into an exported outline (config/opml_settings.h);
// unset when the file came from another reader.
struct OpmlSettings {
  std::optional<std::vector<std::string>> tags;        // exact, replacing the category attribute's
  std::optional<std::vector<std::string>> categories;  // exact, replacing the folders
  std::optional<std::string> content;
  std::optional<bool> enabled;
  std::optional<std::string> timezone;
  std::optional<std::string> interval;  // as written, e.g. "5m"
  std::optional<std::vector<std::string>> remove;
  // Every other feedd:KEY, its value TOML as it will be written.
  std::vector<std::pair<std::string, std::string>> others;
};

struct OpmlFeed {
  std::string name;
  std::string url;
  std::vector<std::string> categories;  // enclosing folders, outermost first
  std::vector<std::string> tags;
  OpmlSettings settings;
};

// A file that is not OPML. what() names the file and the problem.
class OpmlError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every feed outline in document order. Names and folder names have control
// characters and runs of whitespace turned into single spaces (feedd's config
// refuses control characters). Throws OpmlError.
std::vector<OpmlFeed> parse_opml(std::string_view document, const std::filesystem::path& file);

// The sources as an OPML 2.0 document (UTF-8); `config_text` is the config
// they were loaded from, whose other keys each source carries along
// (opml_settings.h). Throws std::runtime_error when its [[sources]] tables
// are not the sources (the file changed since it was loaded).
std::string write_opml(const std::vector<Source>& sources, std::string_view title, std::string_view config_text);

// What importing a file would add to a config.
struct OpmlImport {
  std::vector<OpmlFeed> added;    // names made unique against the config and each other
  std::vector<OpmlFeed> skipped_configured;  // the URL is already a source
  std::vector<std::pair<OpmlFeed, std::string>> refused;  // with the reason
};

// Two URLs name the same feed when their keys are equal (feedd passes its
// canonical URL form). feed:// URLs are read as http://.
using UrlKey = std::function<std::string(std::string_view url)>;
OpmlImport plan_import(const std::vector<OpmlFeed>& feeds, const std::vector<Source>& configured, const UrlKey& key);

// [[sources]] tables for plan.added, with comments listing what was skipped:
// ready to append to a config file.
std::string import_toml(const OpmlImport& plan, std::string_view from);

// A TOML basic string ("...") holding exactly `text` (UTF-8).
std::string toml_string(std::string_view text);
// A TOML array of such strings: ["a", "b"].
std::string toml_array(const std::vector<std::string>& items);

}  // namespace feedd::config
