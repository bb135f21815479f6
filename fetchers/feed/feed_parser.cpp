// The way into the feed readers: charset first, then the format the
// document itself shows (JSON or XML), then, for XML that pugixml rejects,
// libxml2's recover mode as a second try.

#include "fetchers/feed/feed_parser.h"

#include <fmt/format.h>

#include <pugixml.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "fetchers/text/encoding.h"
#include "fetchers/feed/json_feed.h"
#include "fetchers/feed/xml_feed.h"
#include "fetchers/feed/xml_parts.h"
#include "fetchers/feed/xml_recover.h"
#include "fetchers/feed/xml_repair.h"

namespace feedd {
namespace {

// Whitespace-only text is kept because it separates words in inline markup
// and belongs to HTML fields byte for byte. No DOCTYPE processing: entity
// declarations are skipped, never expanded. pugixml parses iteratively, so
// nesting depth costs memory, not stack.
constexpr unsigned xml_options = pugi::parse_default | pugi::parse_ws_pcdata;

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string describe_parse_error(std::string_view document, const pugi::xml_parse_result& result) {
  if (is_blank(document)) return "empty document";
  const auto offset = std::min(static_cast<std::size_t>(result.offset), document.size());
  const std::string_view before = document.substr(0, offset);
  const auto line = std::count(before.begin(), before.end(), '\n') + 1;
  const auto line_start = before.rfind('\n');
  const auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return fmt::format("not well-formed XML at line {}, column {} (offset {}): {}", line, column,
                     offset, result.description());
}

// Loads `text` strictly; nullopt, or why it is not XML.
std::optional<std::string> load_xml(encoding::Utf8Document& text, pugi::xml_document& xml) {
  // Charsets are decided before this point; pugixml must not guess one.
  // An owned buffer is parsed where it lies instead of being copied.
  const std::string_view view = text.text();
  std::string* storage = text.storage();
  const pugi::xml_parse_result result =
      storage != nullptr
          ? xml.load_buffer_inplace(storage->data(), storage->size(), xml_options, pugi::encoding_utf8)
          : xml.load_buffer(view.data(), view.size(), xml_options, pugi::encoding_utf8);
  if (!result) return describe_parse_error(view, result);
  if (!xml.document_element()) return std::string("document has no root element");
  return std::nullopt;
}

bool read_in_parts(std::string_view text, const FeedParseOptions& options) {
  return options.on_entries && options.entry_batch > 0 && text.size() >= options.parts_above;
}

// The feed of `parts`, each part's entries handed over as it is read; the
// last part's stay in the result. nullopt when a part is not well-formed.
std::optional<Feed> read_parts(const detail::XmlParts& parts, const FeedParseOptions& options) {
  Feed feed;
  for (std::size_t index = 0; index < parts.part_count(); ++index) {
    auto part = encoding::Utf8Document::own(parts.part(index));
    pugi::xml_document xml;
    if (load_xml(part, xml)) return std::nullopt;
    feed = detail::read_xml_feed(xml.document_element(), options);
    // An item that made no entry leaves a part short of a full batch.
    if (index + 1 < parts.part_count() && !feed.entries.empty()) {
      options.on_entries(feed.entries, false);
      feed.entries.clear();
    }
  }
  return feed;
}

// `document` strictly as XML, and when pugixml rejects it, libxml2's
// reading of it. `text` is `document` in UTF-8.
Feed parse_xml(std::string_view document, encoding::Utf8Document& text, const FeedParseOptions& options) {
  if (read_in_parts(text.text(), options)) {
    if (const auto parts = detail::XmlParts::split(text.text(), options.entry_batch)) {
      if (auto feed = read_parts(*parts, options)) return std::move(*feed);
    }
  }
  pugi::xml_document xml;
  const auto problem = load_xml(text, xml);
  if (!problem) return detail::read_xml_feed(xml.document_element(), options);
  // Parsing in place has rewritten an owned buffer, so the second try
  // decodes the original again; broken documents are rare enough for that.
  const encoding::Utf8Document original = encoding::to_utf8(document, options.content_type);
  if (is_blank(original.text())) throw FeedParseError(*problem);
  auto recovered = detail::recover_xml(detail::repair_references(original.text()));
  if (!recovered) throw FeedParseError(*problem);
  // Lives as long as `xml`, which points into it.
  auto recovered_text = encoding::Utf8Document::own(std::move(*recovered));
  xml.reset();
  if (load_xml(recovered_text, xml)) throw FeedParseError(*problem);
  // Entries handed over while reading come from the recovered document too.
  FeedParseOptions reading = options;
  if (options.on_entries) {
    reading.on_entries = [&options](std::vector<FeedEntry>& entries, bool) { options.on_entries(entries, true); };
  }
  Feed feed = detail::read_xml_feed(xml.document_element(), reading);
  feed.recovered = true;
  return feed;
}

}  // namespace

void detail::add_entry(Feed& feed, const FeedParseOptions& options, FeedEntry entry) {
  feed.entries.push_back(std::move(entry));
  if (options.on_entries && options.entry_batch > 0 && feed.entries.size() >= options.entry_batch) {
    options.on_entries(feed.entries, false);
    feed.entries.clear();
  }
}

Feed parse_feed(std::string_view document, const FeedParseOptions& options) {
  encoding::Utf8Document text = encoding::to_utf8(document, options.content_type);
  const std::string guessed = text.guessed_charset();
  const bool json = detail::looks_like_json(text.text());
  if (!json) {
    if (auto expanded = detail::expand_declared_entities(text.text())) {
      text = encoding::Utf8Document::own(std::move(*expanded), guessed);
    }
  }
  Feed feed = json ? detail::read_json_feed(text.text(), options) : parse_xml(document, text, options);
  if (!guessed.empty()) {
    feed.guessed_charset = guessed;
    feed.recovered = true;  // a guess can be wrong: entries stay provisional
  }
  return feed;
}

FeedEntry parse_raw_entry(std::string_view raw, const FeedParseOptions& options) {
  FeedParseOptions reading = options;
  reading.keep_raw = false;  // the raw text is at hand; no need to rebuild it
  encoding::Utf8Document text = encoding::to_utf8(raw, {});
  FeedEntry entry;
  if (detail::looks_like_json(text.text())) {
    entry = detail::read_json_entry(text.text(), reading);
  } else {
    pugi::xml_document xml;
    if (auto problem = load_xml(text, xml)) throw FeedParseError("raw entry: " + *problem);
    entry = detail::read_xml_entry(xml.document_element(), reading);
  }
  entry.raw = std::string(raw);
  return entry;
}

}  // namespace feedd
