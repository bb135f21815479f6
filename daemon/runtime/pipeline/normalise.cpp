#include "daemon/runtime/pipeline/normalise.h"

#include "daemon/runtime/pipeline/enclosure_html.h"
#include "fetchers/html/html_sanitize.h"
#include "fetchers/html/html_text.h"
#include "fetchers/http/url.h"
#include "store/search.h"
#include "store/stable_hash.h"

namespace feedd {
namespace {

// The entry's link, else its guid when that is a URL (RSS guids often are).
std::string entry_link(const FeedEntry& entry) {
  if (!entry.link.empty()) return entry.link;
  if (url::is_absolute(entry.guid)) return entry.guid;
  return {};
}

const std::string& carried_content(const FeedEntry& entry) {
  return entry.content.empty() ? entry.summary : entry.content;
}

// What relative URLs in the carried content resolve against.
const std::string& carried_content_base(const FeedEntry& entry, const config::Source& source) {
  const std::string& base = entry.content.empty() ? entry.summary_base : entry.content_base;
  return base.empty() ? source.url : base;
}

}  // namespace

std::string entry_identity(const FeedEntry& entry, const std::string& link, const std::string& source_name) {
  if (!link.empty()) {
    if (auto canonical = url::canonical(link)) return *canonical;
  }
  if (!entry.guid.empty()) {
    if (url::is_absolute(entry.guid)) {
      if (auto canonical = url::canonical(entry.guid)) return *canonical;
    }
    return "guid:" + source_name + ":" + entry.guid;
  }
  return "hash:" + stable_hash_hex(entry.title + '\n' + carried_content(entry));
}

std::vector<IncomingEntry> normalise(const Feed& feed, const config::Source& source) {
  return normalise(feed.entries, feed.recovered, source);
}

std::vector<IncomingEntry> normalise(std::span<const FeedEntry> feed_entries, bool recovered,
                                     const config::Source& source) {
  std::vector<IncomingEntry> entries;
  entries.reserve(feed_entries.size());
  const bool sanitizing = source.content == config::ContentMode::sanitize;
  SanitizeOptions sanitize;
  // Once per feed, not per entry. Throws std::invalid_argument naming a bad
  // rule, which fails this poll of the source only.
  if (sanitizing) sanitize.remove = parse_element_rules(source.remove);
  for (const auto& entry : feed_entries) {
    IncomingEntry incoming;
    incoming.url = entry_link(entry);
    incoming.identity = entry_identity(entry, incoming.url, source.name);
    incoming.guid = entry.guid;
    incoming.title = html_to_text(entry.title);
    incoming.author = entry.author;
    incoming.timestamp_ms = entry.published ? entry.published : entry.updated;
    incoming.provisional = recovered;
    incoming.raw_item = entry.raw;  // what `feedd reprocess` normalises again
    if (sanitizing) {
      sanitize.base_url = carried_content_base(entry, source);
      incoming.content = sanitize_html(carried_content(entry), sanitize);
    } else {
      incoming.content = carried_content(entry);  // raw: every byte as the feed has it
    }
    if (source.enclosures) incoming.content += enclosures_html(entry.enclosures);
    for (const Enclosure& enclosure : entry.enclosures) {
      incoming.enclosures.push_back({enclosure.url, enclosure.type, enclosure.length});
    }
    // Here, on a parsing thread, rather than on the one writer thread.
    incoming.search_text = prepare_search_text(incoming.title, incoming.content);
    entries.push_back(std::move(incoming));
  }
  return entries;
}

}  // namespace feedd
