#include "config/opml_settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/duration.h"
#include "fetchers/redact/redact_url.h"

namespace feedd::config {
namespace {

bool is_default_list(const std::vector<std::string>& items, const std::string& name) {
  return items.size() == 1 && items[0] == name;
}

std::optional<std::vector<std::string>> string_list(std::string_view text) {
  try {
    const auto parsed = toml::parse(fmt::format("v = {}", text));
    const auto* array = parsed["v"].as_array();
    if (array == nullptr) return std::nullopt;
    std::vector<std::string> items;
    for (const auto& item : *array) {
      const auto value = item.value<std::string>();
      if (!value) return std::nullopt;
      items.push_back(*value);
    }
    return items;
  } catch (const toml::parse_error&) {
    return std::nullopt;  // not feedd's writing: the outline reads as plain OPML
  }
}

constexpr std::array<std::string_view, 11> keys_not_in_others{
    "name", "url", "tags", "categories", "content", "enabled", "timezone", "interval", "remove", "cookie", "headers"};

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

// `text` read as one TOML value and written again on one line; none when it
// is not one (not feedd's writing, or a value smuggling in more lines).
std::optional<std::string> one_toml_value(std::string_view text) {
  try {
    const auto parsed = toml::parse(fmt::format("v = {}", text));
    if (parsed.size() != 1 || !parsed.contains("v")) return std::nullopt;
    return toml_value_text(*parsed.get("v"));
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

}  // namespace

bool left_out_of_other_settings(std::string_view key) {
  return std::find(keys_not_in_others.begin(), keys_not_in_others.end(), key) != keys_not_in_others.end();
}

std::string toml_value_text(const toml::node& node) {
  std::ostringstream out;
  // No flags: basic strings on one line, escapes instead of raw line breaks,
  // so the value fits an XML attribute and a single TOML line.
  constexpr auto flags = toml::format_flags::none;
  if (const auto* table = node.as_table()) {
    toml::table inline_table = *table;
    inline_table.is_inline(true);
    out << toml::toml_formatter{inline_table, flags};
  } else if (const auto* array = node.as_array()) {
    out << toml::toml_formatter{*array, flags};
  } else {
    node.visit([&out](const auto& value) { out << toml::toml_formatter{value, flags}; });
  }
  return out.str();
}

void declare_settings_namespace(pugi::xml_node opml) {
  opml.append_attribute("xmlns:feedd") = std::string(opml_settings_namespace).c_str();
}

std::string settings_prefix(const pugi::xml_node& opml) {
  for (const auto& attribute : opml.attributes()) {
    const std::string_view name = attribute.name();
    if (name.starts_with("xmlns:") && attribute.value() == opml_settings_namespace) {
      return std::string(name.substr(6)) + ":";
    }
  }
  return {};
}

std::vector<OtherSettings> other_settings(std::string_view toml_text) {
  std::vector<OtherSettings> all;
  const toml::table document = toml::parse(toml_text);
  const toml::array* sources = document["sources"].as_array();
  if (!sources) return all;
  for (const auto& element : *sources) {
    OtherSettings& others = all.emplace_back();
    const toml::table* table = element.as_table();
    if (!table) continue;
    for (const auto& [key, node] : *table) {
      if (left_out_of_other_settings(key.str())) continue;
      // A proxy's login is a secret too: such a proxy stays out of exports.
      const auto* proxy = key.str() == "proxy" ? node.as_string() : nullptr;
      if (proxy && url::redact(proxy->get()) != proxy->get()) continue;
      others.emplace_back(key.str(), toml_value_text(node));
    }
  }
  return all;
}

void write_settings(pugi::xml_node outline, const Source& source, const OtherSettings& others) {
  const auto set = [&outline](const char* name, const std::string& value) {
    outline.append_attribute((std::string("feedd:") + name).c_str()) = value.c_str();
  };
  if (!is_default_list(source.tags, source.name)) set("tags", toml_array(source.tags));
  if (!is_default_list(source.categories, source.name)) set("categories", toml_array(source.categories));
  if (source.content == ContentMode::raw) set("content", "raw");
  if (!source.enabled) set("enabled", "false");
  if (source.timezone != "UTC") set("timezone", source.timezone);
  if (source.interval) set("interval", format_duration(*source.interval));
  if (!source.remove.empty()) set("remove", toml_array(source.remove));
  for (const auto& [key, value] : others) set(key.c_str(), value);
}

OpmlSettings read_settings(const pugi::xml_node& outline, const std::string& prefix) {
  OpmlSettings settings;
  if (prefix.empty()) return settings;
  const auto get = [&](const char* name) -> std::optional<std::string> {
    const auto attribute = outline.attribute((prefix + name).c_str());
    if (!attribute) return std::nullopt;
    return std::string(attribute.value());
  };
  if (auto text = get("tags")) settings.tags = string_list(*text);
  if (auto text = get("categories")) settings.categories = string_list(*text);
  if (auto text = get("remove")) settings.remove = string_list(*text);
  settings.content = get("content");
  settings.timezone = get("timezone");
  settings.interval = get("interval");
  if (auto text = get("enabled")) settings.enabled = *text != "false";
  for (const auto& attribute : outline.attributes()) {
    const std::string_view name = attribute.name();
    if (!name.starts_with(prefix)) continue;
    const std::string_view key = name.substr(prefix.size());
    if (!is_bare_key(key) || left_out_of_other_settings(key)) continue;
    if (auto value = one_toml_value(attribute.value())) settings.others.emplace_back(key, std::move(*value));
  }
  return settings;
}

std::string settings_toml(const OpmlSettings& settings) {
  std::string out;
  if (settings.content) out += fmt::format("content = {}\n", toml_string(*settings.content));
  if (settings.enabled) out += fmt::format("enabled = {}\n", *settings.enabled ? "true" : "false");
  if (settings.timezone) out += fmt::format("timezone = {}\n", toml_string(*settings.timezone));
  if (settings.interval) out += fmt::format("interval = {}\n", toml_string(*settings.interval));
  if (settings.remove) out += fmt::format("remove = {}\n", toml_array(*settings.remove));
  for (const auto& [key, value] : settings.others) out += fmt::format("{} = {}\n", key, value);
  return out;
}

}  // namespace feedd::config
