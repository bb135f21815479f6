// feedd's own source settings in OPML, so that export-opml then import-opml
// gives back the same [[sources]] exactly. Plain OPML carries a name, a URL,
// folders and a category list; everything else travels as attributes in
// feedd's XML namespace (opml_settings_namespace) on each feed outline:
//
//   <opml version="2.0" xmlns:feedd="urn:feedd:opml:1"> ...
//     <outline type="rss" text="A" xmlUrl="..." feedd:content="raw"
//              feedd:interval="5m" feedd:timezone="Asia/Shanghai"
//              feedd:enabled="false" feedd:remove='["section#imu"]'
//              feedd:tags='["a", "b/c"]' feedd:categories='["x"]'/>
//
// Only settings that differ from the defaults are written. Lists are TOML
// arrays of strings (the config's own syntax). Every other key of the source
// (urls, full_text, kind, html, media, watch, proxy...) travels as
// feedd:KEY with its TOML value as written, e.g. feedd:full_text='"auto"',
// feedd:html='{ item = "li", link = "a" }'; import-opml reads each value as
// TOML again (a value that does not parse is dropped) and writes it back. Other readers ignore the
// attributes; import-opml copies them into the TOML it prints, where the
// config loader checks them like any other line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pugixml.hpp>
#include <toml++/toml.h>

#include "config/config.h"
#include "config/opml.h"

namespace feedd::config {

inline constexpr std::string_view opml_settings_namespace = "urn:feedd:opml:1";

// Declares the namespace on <opml>.
void declare_settings_namespace(pugi::xml_node opml);
// The prefix the document binds to feedd's namespace ("" when it does not).
std::string settings_prefix(const pugi::xml_node& opml);

// Whether export-opml leaves key `key` of a [[sources]] table out of
// other_settings: the keys it writes by name (name, url, tags,
// categories, content, enabled, timezone, interval, remove), and the ones
// that may hold a secret inline (cookie, headers), which an OPML file, often
// shared, must never carry. Secrets kept in files (password_file,
// token_file) travel as their paths.
bool left_out_of_other_settings(std::string_view key);
// `node` as a TOML value on one line ("x", 5, ["a"], { a = "b" }).
std::string toml_value_text(const toml::node& node);

// A [[sources]] table's other keys as written (key, TOML value text): every
// setting but the ones export-opml carries by name and the secrets, so new
// keys travel without code of their own.
using OtherSettings = std::vector<std::pair<std::string, std::string>>;
// Each [[sources]] table's other settings in `toml_text`, the config the
// sources were loaded from, in the order of Config::sources. Read only when
// exporting: kept on every Source they cost the daemon a copy of every
// source's TOML. Throws toml::parse_error on text that is no TOML.
std::vector<OtherSettings> other_settings(std::string_view toml_text);

void write_settings(pugi::xml_node outline, const Source& source, const OtherSettings& others);
OpmlSettings read_settings(const pugi::xml_node& outline, const std::string& prefix);

// TOML lines for `settings` (each ending in a newline), after name and url.
std::string settings_toml(const OpmlSettings& settings);

}  // namespace feedd::config
