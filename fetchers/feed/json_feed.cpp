#include "fetchers/feed/json_feed.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fetchers/feed/dates.h"
#include "fetchers/html/html_escape.h"
#include "fetchers/http/url.h"

namespace feedd::detail {
namespace {

using nlohmann::json;

constexpr std::size_t max_depth = 256;
constexpr std::string_view version_prefix = "https://jsonfeed.org/version/";

// nlohmann's parser keeps its own stack, but dump() and the accessors
// recurse; refusing deep documents before parsing keeps every step bounded.
bool nested_too_deep(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

json parse_object(std::string_view utf8, std::string_view what) {
  if (nested_too_deep(utf8)) {
    throw FeedParseError(fmt::format("{} is nested deeper than {} levels", what, max_depth));
  }
  json value;
  try {
    value = json::parse(utf8);
  } catch (const json::parse_error& error) {
    throw FeedParseError(fmt::format("{} is not valid JSON: {}", what, error.what()));
  }
  if (!value.is_object()) throw FeedParseError(fmt::format("{} is not a JSON object", what));
  return value;
}

// A string member; a number is taken as its digits (ids often are numbers),
// anything else as absent.
std::string string_at(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) return {};
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number()) return found->dump();
  return {};
}

std::string absolute(std::string_view base, const std::string& reference) {
  if (reference.empty()) return {};
  auto resolved = url::resolve(base, reference);
  return resolved ? std::move(*resolved) : std::string();
}

// 1.1's "authors" array, or 1.0's single "author"; null when neither.
const json* authors_of(const json& object) {
  if (const auto found = object.find("authors"); found != object.end() && found->is_array() && !found->empty()) {
    return &*found;
  }
  if (const auto found = object.find("author"); found != object.end() && found->is_object()) return &*found;
  return nullptr;
}

// The first author's name, else the address its URL gives.
std::string author_name(const json& authors) {
  const json& first = authors.is_array() ? authors.front() : authors;
  if (!first.is_object()) return {};
  std::string name = string_at(first, "name");
  if (!name.empty()) return name;
  std::string address = string_at(first, "url");
  if (address.starts_with("mailto:")) address.erase(0, 7);
  return address;
}

std::vector<std::string> tags_of(const json& item) {
  std::vector<std::string> tags;
  const auto found = item.find("tags");
  if (found == item.end() || !found->is_array()) return tags;
  for (const json& tag : *found) {
    if (tag.is_string() && !tag.get_ref<const std::string&>().empty()) tags.push_back(tag.get<std::string>());
  }
  return tags;
}

std::vector<Enclosure> attachments_of(const json& item, const std::string& base) {
  std::vector<Enclosure> enclosures;
  const auto found = item.find("attachments");
  if (found == item.end() || !found->is_array()) return enclosures;
  for (const json& attachment : *found) {
    if (!attachment.is_object()) continue;
    std::string url = absolute(base, string_at(attachment, "url"));
    if (url.empty()) continue;
    std::optional<std::int64_t> length;
    const auto size = attachment.find("size_in_bytes");
    if (size != attachment.end() && size->is_number_integer() && size->get<std::int64_t>() >= 0) {
      length = size->get<std::int64_t>();
    }
    enclosures.push_back({std::move(url), string_at(attachment, "mime_type"), length});
  }
  return enclosures;
}

std::optional<UnixMillis> date_at(const json& item, const char* key, const FeedParseOptions& options) {
  const std::string text = string_at(item, key);
  if (text.empty()) return std::nullopt;
  return dates::parse(text, options.default_timezone);
}

// `feed_authors` are the feed's, which an item without its own has.
FeedEntry read_item(const json& item, const FeedParseOptions& options, const json* feed_authors) {
  const std::string& base = options.base_url;
  FeedEntry entry;
  entry.guid = string_at(item, "id");
  entry.link = absolute(base, string_at(item, "url"));
  if (entry.link.empty()) entry.link = absolute(base, string_at(item, "external_url"));
  entry.title = escape_html(string_at(item, "title"));
  entry.summary = escape_html(string_at(item, "summary"));
  entry.content = string_at(item, "content_html");
  if (entry.content.empty()) entry.content = text_to_html(string_at(item, "content_text"));
  // Relative URLs in the HTML resolve against the item's own page, which
  // its content is mostly copied from, else against the feed's URL.
  const std::string page = absolute(base, string_at(item, "url"));
  const std::string& content_base = page.empty() ? base : page;
  if (!entry.summary.empty()) entry.summary_base = content_base;
  if (!entry.content.empty()) entry.content_base = content_base;
  entry.published = date_at(item, "date_published", options);
  entry.updated = date_at(item, "date_modified", options);
  const json* authors = authors_of(item);
  const bool inherits_authors = authors == nullptr && feed_authors != nullptr;
  if (inherits_authors) authors = feed_authors;
  if (authors) entry.author = author_name(*authors);
  entry.categories = tags_of(item);
  entry.enclosures = attachments_of(item, base);
  entry.thumbnail = absolute(base, string_at(item, "image"));
  if (entry.thumbnail.empty()) entry.thumbnail = absolute(base, string_at(item, "banner_image"));
  if (options.keep_raw) {
    if (inherits_authors) {
      json standalone = item;
      standalone["authors"] = feed_authors->is_array() ? *feed_authors : json::array({*feed_authors});
      entry.raw = standalone.dump();
    } else {
      entry.raw = item.dump();
    }
  }
  return entry;
}

std::string version_of(const json& document) {
  std::string version = string_at(document, "version");
  if (version.starts_with("http://")) version.insert(4, "s");  // early feeds wrote http
  if (!version.starts_with(version_prefix)) return {};
  version.erase(0, version_prefix.size());
  return version == "1" ? "1.0" : version;
}

}  // namespace

bool looks_like_json(std::string_view utf8) {
  const auto first = utf8.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && utf8[first] == '{';
}

Feed read_json_feed(std::string_view utf8, const FeedParseOptions& options) {
  const json document = parse_object(utf8, "JSON document");
  const auto items = document.find("items");
  Feed feed;
  feed.format = "json";
  feed.version = version_of(document);
  if (feed.version.empty() && (items == document.end() || !items->is_array())) {
    throw FeedParseError("JSON document is not a JSON Feed: no version https://jsonfeed.org/version/… and no items");
  }
  feed.title = escape_html(string_at(document, "title"));
  feed.link = absolute(options.base_url, string_at(document, "home_page_url"));
  feed.description = escape_html(string_at(document, "description"));
  if (!feed.description.empty()) feed.description_base = options.base_url;
  feed.language = string_at(document, "language");
  if (items == document.end() || !items->is_array()) return feed;
  const json* feed_authors = authors_of(document);
  feed.entries.reserve(items->size());
  for (const json& item : *items) {
    if (item.is_object()) detail::add_entry(feed, options, read_item(item, options, feed_authors));
  }
  return feed;
}

FeedEntry read_json_entry(std::string_view utf8, const FeedParseOptions& options) {
  return read_item(parse_object(utf8, "raw JSON Feed item"), options, nullptr);
}

}  // namespace feedd::detail
