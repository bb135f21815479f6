#include "fetchers/listing/listing.h"

#include <ctime>
#include <iomanip>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "fetchers/article/css_selector.h"
#include "fetchers/article/dom.h"
#include "fetchers/article/page_charset.h"
#include "fetchers/feed/dates.h"
#include "fetchers/html/html_parse.h"
#include "fetchers/http/url.h"

namespace feedd::listing {
namespace {

using article::detail::SelectorList;

std::optional<SelectorList> optional_selector(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return SelectorList::parse(text);
}

xmlNode* first_match(xmlNode* item, const std::optional<SelectorList>& selector) {
  if (!selector) return nullptr;
  const auto matches = article::detail::outermost_matches(item, *selector);
  return matches.empty() ? nullptr : matches.front();
}

// The href of `node`, else of the first <a href> inside it.
std::string href_of(xmlNode* node) {
  bool found = false;
  const auto href = article::detail::attribute(node, "href", &found);
  if (found && !href.empty()) return std::string(href);
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!article::detail::is_element(child)) continue;
    if (std::string inner = href_of(child); !inner.empty()) return inner;
  }
  return "";
}

// A date written in `format` (strptime), as the feed date reader takes a
// time without a zone: "YYYY-MM-DDTHH:MM:SS".
std::optional<UnixMillis> read_date(const std::string& text, const std::string& format, const std::string& zone) {
  if (format.empty()) return dates::parse(text, zone);
  std::tm parts{};
  std::istringstream in(text);
  in >> std::get_time(&parts, format.c_str());
  if (in.fail()) return std::nullopt;
  return dates::parse(fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", parts.tm_year + 1900, parts.tm_mon + 1,
                                  parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec),
                      zone);
}

std::optional<UnixMillis> date_of(xmlNode* node, const ListingOptions& options) {
  if (node == nullptr) return std::nullopt;
  bool found = false;
  const auto datetime = article::detail::attribute(node, "datetime", &found);
  const std::string text = found && !datetime.empty() ? std::string(datetime) : article::detail::collapsed_text(node);
  return read_date(text, options.selectors.date_format, options.default_timezone);
}

}  // namespace

Feed parse_listing(std::string_view page, const ListingOptions& options) {
  const SelectorList item = SelectorList::parse(options.selectors.item);
  const std::optional<SelectorList> link = SelectorList::parse(options.selectors.link);
  const auto title = optional_selector(options.selectors.title);
  const auto date = optional_selector(options.selectors.date);
  const auto summary = optional_selector(options.selectors.summary);

  Feed feed;
  feed.format = "html";
  const encoding::Utf8Document utf8 = article::detail::decode_page(page, options.content_type);
  const feedd::detail::XmlDocHandle doc = feedd::detail::read_html(utf8.text());
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) return feed;
  for (xmlNode* node : article::detail::outermost_matches(root, item)) {
    xmlNode* link_node = first_match(node, link);
    if (link_node == nullptr) continue;
    const auto href = url::resolve(options.base_url, href_of(link_node));
    if (!href || !url::is_absolute(*href)) continue;
    FeedEntry entry;
    entry.link = *href;
    entry.guid = *href;
    xmlNode* title_node = first_match(node, title);
    entry.title = article::detail::collapsed_text(title_node != nullptr ? title_node : link_node);
    entry.published = date_of(first_match(node, date), options);
    if (xmlNode* summary_node = first_match(node, summary)) {
      entry.summary = article::detail::to_html(doc.get(), summary_node);
      entry.summary_base = options.base_url;
    }
    feed.entries.push_back(std::move(entry));
  }
  return feed;
}

}  // namespace feedd::listing
