#include "config/opml.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "config/opml_settings.h"
#include "fetchers/redact/redact_url.h"

namespace feedd::config {
namespace {

// Deeper folder trees are not subscription lists but attacks on the stack.
constexpr int max_folder_depth = 64;

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Bytes in the well-formed UTF-8 sequence at `text[at]`, or 0.
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  if (lead >= 0xE0 && lead <= 0xEF) length = 3;
  if (lead >= 0xF0 && lead <= 0xF4) length = 4;
  if (length == 0 || at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[at + i]))) return 0;
  }
  return length;
}

// Whitespace and control characters collapse to single spaces, ends trimmed,
// bytes that are not UTF-8 become U+FFFD: what a config name may hold.
std::string clean_text(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (std::size_t at = 0; at < text.size();) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x20 || byte == 0x7F || byte == ' ') {
      pending_space = true;
      ++at;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    const std::size_t length = utf8_length(text, at);
    if (length == 0) {
      out += "\uFFFD";
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// "a, b,/x/y" -> tags {a, b}; slash paths are categories, which the folders
// already say.
std::vector<std::string> tags_of(std::string_view attribute) {
  std::vector<std::string> tags;
  std::size_t start = 0;
  while (start <= attribute.size()) {
    const auto comma = std::min(attribute.find(',', start), attribute.size());
    std::string tag = clean_text(attribute.substr(start, comma - start));
    if (!tag.empty() && tag.find('/') == std::string::npos) tags.push_back(std::move(tag));
    start = comma + 1;
  }
  return tags;
}

class OutlineReader {
 public:
  OutlineReader(const std::filesystem::path& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  void read(const pugi::xml_node& parent, std::vector<std::string>& folders, int depth) {
    if (depth > max_folder_depth) {
      throw OpmlError(fmt::format("{}: folders nested deeper than {}", file_.string(), max_folder_depth));
    }
    for (const pugi::xml_node& outline : parent.children("outline")) {
      const std::string url = trimmed(outline.attribute("xmlUrl").as_string());
      const std::string title = clean_text(outline.attribute("title").as_string());
      const std::string text = clean_text(outline.attribute("text").as_string());
      const std::string& label = title.empty() ? text : title;
      if (!url.empty()) {
        const auto tags = tags_of(outline.attribute("category").as_string());
        feeds_.push_back({label.empty() ? url : label, url, folders, tags, read_settings(outline, prefix_)});
        continue;
      }
      // A folder without a name still groups its feeds; it adds no category.
      if (!label.empty()) folders.push_back(label);
      read(outline, folders, depth + 1);
      if (!label.empty()) folders.pop_back();
    }
  }

  std::vector<OpmlFeed> take() { return std::move(feeds_); }

 private:
  const std::filesystem::path& file_;
  std::string prefix_;  // of feedd's namespace; "" when absent
  std::vector<OpmlFeed> feeds_;
};

std::size_t line_of(std::string_view document, std::ptrdiff_t offset) {
  const auto end = std::min(static_cast<std::size_t>(std::max<std::ptrdiff_t>(offset, 0)), document.size());
  const auto before = document.substr(0, end);
  return 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
}

bool has_default_categories(const Source& source) {
  return source.categories.size() == 1 && source.categories[0] == source.name;
}

bool has_default_tags(const Source& source) { return source.tags.size() == 1 && source.tags[0] == source.name; }

void add_feed_outline(pugi::xml_node parent, const Source& source) {
  pugi::xml_node outline = parent.append_child("outline");
  outline.append_attribute("type") = "rss";
  outline.append_attribute("text") = source.name.c_str();
  outline.append_attribute("title") = source.name.c_str();
  outline.append_attribute("xmlUrl") = source.url.c_str();
  if (has_default_tags(source)) return;
  // The category attribute is comma-separated and slashes mean paths, so a
  // tag holding either cannot travel.
  std::string tags;
  for (const auto& tag : source.tags) {
    if (tag.find_first_of(",/") != std::string::npos) continue;
    if (!tags.empty()) tags += ',';
    tags += tag;
  }
  if (!tags.empty()) outline.append_attribute("category") = tags.c_str();
}

void add_source_outline(pugi::xml_node parent, const Source& source, const OtherSettings& others) {
  add_feed_outline(parent, source);
  write_settings(parent.last_child(), source, others);
}

// The folder outline for `path` under `body`, created on first use.
pugi::xml_node folder_for(pugi::xml_node body, const std::vector<std::string>& path,
                          std::map<std::vector<std::string>, pugi::xml_node>& folders) {
  pugi::xml_node node = body;
  std::vector<std::string> prefix;
  for (const auto& name : path) {
    prefix.push_back(name);
    auto found = folders.find(prefix);
    if (found == folders.end()) {
      pugi::xml_node folder = node.append_child("outline");
      folder.append_attribute("text") = name.c_str();
      folder.append_attribute("title") = name.c_str();
      found = folders.emplace(prefix, folder).first;
    }
    node = found->second;
  }
  return node;
}

// Readers write "feed://host/path" and "feed:https://host/path" for feeds.
std::string without_feed_scheme(const std::string& url) {
  if (url.starts_with("feed:https://") || url.starts_with("feed:http://")) return url.substr(5);
  if (url.starts_with("feed://")) return "http://" + url.substr(7);
  return url;
}

std::string lower_scheme(std::string_view url) {
  const auto colon = url.find(':');
  std::string scheme(url.substr(0, colon == std::string_view::npos ? 0 : colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return scheme;
}

// The name itself, else "name (2)", "name (3)", ...: config names are unique.
std::string unique_name(const std::string& name, std::set<std::string>& taken) {
  std::string candidate = name;
  for (int n = 2; taken.contains(candidate); ++n) candidate = fmt::format("{} ({})", name, n);
  taken.insert(candidate);
  return candidate;
}

}  // namespace

std::string toml_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + toml_string(items[i]);
  return out + "]";
}

std::vector<OpmlFeed> parse_opml(std::string_view document, const std::filesystem::path& file) {
  pugi::xml_document doc;
  const pugi::xml_parse_result result = doc.load_buffer(document.data(), document.size());
  if (!result) {
    throw OpmlError(fmt::format("{}:{}: not well-formed XML: {}", file.string(), line_of(document, result.offset),
                                result.description()));
  }
  const pugi::xml_node opml = doc.child("opml");
  if (!opml) throw OpmlError(fmt::format("{}: not OPML (the root element is not <opml>)", file.string()));
  OutlineReader reader(file, settings_prefix(opml));
  std::vector<std::string> folders;
  reader.read(opml.child("body"), folders, 0);
  return reader.take();
}

std::string write_opml(const std::vector<Source>& sources, std::string_view title, std::string_view config_text) {
  const std::vector<OtherSettings> others = other_settings(config_text);
  if (others.size() != sources.size()) {
    throw std::runtime_error(fmt::format("the config file changed while it was exported ({} sources loaded, {} now)",
                                         sources.size(), others.size()));
  }
  pugi::xml_document doc;
  pugi::xml_node declaration = doc.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  pugi::xml_node opml = doc.append_child("opml");
  opml.append_attribute("version") = "2.0";
  declare_settings_namespace(opml);
  opml.append_child("head").append_child("title").text() = std::string(title).c_str();
  pugi::xml_node body = opml.append_child("body");
  std::map<std::vector<std::string>, pugi::xml_node> folders;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Source& source = sources[i];
    const bool top_level = has_default_categories(source) || source.categories.empty();
    add_source_outline(top_level ? body : folder_for(body, source.categories, folders), source, others[i]);
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

OpmlImport plan_import(const std::vector<OpmlFeed>& feeds, const std::vector<Source>& configured, const UrlKey& key) {
  OpmlImport plan;
  std::set<std::string> known_urls;
  std::set<std::string> taken_names;
  for (const auto& source : configured) {
    known_urls.insert(key(source.url));
    taken_names.insert(source.name);
  }
  std::set<std::string> added_urls;
  for (OpmlFeed feed : feeds) {
    feed.url = without_feed_scheme(feed.url);
    const std::string scheme = lower_scheme(feed.url);
    if (scheme != "http" && scheme != "https") {
      plan.refused.emplace_back(std::move(feed), "not an http(s) URL");
      continue;
    }
    const std::string url_key = key(feed.url);
    if (known_urls.contains(url_key)) {
      plan.skipped_configured.push_back(std::move(feed));
      continue;
    }
    // Readers list a feed once per folder it is filed in; the first wins.
    if (!added_urls.insert(url_key).second) {
      plan.refused.emplace_back(std::move(feed), "listed again in the same file");
      continue;
    }
    feed.name = unique_name(feed.name, taken_names);
    plan.added.push_back(std::move(feed));
  }
  return plan;
}

std::string import_toml(const OpmlImport& plan, std::string_view from) {
  std::string out = fmt::format("# {} source(s) imported from {}\n", plan.added.size(), clean_text(from));
  for (const auto& feed : plan.skipped_configured) {
    out += fmt::format("# skipped, already configured: {} ({})\n", clean_text(url::redact(feed.url)), feed.name);
  }
  for (const auto& [feed, reason] : plan.refused) {
    out += fmt::format("# skipped, {}: {} ({})\n", reason, clean_text(url::redact(feed.url)), feed.name);
  }
  for (const auto& feed : plan.added) {
    out += fmt::format("\n[[sources]]\nname = {}\nurl = {}\n", toml_string(feed.name), toml_string(feed.url));
    const auto& categories = feed.settings.categories ? *feed.settings.categories : feed.categories;
    const auto& tags = feed.settings.tags ? *feed.settings.tags : feed.tags;
    if (!categories.empty() || feed.settings.categories) out += fmt::format("categories = {}\n", toml_array(categories));
    if (!tags.empty() || feed.settings.tags) out += fmt::format("tags = {}\n", toml_array(tags));
    out += settings_toml(feed.settings);
  }
  return out;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += fmt::format("\\u{:04X}", byte);
        } else {
          out += c;
        }
    }
  }
  return out + '"';
}

}  // namespace feedd::config
