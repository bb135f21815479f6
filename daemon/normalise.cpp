#include "daemon/normalise.h"

#include "fetchers/html_text.h"
#include "fetchers/url.h"
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
  std::vector<IncomingEntry> entries;
  entries.reserve(feed.entries.size());
  for (const auto& entry : feed.entries) {
    IncomingEntry incoming;
    incoming.url = entry_link(entry);
    incoming.identity = entry_identity(entry, incoming.url, source.name);
    incoming.guid = entry.guid;
    incoming.title = html_to_text(entry.title);
    incoming.author = entry.author;
    incoming.timestamp_ms = entry.published ? entry.published : entry.updated;
    // content = "sanitize" is carried raw until the sanitizer lands; the
    // config accepts it so configs written for later versions still load.
    incoming.content = carried_content(entry);
    entries.push_back(std::move(incoming));
  }
  return entries;
}

}  // namespace feedd
