// RSS 2.0/0.9x, RSS 1.0 (RDF), Atom 1.0/0.3 and CDF, read from pugixml.
//
// pugixml knows nothing of namespaces, so this file resolves them itself:
// each element of the feed's skeleton (root, channel, item or entry) gets a
// Scope holding the xmlns declarations it makes, chained to its parent's, and
// fields are matched by namespace URI and local name, never by prefix.
//
// Only that fixed skeleton is walked; what follows markup to any depth is in
// xml_text.cpp and does not recurse, so no document can exhaust the stack.

#include "fetchers/feed/xml_feed.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fetchers/feed/dates.h"
#include "fetchers/html/html_escape.h"
#include "fetchers/http/url.h"
#include "fetchers/feed/xml_text.h"

namespace feedd::detail {
namespace {

namespace ns {
constexpr std::string_view atom10 = "http://www.w3.org/2005/Atom";
constexpr std::string_view atom03 = "http://purl.org/atom/ns#";
constexpr std::string_view rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view rss10 = "http://purl.org/rss/1.0/";
constexpr std::string_view rss090 = "http://my.netscape.com/rdf/simple/0.9/";
constexpr std::string_view dc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view dcterms = "http://purl.org/dc/terms/";
constexpr std::string_view content = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view sy = "http://purl.org/rss/1.0/modules/syndication/";
constexpr std::string_view itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
constexpr std::string_view media = "http://search.yahoo.com/mrss/";
constexpr std::string_view xhtml = "http://www.w3.org/1999/xhtml";
constexpr std::string_view xml = "http://www.w3.org/XML/1998/namespace";
}  // namespace ns

// ------------------------------------------------------------- values ---

std::optional<std::int64_t> parse_count(std::string_view text) {
  text = trim(text);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// The syndication module's "updated N times per period" as an interval.
std::optional<std::int64_t> update_interval_minutes(pugi::xml_node period_node,
                                                    pugi::xml_node frequency_node) {
  if (!period_node && !frequency_node) return std::nullopt;
  const std::string period = period_node ? trimmed_text(period_node) : "daily";
  static constexpr std::pair<std::string_view, std::int64_t> periods[] = {
      {"hourly", 60}, {"daily", 1440}, {"weekly", 10080}, {"monthly", 43200}, {"yearly", 525600}};
  const auto known = std::find_if(std::begin(periods), std::end(periods),
                                  [&](const auto& p) { return iequals(p.first, period); });
  if (known == std::end(periods)) return std::nullopt;
  const auto frequency = frequency_node ? parse_count(text_of(frequency_node)) : 1;
  if (!frequency || *frequency < 1) return std::nullopt;
  return std::max<std::int64_t>(1, known->second / *frequency);
}

// RSS 2.0 asks for an e-mail address, conventionally "joe@example.com
// (Joe)", and dc:creator often gets "Joe (joe@example.com)"; the name is
// what a post shows.
std::string rss_author_name(std::string_view text) {
  text = trim(text);
  if (text.find('@') == std::string_view::npos) return std::string(text);
  const auto open = text.find('(');
  if (text.ends_with(')') && open != std::string_view::npos) {
    const auto inside = trim(text.substr(open + 1, text.size() - open - 2));
    const auto name = inside.find('@') == std::string_view::npos ? inside : trim(text.substr(0, open));
    if (!name.empty()) return std::string(name);
  }
  const auto angle = text.find('<');
  if (text.ends_with('>') && angle != std::string_view::npos) {
    auto name = trim(text.substr(0, angle));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = trim(name.substr(1, name.size() - 2));
    }
    if (!name.empty()) return std::string(name);
  }
  return std::string(text);
}

// A text field's text even when a producer wrapped it in markup
// (<author><p>Name</p></author>).
std::string plain_text(pugi::xml_node element) { return std::string(trim(deep_text(element))); }

// Rank of an Atom link as the page an entry stands for, nullopt for other
// relations (self, enclosure, replies, ...): HTML first, then untyped.
std::optional<int> alternate_rank(pugi::xml_node link) {
  const std::string_view rel = trim(link.attribute("rel").value());
  if (!rel.empty() && rel != "alternate" &&
      rel != "http://www.iana.org/assignments/relation/alternate") {
    return std::nullopt;
  }
  const std::string_view type = trim(link.attribute("type").value());
  if (iequals(type, "text/html")) return 0;
  if (type.empty() || iequals(type, "application/xhtml+xml")) return 1;
  return 2;
}

// Where a link element points. An href attribute also covers RSS feeds
// that write <link href="..."/> the Atom way.
std::string_view link_target(pugi::xml_node link, std::string& text_storage) {
  if (const pugi::xml_attribute href = link.attribute("href")) return trim(href.value());
  text_storage = text_of(link);
  return trim(text_storage);
}

// ------------------------------------------------------------- fields ---

// HTML with the base URL its relative references resolve against.
struct Html {
  std::string markup;
  std::string base;
  bool from_xml_base = false;  // else `base` is the feed's URL
};

// One field that several elements can fill ("pubDate", "dc:date"): the
// lowest rank wins whatever the document order, and a source whose value
// turns out empty (a date that does not parse) leaves room for the next.
// Values are only computed when they could win.
template <class T>
class Best {
 public:
  template <class Make>
  void offer(int rank, Make&& make) {
    if (rank >= rank_) return;
    T value = make();
    if (!present(value)) return;
    rank_ = rank;
    value_ = std::move(value);
  }
  // Like offer, but a later value of the same rank replaces an earlier one
  // (several plain RSS links: the last is the page, as other readers take it).
  template <class Make>
  void offer_latest(int rank, Make&& make) {
    if (rank > rank_) return;
    T value = make();
    if (!present(value)) return;
    rank_ = rank;
    value_ = std::move(value);
  }
  bool empty() const { return rank_ == INT_MAX; }
  T take() { return std::move(value_); }

 private:
  static bool present(const std::string& value) { return !value.empty(); }
  static bool present(const Html& value) { return !value.markup.empty(); }
  template <class U>
  static bool present(const std::optional<U>& value) { return value.has_value(); }

  int rank_ = INT_MAX;
  T value_{};
};

using BestText = Best<std::string>;
using BestHtml = Best<Html>;
using BestDate = Best<std::optional<UnixMillis>>;

// What relative URLs in an entry's HTML resolve against: an xml:base, else
// the entry's own page (feed content is mostly copied from it, and a
// browser resolves the page's links against the page), else the feed's URL.
std::string content_base(const Html& html, const std::string& link) {
  if (html.markup.empty()) return {};
  return !html.from_xml_base && !link.empty() ? link : html.base;
}

struct EntryFields {
  BestText title, link, guid, author, thumbnail;
  BestHtml summary, content;
  BestDate published, updated;
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  // RSS items that carry both <description> and a stray <summary>: the
  // first is the summary, the second the content.
  bool summary_claimed = false;

  void add_category(std::string category) {
    if (!category.empty()) categories.push_back(std::move(category));
  }

  // `url` absolute ("" is skipped); a URL already listed is not repeated.
  void add_enclosure(std::string url, std::string_view type, std::string_view length) {
    if (url.empty()) return;
    const auto same = [&](const Enclosure& known) { return known.url == url; };
    if (std::any_of(enclosures.begin(), enclosures.end(), same)) return;
    enclosures.push_back({std::move(url), std::string(trim(type)), parse_count(length)});
  }

  FeedEntry finish() {
    Html summary_html = summary.take();
    Html content_html = content.take();
    FeedEntry entry;
    entry.title = title.take();
    entry.link = link.take();
    entry.guid = guid.take();
    entry.published = published.take();
    entry.updated = updated.take();
    entry.author = author.take();
    entry.summary_base = content_base(summary_html, entry.link);
    entry.content_base = content_base(content_html, entry.link);
    entry.summary = std::move(summary_html.markup);
    entry.content = std::move(content_html.markup);
    entry.categories = std::move(categories);
    entry.thumbnail = thumbnail.take();
    entry.enclosures = std::move(enclosures);
    return entry;
  }
};

struct FeedFields {
  BestText title, link, language, author;
  BestHtml description;
  BestDate updated;
  Best<std::optional<std::int64_t>> ttl;
  pugi::xml_node update_period, update_frequency;

  void finish_into(Feed& feed) {
    Html description_html = description.take();
    feed.title = title.take();
    feed.link = link.take();
    feed.description = std::move(description_html.markup);
    feed.description_base = std::move(description_html.base);
    feed.language = language.take();
    std::replace(feed.language.begin(), feed.language.end(), '_', '-');  // en_US is a locale, en-US a language tag
    feed.updated = updated.take();
    ttl.offer(1, [&] { return update_interval_minutes(update_period, update_frequency); });
    feed.ttl_minutes = ttl.take();
  }
};

// -------------------------------------------------------------- scope ---

struct QName {
  std::string_view uri;
  std::string_view local;
};

struct Binding {
  std::string_view prefix;
  std::string_view uri;
};

std::optional<Binding> as_binding(pugi::xml_attribute attribute) {
  const std::string_view name = attribute.name();
  if (name == "xmlns") return Binding{{}, attribute.value()};
  if (name.starts_with("xmlns:")) return Binding{name.substr(6), attribute.value()};
  return std::nullopt;
}

// The xml:base of `element` applied to `base`, when it has one that resolves.
std::optional<std::string> rebased(std::string_view base, pugi::xml_node element) {
  const pugi::xml_attribute attribute = element.attribute("xml:base");
  if (!attribute) return std::nullopt;
  return url::resolve(base, trim(attribute.value()));
}

// What an element of the feed's skeleton inherits and declares: namespace
// bindings and the base URL. Lives on the stack of the function reading the
// element; children point at it, so it is neither copied nor moved.
class Scope {
 public:
  // The outermost scope; `root` may be null (a raw entry has no document
  // around it).
  Scope(pugi::xml_node root, std::string_view base_url) : own_base_(base_url) {
    declare(root);
    if (auto base = rebased(own_base_, root)) {
      xml_base_ = *base != own_base_;
      own_base_ = std::move(*base);
    }
  }
  Scope(pugi::xml_node element, const Scope& parent)
      : parent_(&parent), base_(parent.base_), xml_base_(parent.xml_base_) {
    declare(element);
    if (auto base = rebased(*base_, element)) {
      xml_base_ = xml_base_ || *base != *base_;
      own_base_ = std::move(*base);
      base_ = &own_base_;
    }
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  // `element` is the scope's own element or one of its children.
  QName name_of(pugi::xml_node element) const {
    const std::string_view name = element.name();
    const auto colon = name.find(':');
    if (colon == std::string_view::npos) return {namespace_of(element, {}), name};
    return {namespace_of(element, name.substr(0, colon)), name.substr(colon + 1)};
  }

  // A namespaced attribute (rdf:about) of the scope's element or a child.
  pugi::xml_attribute attribute(pugi::xml_node element, std::string_view uri,
                                std::string_view local) const {
    for (const pugi::xml_attribute attribute : element.attributes()) {
      const std::string_view name = attribute.name();
      const auto colon = name.find(':');
      if (colon == std::string_view::npos || name.substr(colon + 1) != local) continue;
      if (namespace_of(element, name.substr(0, colon)) == uri) return attribute;
    }
    return {};
  }

  const std::string& base() const { return *base_; }

  // Whether the base in force at `element` (a child) comes from an xml:base
  // that says more than the feed's URL. One that only repeats it says
  // nothing, and that is also how a raw entry, which always carries the
  // base it was read with, reads back the same.
  bool has_xml_base_at(pugi::xml_node element) const {
    if (xml_base_) return true;
    const auto own = rebased(*base_, element);
    return own && *own != *base_;
  }

  // The base in force at `element`, a child that may carry its own xml:base.
  std::string base_at(pugi::xml_node element) const {
    auto own = rebased(*base_, element);
    return own ? std::move(*own) : *base_;
  }

  // `reference` made absolute against the base in force at `element`; ""
  // when that gives no URL.
  std::string absolute(pugi::xml_node element, std::string_view reference) const {
    if (reference.empty()) return {};
    const auto own = rebased(*base_, element);
    auto resolved = url::resolve(own ? *own : *base_, reference);
    return resolved ? std::move(*resolved) : std::string();
  }

 private:
  void declare(pugi::xml_node element) {
    for (const pugi::xml_attribute attribute : element.attributes()) {
      if (auto binding = as_binding(attribute)) bindings_.push_back(*binding);
    }
  }

  std::string_view namespace_of(pugi::xml_node element, std::string_view prefix) const {
    if (prefix == "xml") return ns::xml;
    for (const pugi::xml_attribute attribute : element.attributes()) {
      const auto binding = as_binding(attribute);
      if (binding && binding->prefix == prefix) return binding->uri;
    }
    for (const Scope* scope = this; scope; scope = scope->parent_) {
      for (const Binding& binding : scope->bindings_) {
        if (binding.prefix == prefix) return binding.uri;
      }
    }
    return undeclared(prefix);
  }

  // Feeds do use dc: or content: without declaring them. A bound prefix
  // always wins; this only rescues the conventional ones left unbound.
  static std::string_view undeclared(std::string_view prefix) {
    static constexpr std::pair<std::string_view, std::string_view> conventional[] = {
        {"dc", ns::dc},         {"dcterms", ns::dcterms}, {"content", ns::content},
        {"atom", ns::atom10},   {"sy", ns::sy},           {"itunes", ns::itunes},
        {"rdf", ns::rdf},       {"media", ns::media},     {"xhtml", ns::xhtml}};
    for (const auto& [known, uri] : conventional) {
      if (known == prefix) return uri;
    }
    return {};
  }

  const Scope* parent_ = nullptr;
  std::vector<Binding> bindings_;
  std::string own_base_;
  const std::string* base_ = &own_base_;
  bool xml_base_ = false;
};

// ---------------------------------------------------------------- raw ---

class StringWriter : public pugi::xml_writer {
 public:
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
  std::string out;
};

// Declares on `element` each namespace binding an ancestor makes that the
// element does not shadow, so it keeps its meaning cut out of the document.
void copy_bindings(pugi::xml_node element) {
  std::vector<std::string_view> declared;
  for (const pugi::xml_attribute attribute : element.attributes()) {
    if (const auto binding = as_binding(attribute)) declared.push_back(binding->prefix);
  }
  for (pugi::xml_node outer = element.parent(); is_element(outer); outer = outer.parent()) {
    for (const pugi::xml_attribute attribute : outer.attributes()) {
      const auto binding = as_binding(attribute);
      if (!binding || std::find(declared.begin(), declared.end(), binding->prefix) != declared.end()) {
        continue;
      }
      declared.push_back(binding->prefix);
      element.append_attribute(attribute.name()).set_value(attribute.value());
    }
  }
}

// `element` as a document of its own (FeedEntry::raw). Modifies it, so it
// is the last thing done with an entry. `source_author`, when given, is the
// feed's author, added the way RFC 4287 4.2.11 copies feed metadata into an
// entry that travels alone.
std::string standalone_xml(pugi::xml_node element, const std::string& base, pugi::xml_node source_author) {
  copy_bindings(element);
  if (!base.empty()) {
    pugi::xml_attribute attribute = element.attribute("xml:base");
    if (!attribute) attribute = element.append_attribute("xml:base");
    attribute.set_value(base.c_str());
  }
  if (source_author) {
    const std::string_view prefix = prefix_of(element.name());
    const std::string name = prefix.empty() ? "source" : fmt::format("{}:source", prefix);
    element.append_child(name.c_str()).append_copy(source_author);
  }
  StringWriter writer;
  element.print(writer, "", pugi::format_raw, pugi::encoding_utf8);
  return std::move(writer.out);
}

// ----------------------------------------------------------- dialects ---

// Module namespaces as producers really write them: podcast feeds bind
// content: without the trailing slash, and Apple's own feeds spell the
// iTunes one ".../DTDs/Podcast-1.0.dtd". Nothing else lives at those
// addresses, so case and a trailing slash are not told apart.
bool same_module(std::string_view uri, std::string_view known) {
  if (uri.size() == known.size() + 1 && uri.back() == '/') uri.remove_suffix(1);
  if (known.size() == uri.size() + 1 && known.back() == '/') known.remove_suffix(1);
  return iequals(uri, known);
}

enum class Vocab { core, atom, dc, dcterms, content, sy, itunes, media, xhtml, other };

// How one document names things: `core` is the namespace of the format's
// own elements (none for RSS 2.0, RSS 1.0's, or Atom's).
struct Dialect {
  const FeedParseOptions& options;
  std::string_view core;

  Vocab vocab_of(std::string_view uri) const {
    if (uri == core) return Vocab::core;
    if (uri == ns::atom10) return Vocab::atom;
    if (same_module(uri, ns::dc)) return Vocab::dc;
    if (same_module(uri, ns::dcterms)) return Vocab::dcterms;
    if (same_module(uri, ns::content)) return Vocab::content;
    if (same_module(uri, ns::sy)) return Vocab::sy;
    if (same_module(uri, ns::itunes)) return Vocab::itunes;
    if (same_module(uri, ns::media)) return Vocab::media;
    if (uri == ns::xhtml) return Vocab::xhtml;
    return Vocab::other;
  }

  // Atom before 1.0, whatever namespace it used.
  bool atom03() const { return core != ns::atom10; }

  std::optional<UnixMillis> date(pugi::xml_node element) const {
    return dates::parse(trim(text_of(element)), options.default_timezone);
  }
  std::optional<UnixMillis> date(pugi::xml_attribute attribute) const {
    return dates::parse(trim(attribute.value()), options.default_timezone);
  }
};

// An Atom person construct: the name, else the e-mail address.
std::string person_name(pugi::xml_node person, const Scope& parent, std::string_view atom_uri) {
  const Scope scope(person, parent);
  BestText name;
  for (pugi::xml_node child = person.first_child(); child; child = child.next_sibling()) {
    if (!is_element(child)) continue;
    const QName qname = scope.name_of(child);
    if (qname.uri != atom_uri) continue;
    if (qname.local == "name") name.offer(0, [&] { return plain_text(child); });
    if (qname.local == "email") name.offer(1, [&] { return trimmed_text(child); });
  }
  return name.take();
}

void offer_link(BestText& link, int rank, pugi::xml_node element, const Scope& scope) {
  link.offer(rank, [&] {
    std::string storage;
    return scope.absolute(element, link_target(element, storage));
  });
}

void offer_alternate(BestText& link, int first_rank, pugi::xml_node element, const Scope& scope) {
  if (const auto rank = alternate_rank(element)) {
    offer_link(link, first_rank + *rank, element, scope);
  }
}

// An RSS <link>: one marked rel="alternate" is the page; of plain ones, the
// last. Links with another relation (self, enclosure, ...) are not it.
void offer_rss_link(BestText& link, pugi::xml_node element, const Scope& scope) {
  const std::string_view rel = trim(element.attribute("rel").value());
  if (rel.empty()) {
    link.offer_latest(1, [&] {
      std::string storage;
      return scope.absolute(element, link_target(element, storage));
    });
  } else if (rel == "alternate") {
    offer_link(link, 0, element, scope);
  }
}

// iTunes text is plain (its line breaks matter) but many feeds put HTML in
// it; markup is kept as such.
std::string podcast_text(pugi::xml_node element) {
  const std::string text = std::string(trim(html_of(element)));
  return text.find('<') == std::string::npos ? text_to_html(text) : text;
}

template <class MakeMarkup>
void offer_html(BestHtml& field, int rank, pugi::xml_node element, const Scope& scope,
                MakeMarkup&& markup) {
  field.offer(rank, [&] {
    Html html{markup(), {}};
    if (!html.markup.empty()) {
      html.base = scope.base_at(element);
      html.from_xml_base = scope.has_xml_base_at(element);
    }
    return html;
  });
}

// Calls `read(child, qname)` for each element child of `parent`. `read` may
// remove `child` and what precedes it (a streamed entry, below).
template <class Read>
void for_each_element(pugi::xml_node parent, const Scope& scope, Read&& read) {
  for (pugi::xml_node child = parent.first_child(), next; child; child = next) {
    next = child.next_sibling();
    if (is_element(child)) read(child, scope.name_of(child));
  }
}

// Adds the entry read from `element`. When entries are streamed
// (FeedParseOptions::on_entries) the element and the text before it leave
// the tree: pugixml frees a page of nodes once none on it is in use, so a
// huge feed's tree shrinks as it is read instead of staying whole.
void add_read_entry(Feed& feed, const FeedParseOptions& options, pugi::xml_node element, FeedEntry entry) {
  detail::add_entry(feed, options, std::move(entry));
  if (!options.on_entries) return;
  pugi::xml_node parent = element.parent();
  if (const pugi::xml_node before = element.previous_sibling(); before && before.type() == pugi::node_pcdata) {
    parent.remove_child(before);
  }
  parent.remove_child(element);
}

// Media RSS, as YouTube and podcasts use it; the fields live directly in the
// item or in a <media:group>.
void read_media_field(std::string_view local, pugi::xml_node element, const Scope& scope,
                      EntryFields& f) {
  if (local == "group") {
    const Scope group(element, scope);
    for_each_element(element, group, [&](pugi::xml_node child, QName name) {
      if (same_module(name.uri, ns::media)) read_media_field(name.local, child, group, f);
    });
  }
  if (local == "title") f.title.offer(9, [&] { return escape_html(trimmed_text(element)); });
  if (local == "description") {
    // The last resort for a summary: YouTube puts the video's text here.
    offer_html(f.summary, 9, element, scope, [&] {
      const std::string text = std::string(trim(text_of(element)));
      return trim(element.attribute("type").value()) == "html" ? text : text_to_html(text);
    });
  }
  if (local == "category") f.add_category(plain_text(element));
  if (local == "content") {
    f.add_enclosure(scope.absolute(element, trim(element.attribute("url").value())),
                    element.attribute("type").value(), element.attribute("fileSize").value());
  }
  if (local == "thumbnail") {
    f.add_enclosure(scope.absolute(element, trim(element.attribute("url").value())), {}, {});
    f.thumbnail.offer(0, [&] { return scope.absolute(element, trim(element.attribute("url").value())); });
  }
}

// <link rel="enclosure" href=... type=... length=...>
void add_atom_enclosure(pugi::xml_node link, const Scope& scope, EntryFields& f) {
  if (trim(link.attribute("rel").value()) != "enclosure") return;
  f.add_enclosure(scope.absolute(link, trim(link.attribute("href").value())), link.attribute("type").value(),
                  link.attribute("length").value());
}

// <itunes:category text="Technology"><itunes:category text="Podcasting"/>:
// the category and its subcategories, each a category of its own.
void add_itunes_categories(pugi::xml_node element, const Scope& scope, EntryFields& f) {
  f.add_category(trimmed_attribute(element.attribute("text")));
  for_each_element(element, scope, [&](pugi::xml_node child, QName name) {
    if (same_module(name.uri, ns::itunes) && name.local == "category") {
      f.add_category(trimmed_attribute(child.attribute("text")));
    }
  });
}

// Extension elements that mean the same in an RSS item and an Atom entry.
void read_module_field(Vocab vocab, std::string_view local, pugi::xml_node element,
                       const Scope& scope, const Dialect& dialect, EntryFields& f) {
  const auto html = [&] { return html_of(element); };
  const auto text = [&] { return trimmed_text(element); };
  const auto date = [&] { return dialect.date(element); };
  switch (vocab) {
    case Vocab::dc:
      if (local == "creator" || local == "author") {
        f.author.offer(1, [&] { return rss_author_name(plain_text(element)); });
      }
      if (local == "date") {
        // A date "in the lifecycle": the best publication date there is,
        // and the last change when nothing says otherwise.
        f.published.offer(1, date);
        f.updated.offer(5, date);
      }
      if (local == "subject") f.add_category(plain_text(element));
      if (local == "title") f.title.offer(1, html);
      if (local == "description") offer_html(f.summary, 1, element, scope, html);
      if (local == "identifier") f.guid.offer(1, text);
      break;
    case Vocab::dcterms:
      if (local == "issued") f.published.offer(2, date);
      if (local == "created") f.published.offer(3, date);
      if (local == "modified") f.updated.offer(1, date);
      break;
    case Vocab::content:
      if (local == "encoded") offer_html(f.content, 0, element, scope, html);
      break;
    case Vocab::itunes:
      if (local == "author") f.author.offer(2, text);
      // Podcast feeds often say what an episode is about only here.
      if (local == "summary") offer_html(f.summary, 7, element, scope, [&] { return podcast_text(element); });
      if (local == "subtitle") offer_html(f.summary, 8, element, scope, [&] { return podcast_text(element); });
      if (local == "category") add_itunes_categories(element, scope, f);
      if (local == "image") f.add_enclosure(scope.absolute(element, trim(element.attribute("href").value())), {}, {});
      break;
    case Vocab::media:
      read_media_field(local, element, scope, f);
      break;
    case Vocab::xhtml:
      if (local == "body") offer_html(f.content, 1, element, scope, [&] { return inner_markup(element); });
      break;
    case Vocab::atom:  // Atom elements borrowed by an RSS item
      if (local == "link") offer_alternate(f.link, 2, element, scope);
      if (local == "link") add_atom_enclosure(element, scope, f);
      if (local == "content") offer_html(f.content, 4, element, scope, [&] { return atom_html(element, false); });
      if (local == "summary") offer_html(f.summary, 5, element, scope, [&] { return atom_html(element, false); });
      if (local == "updated") f.updated.offer(0, date);
      if (local == "published") f.published.offer(4, date);
      if (local == "author") {
        f.author.offer(3, [&] { return person_name(element, scope, ns::atom10); });
      }
      break;
    case Vocab::core:
    case Vocab::sy:
    case Vocab::other:
      break;
  }
}

// ---------------------------------------------------------------- RSS ---

bool is_permalink(pugi::xml_node guid) {
  return !iequals(trim(guid.attribute("isPermaLink").value()), "false");
}

void read_rss_item_field(std::string_view local, pugi::xml_node element, const Scope& scope,
                         const Dialect& dialect, EntryFields& f) {
  const auto html = [&] { return html_of(element); };
  if (local == "title") f.title.offer(0, html);
  if (local == "link") offer_rss_link(f.link, element, scope);
  if (local == "guid") {
    f.guid.offer(0, [&] { return plain_text(element); });
    // A permalink guid is the item's address when it has no <link>.
    if (is_permalink(element)) {
      f.link.offer(5, [&] {
        const std::string guid = trimmed_text(element);
        return url::is_absolute(guid) ? scope.absolute(element, guid) : std::string();
      });
    }
  }
  if (local == "pubDate") f.published.offer(0, [&] { return dialect.date(element); });
  if (local == "author") f.author.offer(0, [&] { return rss_author_name(plain_text(element)); });
  if (local == "description" || local == "summary") {
    if (!f.summary_claimed) {
      f.summary_claimed = true;
      offer_html(f.summary, 0, element, scope, html);
    } else {
      offer_html(f.content, 3, element, scope, html);
    }
  }
  if (local == "fullitem") offer_html(f.content, 2, element, scope, html);
  if (local == "enclosure") {
    f.add_enclosure(scope.absolute(element, trim(element.attribute("url").value())),
                    element.attribute("type").value(), element.attribute("length").value());
  }
  if (local == "body") offer_html(f.content, 2, element, scope, [&] { return inner_markup(element); });
  if (local == "category") f.add_category(plain_text(element));
}

using CoreFieldReader = void (*)(std::string_view local, pugi::xml_node element, const Scope& scope,
                                 const Dialect& dialect, EntryFields& f);

// Every child of an RSS item or an Atom entry: those of the format's own
// vocabulary to `read_core`, the extension modules both share to
// read_module_field.
void read_entry_children(pugi::xml_node item, const Scope& scope, const Dialect& dialect, CoreFieldReader read_core,
                         EntryFields& f) {
  for_each_element(item, scope, [&](pugi::xml_node child, QName name) {
    const Vocab vocab = dialect.vocab_of(name.uri);
    if (vocab == Vocab::core) {
      read_core(name.local, child, scope, dialect, f);
    } else {
      read_module_field(vocab, name.local, child, scope, dialect, f);
    }
  });
}

// An RSS 2.0/0.9x item, or an RSS 1.0 one (same names, another namespace).
FeedEntry read_rss_item(pugi::xml_node item, const Scope& parent, const Dialect& dialect) {
  const Scope scope(item, parent);
  EntryFields f;
  read_entry_children(item, scope, dialect, read_rss_item_field, f);
  f.guid.offer(9, [&] { return trimmed_attribute(scope.attribute(item, ns::rdf, "about")); });
  FeedEntry entry = f.finish();
  if (dialect.options.keep_raw) entry.raw = standalone_xml(item, scope.base(), {});
  return entry;
}

void read_channel_field(Vocab vocab, std::string_view local, pugi::xml_node element,
                        const Scope& scope, const Dialect& dialect, FeedFields& f) {
  const auto html = [&] { return html_of(element); };
  const auto text = [&] { return trimmed_text(element); };
  const auto date = [&] { return dialect.date(element); };
  switch (vocab) {
    case Vocab::core:
      if (local == "title") f.title.offer(0, html);
      if (local == "link") offer_rss_link(f.link, element, scope);
      if (local == "description") offer_html(f.description, 0, element, scope, html);
      if (local == "tagline") offer_html(f.description, 1, element, scope, html);
      if (local == "language") f.language.offer(0, text);
      if (local == "lastBuildDate") f.updated.offer(0, date);
      if (local == "pubDate") f.updated.offer(1, date);
      if (local == "ttl") f.ttl.offer(0, [&] { return parse_count(text_of(element)); });
      break;
    case Vocab::dc:
      if (local == "title") f.title.offer(1, html);
      if (local == "description") offer_html(f.description, 2, element, scope, html);
      if (local == "language") f.language.offer(1, text);
      if (local == "date") f.updated.offer(2, date);
      break;
    case Vocab::atom:
      if (local == "link") offer_alternate(f.link, 2, element, scope);
      if (local == "updated") f.updated.offer(3, date);
      break;
    case Vocab::itunes:
      if (local == "summary") offer_html(f.description, 5, element, scope, [&] { return podcast_text(element); });
      if (local == "subtitle") offer_html(f.description, 6, element, scope, [&] { return podcast_text(element); });
      break;
    case Vocab::dcterms:
      if (local == "modified") f.updated.offer(4, date);
      break;
    case Vocab::sy:
      if (local == "updatePeriod") f.update_period = element;
      if (local == "updateFrequency") f.update_frequency = element;
      break;
    case Vocab::content:
    case Vocab::media:
    case Vocab::xhtml:
    case Vocab::other:
      break;
  }
}

// The channel's own fields, and (RSS 2.0) the items it holds.
void read_channel(pugi::xml_node channel, const Scope& parent, const Dialect& dialect,
                  FeedFields& fields, Feed& feed) {
  const Scope scope(channel, parent);
  fields.language.offer(2, [&] { return trimmed_attribute(channel.attribute("xml:lang")); });
  for_each_element(channel, scope, [&](pugi::xml_node child, QName name) {
    const Vocab vocab = dialect.vocab_of(name.uri);
    if (vocab == Vocab::core && name.local == "item") {
      add_read_entry(feed, dialect.options, child, read_rss_item(child, scope, dialect));
    } else {
      read_channel_field(vocab, name.local, child, scope, dialect, fields);
    }
  });
}

pugi::xml_node find_child(pugi::xml_node parent, const Scope& scope, std::string_view uri,
                          std::string_view local) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (!is_element(child)) continue;
    const QName name = scope.name_of(child);
    if (name.uri == uri && name.local == local) return child;
  }
  return {};
}

Feed read_rss(pugi::xml_node root, const Scope& scope, std::string_view root_uri,
              const FeedParseOptions& options) {
  // RSS 2.0 has no namespace; the few feeds that declare one on <rss> use
  // it for the whole vocabulary.
  const Dialect dialect{options, root_uri};
  pugi::xml_node channel = find_child(root, scope, root_uri, "channel");
  // Some hand-made feeds put their items straight into <rss>.
  if (!channel && find_child(root, scope, root_uri, "item")) channel = root;
  if (!channel) throw FeedParseError("<rss> has no <channel>");
  Feed feed;
  feed.format = "rss";
  const std::string_view version = trim(root.attribute("version").value());
  feed.version = version.empty() ? "2.0" : std::string(version);
  FeedFields fields;
  fields.language.offer(3, [&] { return trimmed_attribute(root.attribute("xml:lang")); });
  read_channel(channel, scope, dialect, fields, feed);
  fields.finish_into(feed);
  return feed;
}

// RSS 1.0 and 0.90 share the RDF wrapper and differ in the namespace of
// channel and items, which are siblings under the root.
Feed read_rdf(pugi::xml_node root, const Scope& scope, const FeedParseOptions& options) {
  std::string_view core;
  pugi::xml_node channel;
  for_each_element(root, scope, [&](pugi::xml_node child, QName name) {
    if (!channel && name.local == "channel" && (name.uri == ns::rss10 || name.uri == ns::rss090)) {
      channel = child;
      core = name.uri;
    }
  });
  if (!channel) throw FeedParseError("RDF document has no RSS 1.0 or 0.90 <channel>");
  const Dialect dialect{options, core};
  Feed feed;
  feed.format = "rdf";
  feed.version = core == ns::rss090 ? "0.9" : "1.0";
  FeedFields fields;
  read_channel(channel, scope, dialect, fields, feed);
  for_each_element(root, scope, [&](pugi::xml_node child, QName name) {
    if (name.uri == core && name.local == "item") {
      add_read_entry(feed, dialect.options, child, read_rss_item(child, scope, dialect));
    }
  });
  fields.finish_into(feed);
  return feed;
}

// --------------------------------------------------------------- Atom ---

// atom:id must be absolute (RFC 4287 4.2.6). One written as a path
// ("/2021/04/post") is a relative reference that xml:base or the feed's URL
// completes; any other id stays verbatim, as an identity should.
std::string atom_id(pugi::xml_node element, const Scope& scope) {
  std::string id = trimmed_text(element);
  const bool is_path = (id.starts_with('/') && !id.starts_with("//")) || id.starts_with("./") || id.starts_with("../");
  if (!is_path) return id;
  std::string resolved = scope.absolute(element, id);
  return resolved.empty() ? id : resolved;
}

void read_entry_field(std::string_view local, pugi::xml_node element, const Scope& scope,
                      const Dialect& dialect, EntryFields& f) {
  const auto html = [&] { return atom_html(element, dialect.atom03()); };
  const auto date = [&] { return dialect.date(element); };
  const auto person = [&] { return person_name(element, scope, dialect.core); };
  if (local == "title") f.title.offer(0, html);
  if (local == "link") offer_alternate(f.link, 0, element, scope);
  if (local == "link") add_atom_enclosure(element, scope, f);
  if (local == "id") f.guid.offer(0, [&] { return atom_id(element, scope); });
  if (local == "published") f.published.offer(0, date);
  if (local == "issued") f.published.offer(1, date);  // Atom 0.3's name for it
  if (local == "created") f.published.offer(5, date);
  if (local == "updated" || local == "modified") f.updated.offer(0, date);
  if (local == "author") f.author.offer(0, person);
  if (local == "summary") offer_html(f.summary, 0, element, scope, html);
  if (local == "content") offer_html(f.content, 0, element, scope, html);
  if (local == "category") {
    const std::string_view term = trim(element.attribute("term").value());
    f.add_category(std::string(term.empty() ? trim(element.attribute("label").value()) : term));
  }
  if (local == "source") {
    // RFC 4287 4.2.1: without its own author, an entry has its source's.
    const Scope source(element, scope);
    if (const pugi::xml_node author = find_child(element, source, dialect.core, "author")) {
      f.author.offer(8, [&] { return person_name(author, source, dialect.core); });
    }
  }
}

// `feed_author` is the feed's <author>, null when it has none.
FeedEntry read_entry(pugi::xml_node entry, const Scope& parent, const Dialect& dialect,
                     pugi::xml_node feed_author) {
  const Scope scope(entry, parent);
  EntryFields f;
  read_entry_children(entry, scope, dialect, read_entry_field, f);
  // An entry without an author has the feed's (RFC 4287 4.2.1).
  const bool inherits_author = f.author.empty() && feed_author;
  if (inherits_author) f.author.offer(9, [&] { return person_name(feed_author, parent, dialect.core); });
  FeedEntry result = f.finish();
  if (dialect.options.keep_raw) {
    result.raw = standalone_xml(entry, scope.base(), inherits_author ? feed_author : pugi::xml_node());
  }
  return result;
}

void read_atom_feed_field(Vocab vocab, std::string_view local, pugi::xml_node element,
                          const Scope& scope, const Dialect& dialect, FeedFields& f) {
  const auto text = [&] { return trimmed_text(element); };
  if (vocab == Vocab::dc && local == "language") f.language.offer(1, text);
  if (vocab != Vocab::core) return;
  const auto html = [&] { return atom_html(element, dialect.atom03()); };
  const auto date = [&] { return dialect.date(element); };
  if (local == "title") f.title.offer(0, html);
  if (local == "subtitle" || local == "tagline") offer_html(f.description, 0, element, scope, html);
  if (local == "info") offer_html(f.description, 1, element, scope, html);
  if (local == "link") offer_alternate(f.link, 0, element, scope);
  if (local == "updated" || local == "modified") f.updated.offer(0, date);
}

std::string atom_version(std::string_view uri, pugi::xml_node root) {
  if (uri == ns::atom10) return "1.0";
  if (uri == ns::atom03) return "0.3";
  const std::string_view version = trim(root.attribute("version").value());
  return version.empty() ? "1.0" : std::string(version);
}

Feed read_atom(pugi::xml_node root, const Scope& scope, std::string_view uri,
               const FeedParseOptions& options) {
  const Dialect dialect{options, uri};
  Feed feed;
  feed.format = "atom";
  feed.version = atom_version(uri, root);
  FeedFields fields;
  fields.language.offer(0, [&] { return trimmed_attribute(root.attribute("xml:lang")); });
  // The feed may name its author after the entries that inherit it.
  const pugi::xml_node feed_author = find_child(root, scope, uri, "author");
  for_each_element(root, scope, [&](pugi::xml_node child, QName name) {
    const Vocab vocab = dialect.vocab_of(name.uri);
    if (vocab == Vocab::core && name.local == "entry") {
      add_read_entry(feed, dialect.options, child, read_entry(child, scope, dialect, feed_author));
    } else {
      read_atom_feed_field(vocab, name.local, child, scope, dialect, fields);
    }
  });
  fields.finish_into(feed);
  return feed;
}

// ---------------------------------------------------------------- CDF ---

// Microsoft's Channel Definition Format (1997): upper-case names, links and
// dates in attributes. Rare, but still served by a few old sites.
FeedEntry read_cdf_item(pugi::xml_node item, const Scope& parent, const Dialect& dialect) {
  const Scope scope(item, parent);
  EntryFields f;
  f.link.offer(0, [&] { return scope.absolute(item, trim(item.attribute("HREF").value())); });
  f.updated.offer(0, [&] { return dialect.date(item.attribute("LASTMOD")); });
  for_each_element(item, scope, [&](pugi::xml_node child, QName name) {
    if (name.local == "TITLE") f.title.offer(0, [&] { return html_of(child); });
    if (name.local == "ABSTRACT") offer_html(f.summary, 0, child, scope, [&] { return html_of(child); });
  });
  FeedEntry entry = f.finish();
  if (dialect.options.keep_raw) entry.raw = standalone_xml(item, scope.base(), {});
  return entry;
}

Feed read_cdf(pugi::xml_node root, const Scope& scope, const FeedParseOptions& options) {
  const Dialect dialect{options, {}};
  Feed feed;
  feed.format = "cdf";
  FeedFields fields;
  fields.link.offer(0, [&] { return scope.absolute(root, trim(root.attribute("HREF").value())); });
  fields.updated.offer(0, [&] { return dialect.date(root.attribute("LASTMOD")); });
  for_each_element(root, scope, [&](pugi::xml_node child, QName name) {
    if (name.local == "TITLE") fields.title.offer(0, [&] { return html_of(child); });
    if (name.local == "ABSTRACT") {
      offer_html(fields.description, 0, child, scope, [&] { return html_of(child); });
    }
    if (name.local == "ITEM") add_read_entry(feed, dialect.options, child, read_cdf_item(child, scope, dialect));
  });
  fields.finish_into(feed);
  return feed;
}

// Atom's own two, none, and the names Atom went by before it had one
// (purl.org/echo, purl.org/pie): a root called <feed> is Atom's shape.
bool is_atom_namespace(std::string_view uri) {
  return uri != ns::rss10 && uri != ns::rss090 && uri != ns::rdf;
}

}  // namespace

Feed read_xml_feed(pugi::xml_node root, const FeedParseOptions& options) {
  const Scope scope(root, options.base_url);
  const QName name = scope.name_of(root);
  if (name.local == "rss") return read_rss(root, scope, name.uri, options);
  if (name.local == "RDF" && name.uri == ns::rdf) return read_rdf(root, scope, options);
  if (name.local == "feed" && is_atom_namespace(name.uri)) return read_atom(root, scope, name.uri, options);
  if (name.local == "CHANNEL" && name.uri.empty()) return read_cdf(root, scope, options);
  const std::string_view shown = std::string_view(root.name()).substr(0, 64);
  throw FeedParseError(fmt::format("document root <{}> is not rss, RDF, Atom or CDF", shown));
}

FeedEntry read_xml_entry(pugi::xml_node element, const FeedParseOptions& options) {
  // The raw element carries its namespaces and base itself; nothing
  // surrounds it.
  const Scope outside(pugi::xml_node(), options.base_url);
  const QName name = outside.name_of(element);
  const Dialect dialect{options, name.uri};
  if (name.local == "item" && name.uri != ns::atom10) return read_rss_item(element, outside, dialect);
  if (name.local == "entry" && is_atom_namespace(name.uri)) {
    return read_entry(element, outside, dialect, pugi::xml_node());
  }
  if (name.local == "ITEM" && name.uri.empty()) return read_cdf_item(element, outside, dialect);
  const std::string_view shown = std::string_view(element.name()).substr(0, 64);
  throw FeedParseError(fmt::format("raw entry <{}> is not an RSS item, Atom entry or CDF ITEM", shown));
}

}  // namespace feedd::detail
