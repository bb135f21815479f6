#include "fetchers/article/metadata.h"

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

#include "fetchers/article/dom.h"
#include "fetchers/feed/dates.h"

namespace feedd::article::detail {
namespace {

struct Collected {
  std::vector<std::pair<std::string, std::string>> metas;  // (property or name or itemprop, content), lower-cased keys
  std::string title_element;
  std::string first_h1;
  int h1_count = 0;
  std::string first_time;         // first <time datetime>
  std::string rel_author;         // text of the first rel=author link
  std::vector<std::string> json_ld;  // <script type="application/ld+json"> bodies
};

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

void collect(xmlNode* node, Collected& out) {
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!is_element(child)) continue;
    const std::string_view tag = tag_of(child);
    if (tag == "meta") {
      std::string_view key = attribute(child, "property");
      if (key.empty()) key = attribute(child, "name");
      if (key.empty()) key = attribute(child, "itemprop");
      if (!key.empty()) out.metas.emplace_back(lowered(key), std::string(attribute(child, "content")));
      continue;
    }
    if (tag == "title" && out.title_element.empty()) {
      out.title_element = collapsed_text(child);
      continue;
    }
    if (tag == "script") {
      if (lowered(attribute(child, "type")) == "application/ld+json") {
        out.json_ld.push_back(collapsed_text(child));
      }
      continue;
    }
    if (tag == "h1") {
      if (out.h1_count++ == 0) out.first_h1 = collapsed_text(child);
    } else if (tag == "time" && out.first_time.empty()) {
      out.first_time = std::string(attribute(child, "datetime"));
    } else if (tag == "a" && out.rel_author.empty() && attribute(child, "rel") == "author") {
      out.rel_author = collapsed_text(child);
    } else if (out.first_time.empty() && attribute(child, "itemprop") == "datePublished") {
      std::string_view when = attribute(child, "datetime");
      if (when.empty()) when = attribute(child, "content");
      out.first_time = std::string(when);
    }
    collect(child, out);
  }
}

std::string meta(const Collected& page, std::initializer_list<std::string_view> keys) {
  for (const auto key : keys) {
    for (const auto& [name, content] : page.metas) {
      if (name == key && !content.empty()) return content;
    }
  }
  return {};
}

// The first value of `key` anywhere in a JSON-LD document (@graph and
// nested objects included).
const nlohmann::json* find_key(const nlohmann::json& value, std::string_view key) {
  if (value.is_object()) {
    if (const auto found = value.find(key); found != value.end()) return &*found;
    for (const auto& [name, item] : value.items()) {
      if (const auto* inner = find_key(item, key)) return inner;
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (const auto* inner = find_key(item, key)) return inner;
    }
  }
  return nullptr;
}

std::string json_ld_value(const Collected& page, std::string_view key) {
  for (const auto& text : page.json_ld) {
    const auto document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded()) continue;
    const nlohmann::json* found = find_key(document, key);
    if (found == nullptr) continue;
    if (found->is_array() && !found->empty()) found = &found->front();
    if (found->is_object()) {
      const auto name = found->find("name");
      if (name != found->end() && name->is_string()) return name->get<std::string>();
      continue;
    }
    if (found->is_string()) return found->get<std::string>();
  }
  return {};
}

// White space runs collapsed to one space, trimmed.
std::string collapse_space(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string normalised_date(const std::string& text) {
  if (text.empty()) return {};
  if (const auto when = dates::parse(text)) return dates::format_rfc3339(*when);
  return text;
}

std::string choose_title(const Collected& page) {
  std::string title = meta(page, {"og:title", "twitter:title"});
  if (!title.empty()) return collapse_space(title);
  // <title> often appends the site's name; a lone <h1> it contains is the article's own.
  if (page.h1_count == 1 && !page.first_h1.empty() && page.title_element.find(page.first_h1) != std::string::npos) {
    return page.first_h1;
  }
  return page.title_element.empty() ? page.first_h1 : page.title_element;
}

}  // namespace

PageMetadata read_metadata(xmlNode* root) {
  Collected page;
  collect(root, page);
  PageMetadata out;
  out.title = choose_title(page);
  out.byline = meta(page, {"author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author"});
  if (out.byline.empty() || out.byline.starts_with("http")) out.byline = json_ld_value(page, "author");
  if (out.byline.empty()) out.byline = page.rel_author;
  out.byline = collapse_space(out.byline);
  std::string published = meta(page, {"article:published_time", "datepublished", "og:published_time",
                                      "publishdate", "pubdate", "dc.date.issued", "dc.date", "dcterms.created",
                                      "date", "parsely-pub-date", "sailthru.date"});
  if (published.empty()) published = json_ld_value(page, "datePublished");
  if (published.empty()) published = page.first_time;
  out.published = normalised_date(published);
  return out;
}

}  // namespace feedd::article::detail
