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
// arrays of strings (the config's own syntax). Other readers ignore the
// attributes; import-opml copies them into the TOML it prints, where the
// config loader checks them like any other line.
#pragma once

#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "config/config.h"
#include "config/opml.h"

namespace feedd::config {

inline constexpr std::string_view opml_settings_namespace = "urn:feedd:opml:1";

// Declares the namespace on <opml>.
void declare_settings_namespace(pugi::xml_node opml);
// The prefix the document binds to feedd's namespace ("" when it does not).
std::string settings_prefix(const pugi::xml_node& opml);

void write_settings(pugi::xml_node outline, const Source& source);
OpmlSettings read_settings(const pugi::xml_node& outline, const std::string& prefix);

// TOML lines for `settings` (each ending in a newline), after name and url.
std::string settings_toml(const OpmlSettings& settings);

}  // namespace feedd::config
