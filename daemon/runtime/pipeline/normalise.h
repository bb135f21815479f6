// Parsed feed entries into what the archive stores: identity, plain-text
// title, absolute link, timestamp and content as the source's settings say.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "fetchers/feed/feed.h"
#include "store/archive.h"

namespace feedd {

// The identity that dedup keys on: the canonical link; else the guid (scoped
// to the source unless it is itself a URL, since plain guids like "5854181"
// are only unique within one feed); else a hash of title and content.
std::string entry_identity(const FeedEntry& entry, const std::string& link, const std::string& source_name);

std::vector<IncomingEntry> normalise(const Feed& feed, const config::Source& source);
// Entries of a feed read in parts (FeedParseOptions::on_entries); `recovered`
// is Feed::recovered.
std::vector<IncomingEntry> normalise(std::span<const FeedEntry> entries, bool recovered,
                                     const config::Source& source);

}  // namespace feedd
