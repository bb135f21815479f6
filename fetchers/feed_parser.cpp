// RSS 2.0/0.9x, RSS 1.0 (RDF) and Atom 1.0/0.3, read with pugixml.
//
// pugixml knows nothing of namespaces, so this file resolves them itself:
// each element of the feed's skeleton (root, channel, item or entry) gets a
// Scope holding the xmlns declarations it makes, chained to its parent's, and
// fields are matched by namespace URI and local name, never by prefix.
//
// Only that fixed skeleton is walked. The one place that follows markup to
// any depth (inline XHTML) uses parent and sibling links rather than
// recursion, so no document can exhaust the stack.

#include "fetchers/feed_parser.h"

#include <fmt/format.h>

#include <pugixml.hpp>

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

#include "fetchers/dates.h"
#include "fetchers/url.h"

namespace feedd {
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
constexpr std::string_view xml = "http://www.w3.org/XML/1998/namespace";
}  // namespace ns

// ---------------------------------------------------------------- text ---

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

bool is_element(pugi::xml_node node) { return node.type() == pugi::node_element; }

bool is_text(pugi::xml_node node) {
  return node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata;
}

std::string_view local_name(std::string_view qualified) {
  const auto colon = qualified.find(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

// The element's character data, CDATA sections included byte for byte.
std::string text_of(pugi::xml_node element) {
  std::string text;
  for (pugi::xml_node child = element.first_child(); child; child = child.next_sibling()) {
    if (is_text(child)) text += child.value();
  }
  return text;
}

std::string trimmed_text(pugi::xml_node element) { return std::string(trim(text_of(element))); }

std::string trimmed_attribute(pugi::xml_attribute attribute) {
  return std::string(trim(attribute.value()));
}

void append_escaped(std::string& out, std::string_view text, bool in_attribute) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (in_attribute) {
          out += "&quot;";
          break;
        }
        [[fallthrough]];
      default: out += c;
    }
  }
}

std::string escape_html(std::string_view text) {
  std::string html;
  html.reserve(text.size());
  append_escaped(html, text, false);
  return html;
}

// ------------------------------------------------------ inline markup ---

// Written as HTML expects them: no end tag, and no "<x/>" for the others,
// which HTML would read as an unclosed start tag.
bool is_void_element(std::string_view name) {
  static constexpr std::string_view voids[] = {"area", "base", "br",    "col",  "embed",
                                               "hr",   "img",  "input", "link", "meta",
                                               "param", "source", "track", "wbr"};
  return std::find(std::begin(voids), std::end(voids), name) != std::end(voids);
}

// Writes the node's start (or all of it, when nothing follows inside) and
// says whether its children must be written next.
bool open_node(pugi::xml_node node, std::string& out) {
  if (is_text(node)) {
    append_escaped(out, node.value(), false);
    return false;
  }
  if (!is_element(node)) return false;
  // Prefixes mean nothing to the HTML consumer, and their xmlns
  // declarations would only clutter the post.
  const std::string_view name = local_name(node.name());
  out += '<';
  out += name;
  for (const pugi::xml_attribute attribute : node.attributes()) {
    const std::string_view attribute_name = attribute.name();
    if (attribute_name == "xmlns" || attribute_name.starts_with("xmlns:")) continue;
    out += ' ';
    out += attribute_name;
    out += "=\"";
    append_escaped(out, attribute.value(), true);
    out += '"';
  }
  out += '>';
  if (node.first_child()) return true;
  if (!is_void_element(name)) fmt::format_to(std::back_inserter(out), "</{}>", name);
  return false;
}

// The markup inside `parent`, serialised without `parent` itself.
std::string inner_markup(pugi::xml_node parent) {
  std::string out;
  pugi::xml_node node = parent.first_child();
  while (node) {
    if (open_node(node, out)) {
      node = node.first_child();
      continue;
    }
    while (!node.next_sibling()) {
      node = node.parent();
      if (node == parent) return out;
      fmt::format_to(std::back_inserter(out), "</{}>", local_name(node.name()));
    }
    node = node.next_sibling();
  }
  return out;
}

bool has_element_child(pugi::xml_node element) {
  for (pugi::xml_node child = element.first_child(); child; child = child.next_sibling()) {
    if (is_element(child)) return true;
  }
  return false;
}

// An HTML-carrying field: normally escaped or CDATA text, but some feeds
// put raw (well-formed) markup in <description>, and that is kept too.
std::string html_of(pugi::xml_node element) {
  return has_element_child(element) ? inner_markup(element) : text_of(element);
}

// Atom wraps inline XHTML in a <div> that is not part of the content.
std::string xhtml_of(pugi::xml_node element) {
  pugi::xml_node wrapper = element.first_child();
  while (wrapper && !is_element(wrapper)) wrapper = wrapper.next_sibling();
  const bool is_div = wrapper && local_name(wrapper.name()) == "div";
  return inner_markup(is_div ? wrapper : element);
}

// An Atom text construct (title, subtitle, summary, content) as HTML.
std::string atom_html(pugi::xml_node element) {
  // Out-of-line content (src=) and Atom 0.3 base64 have nothing to inline.
  if (element.attribute("src")) return {};
  const std::string_view mode = trim(element.attribute("mode").value());
  if (mode == "base64") return {};
  const std::string_view type = trim(element.attribute("type").value());
  if (type == "xhtml" || iequals(type, "application/xhtml+xml") || mode == "xml") {
    return xhtml_of(element);
  }
  // Per RFC 4287 no type means text, but feeds that omit it mostly carry
  // HTML, and passing text through as HTML is harmless.
  if (type.empty() || type == "html" || iequals(type, "text/html")) return html_of(element);
  if (type == "text" || iequals(type.substr(0, 5), "text/")) return escape_html(text_of(element));
  return {};  // base64 media of some other type
}

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
// (Joe)"; the name is what a post shows.
std::string rss_author_name(std::string_view text) {
  text = trim(text);
  if (text.find('@') == std::string_view::npos) return std::string(text);
  const auto open = text.find('(');
  if (text.ends_with(')') && open != std::string_view::npos) {
    const auto name = trim(text.substr(open + 1, text.size() - open - 2));
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
  T take() { return std::move(value_); }

 private:
  static bool present(const std::string& value) { return !value.empty(); }
  template <class U>
  static bool present(const std::optional<U>& value) { return value.has_value(); }

  int rank_ = INT_MAX;
  T value_{};
};

using BestText = Best<std::string>;
using BestDate = Best<std::optional<UnixMillis>>;

struct EntryFields {
  BestText title, link, guid, author, summary, content;
  BestDate published, updated;
  std::vector<std::string> categories;

  void add_category(std::string category) {
    if (!category.empty()) categories.push_back(std::move(category));
  }

  FeedEntry finish() {
    return FeedEntry{.title = title.take(),
                     .link = link.take(),
                     .guid = guid.take(),
                     .published = published.take(),
                     .updated = updated.take(),
                     .author = author.take(),
                     .summary = summary.take(),
                     .content = content.take(),
                     .categories = std::move(categories)};
  }
};

struct FeedFields {
  BestText title, link, description, language, author;
  BestDate updated;
  Best<std::optional<std::int64_t>> ttl;
  pugi::xml_node update_period, update_frequency;

  void finish_into(Feed& feed) {
    feed.title = title.take();
    feed.link = link.take();
    feed.description = description.take();
    feed.language = language.take();
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
  Scope(pugi::xml_node root, std::string_view base_url) : own_base_(base_url) {
    declare(root);
    if (auto base = rebased(own_base_, root)) own_base_ = std::move(*base);
  }
  Scope(pugi::xml_node element, const Scope& parent) : parent_(&parent), base_(parent.base_) {
    declare(element);
    if (auto base = rebased(*base_, element)) {
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

  // `reference` made absolute against the base in force at `element`
  // (which may carry its own xml:base); "" when that gives no URL.
  std::string absolute(pugi::xml_node element, std::string_view reference) const {
    if (reference.empty()) return {};
    const auto own = rebased(*base_, element);
    auto resolved = url::resolve(own ? *own : *base_, reference);
    return resolved ? std::move(*resolved) : std::string();
  }

 private:
  struct Binding {
    std::string_view prefix;
    std::string_view uri;
  };

  void declare(pugi::xml_node element) {
    for (const pugi::xml_attribute attribute : element.attributes()) {
      if (auto binding = as_binding(attribute)) bindings_.push_back(*binding);
    }
  }

  static std::optional<Binding> as_binding(pugi::xml_attribute attribute) {
    const std::string_view name = attribute.name();
    if (name == "xmlns") return Binding{{}, attribute.value()};
    if (name.starts_with("xmlns:")) return Binding{name.substr(6), attribute.value()};
    return std::nullopt;
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
        {"rdf", ns::rdf}};
    for (const auto& [known, uri] : conventional) {
      if (known == prefix) return uri;
    }
    return {};
  }

  const Scope* parent_ = nullptr;
  std::vector<Binding> bindings_;
  std::string own_base_;
  const std::string* base_ = &own_base_;
};

// ----------------------------------------------------------- dialects ---

enum class Vocab { core, atom, dc, dcterms, content, sy, itunes, other };

// How one document names things: `core` is the namespace of the format's
// own elements (none for RSS 2.0, RSS 1.0's, or Atom's).
struct Dialect {
  const FeedParseOptions& options;
  std::string_view core;

  Vocab vocab_of(std::string_view uri) const {
    if (uri == core) return Vocab::core;
    if (uri == ns::atom10) return Vocab::atom;
    if (uri == ns::dc) return Vocab::dc;
    if (uri == ns::dcterms) return Vocab::dcterms;
    if (uri == ns::content) return Vocab::content;
    if (uri == ns::sy) return Vocab::sy;
    if (uri == ns::itunes) return Vocab::itunes;
    return Vocab::other;
  }

  std::optional<UnixMillis> date(pugi::xml_node element) const {
    return dates::parse(trim(text_of(element)), options.default_timezone);
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
    if (qname.local == "name") name.offer(0, [&] { return trimmed_text(child); });
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

// Extension elements that mean the same in an RSS item and an Atom entry.
void read_module_field(Vocab vocab, std::string_view local, pugi::xml_node element,
                       const Scope& scope, const Dialect& dialect, EntryFields& f) {
  const auto html = [&] { return html_of(element); };
  const auto text = [&] { return trimmed_text(element); };
  const auto date = [&] { return dialect.date(element); };
  switch (vocab) {
    case Vocab::dc:
      if (local == "creator") f.author.offer(1, text);
      if (local == "date") f.published.offer(1, date);
      if (local == "subject") f.add_category(text());
      if (local == "title") f.title.offer(1, html);
      if (local == "description") f.summary.offer(1, html);
      if (local == "identifier") f.guid.offer(1, text);
      break;
    case Vocab::dcterms:
      if (local == "issued") f.published.offer(2, date);
      if (local == "created") f.published.offer(3, date);
      if (local == "modified") f.updated.offer(1, date);
      break;
    case Vocab::content:
      if (local == "encoded") f.content.offer(0, html);
      break;
    case Vocab::itunes:
      if (local == "author") f.author.offer(2, text);
      break;
    case Vocab::atom:  // Atom elements borrowed by an RSS item
      if (local == "link") offer_alternate(f.link, 1, element, scope);
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

// Calls `read(child, qname)` for each element child of `parent`.
template <class Read>
void for_each_element(pugi::xml_node parent, const Scope& scope, Read&& read) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (is_element(child)) read(child, scope.name_of(child));
  }
}

// ---------------------------------------------------------------- RSS ---

void read_rss_item_field(std::string_view local, pugi::xml_node element, const Scope& scope,
                         const Dialect& dialect, EntryFields& f) {
  if (local == "title") f.title.offer(0, [&] { return html_of(element); });
  if (local == "link") offer_link(f.link, 0, element, scope);
  if (local == "guid") f.guid.offer(0, [&] { return trimmed_text(element); });
  if (local == "pubDate") f.published.offer(0, [&] { return dialect.date(element); });
  if (local == "author") f.author.offer(0, [&] { return rss_author_name(text_of(element)); });
  if (local == "description") f.summary.offer(0, [&] { return html_of(element); });
  if (local == "category") f.add_category(trimmed_text(element));
}

// An RSS 2.0/0.9x item, or an RSS 1.0 one (same names, another namespace).
FeedEntry read_rss_item(pugi::xml_node item, const Scope& parent, const Dialect& dialect) {
  const Scope scope(item, parent);
  EntryFields f;
  for_each_element(item, scope, [&](pugi::xml_node child, QName name) {
    const Vocab vocab = dialect.vocab_of(name.uri);
    if (vocab == Vocab::core) {
      read_rss_item_field(name.local, child, scope, dialect, f);
    } else {
      read_module_field(vocab, name.local, child, scope, dialect, f);
    }
  });
  f.guid.offer(9, [&] { return trimmed_attribute(scope.attribute(item, ns::rdf, "about")); });
  return f.finish();
}

void read_channel_field(Vocab vocab, std::string_view local, pugi::xml_node element,
                        const Scope& scope, const Dialect& dialect, FeedFields& f) {
  const auto html = [&] { return html_of(element); };
  const auto text = [&] { return trimmed_text(element); };
  const auto date = [&] { return dialect.date(element); };
  switch (vocab) {
    case Vocab::core:
      if (local == "title") f.title.offer(0, html);
      if (local == "link") offer_link(f.link, 0, element, scope);
      if (local == "description") f.description.offer(0, html);
      if (local == "language") f.language.offer(0, text);
      if (local == "lastBuildDate") f.updated.offer(0, date);
      if (local == "pubDate") f.updated.offer(1, date);
      if (local == "ttl") f.ttl.offer(0, [&] { return parse_count(text_of(element)); });
      break;
    case Vocab::dc:
      if (local == "title") f.title.offer(1, html);
      if (local == "description") f.description.offer(1, html);
      if (local == "language") f.language.offer(1, text);
      if (local == "date") f.updated.offer(2, date);
      break;
    case Vocab::atom:
      if (local == "link") offer_alternate(f.link, 1, element, scope);
      if (local == "updated") f.updated.offer(3, date);
      break;
    case Vocab::dcterms:
      if (local == "modified") f.updated.offer(4, date);
      break;
    case Vocab::sy:
      if (local == "updatePeriod") f.update_period = element;
      if (local == "updateFrequency") f.update_frequency = element;
      break;
    case Vocab::content:
    case Vocab::itunes:
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
      feed.entries.push_back(read_rss_item(child, scope, dialect));
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
  const pugi::xml_node channel = find_child(root, scope, root_uri, "channel");
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
      feed.entries.push_back(read_rss_item(child, scope, dialect));
    }
  });
  fields.finish_into(feed);
  return feed;
}

// --------------------------------------------------------------- Atom ---

void read_entry_field(std::string_view local, pugi::xml_node element, const Scope& scope,
                      const Dialect& dialect, EntryFields& f) {
  const auto html = [&] { return atom_html(element); };
  const auto date = [&] { return dialect.date(element); };
  if (local == "title") f.title.offer(0, html);
  if (local == "link") offer_alternate(f.link, 0, element, scope);
  if (local == "id") f.guid.offer(0, [&] { return trimmed_text(element); });
  if (local == "published" || local == "issued") f.published.offer(0, date);
  if (local == "created") f.published.offer(5, date);
  if (local == "updated" || local == "modified") f.updated.offer(0, date);
  const auto person = [&] { return person_name(element, scope, dialect.core); };
  if (local == "author") f.author.offer(0, person);
  if (local == "summary") f.summary.offer(0, html);
  if (local == "content") f.content.offer(0, html);
  if (local == "category") {
    const std::string_view term = trim(element.attribute("term").value());
    f.add_category(std::string(term.empty() ? trim(element.attribute("label").value()) : term));
  }
}

FeedEntry read_entry(pugi::xml_node entry, const Scope& parent, const Dialect& dialect) {
  const Scope scope(entry, parent);
  EntryFields f;
  for_each_element(entry, scope, [&](pugi::xml_node child, QName name) {
    const Vocab vocab = dialect.vocab_of(name.uri);
    if (vocab == Vocab::core) {
      read_entry_field(name.local, child, scope, dialect, f);
    } else {
      read_module_field(vocab, name.local, child, scope, dialect, f);
    }
  });
  return f.finish();
}

void read_atom_feed_field(Vocab vocab, std::string_view local, pugi::xml_node element,
                          const Scope& scope, const Dialect& dialect, FeedFields& f) {
  const auto text = [&] { return trimmed_text(element); };
  if (vocab == Vocab::dc && local == "language") f.language.offer(1, text);
  if (vocab != Vocab::core) return;
  const auto html = [&] { return atom_html(element); };
  const auto date = [&] { return dialect.date(element); };
  if (local == "title") f.title.offer(0, html);
  if (local == "subtitle" || local == "tagline") f.description.offer(0, html);
  if (local == "link") offer_alternate(f.link, 0, element, scope);
  if (local == "updated" || local == "modified") f.updated.offer(0, date);
  const auto person = [&] { return person_name(element, scope, dialect.core); };
  if (local == "author") f.author.offer(0, person);
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
  for_each_element(root, scope, [&](pugi::xml_node child, QName name) {
    const Vocab vocab = dialect.vocab_of(name.uri);
    if (vocab == Vocab::core && name.local == "entry") {
      feed.entries.push_back(read_entry(child, scope, dialect));
    } else {
      read_atom_feed_field(vocab, name.local, child, scope, dialect, fields);
    }
  });
  // An entry without an author has the feed's (RFC 4287 4.2.1), wherever
  // in the document the feed names it.
  const std::string feed_author = fields.author.take();
  for (FeedEntry& entry : feed.entries) {
    if (entry.author.empty()) entry.author = feed_author;
  }
  fields.finish_into(feed);
  return feed;
}

// ----------------------------------------------------------- document ---

Feed read_feed(pugi::xml_node root, const FeedParseOptions& options) {
  const Scope scope(root, options.base_url);
  const QName name = scope.name_of(root);
  if (name.local == "rss") return read_rss(root, scope, name.uri, options);
  if (name.local == "RDF" && name.uri == ns::rdf) return read_rdf(root, scope, options);
  const bool atom_uri = name.uri == ns::atom10 || name.uri == ns::atom03 || name.uri.empty();
  if (name.local == "feed" && atom_uri) {
    return read_atom(root, scope, name.uri, options);
  }
  const std::string_view shown = std::string_view(root.name()).substr(0, 64);
  throw FeedParseError(fmt::format("document root <{}> is not rss, RDF or Atom", shown));
}

// Whitespace-only text is kept because it separates words in inline markup
// and belongs to HTML fields byte for byte. No DOCTYPE processing: entity
// declarations are skipped, never expanded.
constexpr unsigned xml_options = pugi::parse_default | pugi::parse_ws_pcdata;

std::string describe_parse_error(std::string_view document, const pugi::xml_parse_result& result) {
  if (trim(document).empty()) return "empty document";
  const auto offset = std::min(static_cast<std::size_t>(result.offset), document.size());
  const std::string_view before = document.substr(0, offset);
  const auto line = std::count(before.begin(), before.end(), '\n') + 1;
  const auto line_start = before.rfind('\n');
  const auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return fmt::format("not well-formed XML at line {}, column {} (offset {}): {}", line, column,
                     offset, result.description());
}

// Loads `document` strictly, or says why it is not XML.
std::optional<std::string> load_xml(std::string_view document, pugi::xml_document& xml) {
  // Charsets are decided before this point; pugixml must not guess one.
  const pugi::xml_parse_result result =
      xml.load_buffer(document.data(), document.size(), xml_options, pugi::encoding_utf8);
  if (!result) return describe_parse_error(document, result);
  if (!xml.document_element()) return std::string("document has no root element");
  return std::nullopt;
}

}  // namespace

Feed parse_feed(std::string_view document, const FeedParseOptions& options) {
  pugi::xml_document xml;
  if (auto problem = load_xml(document, xml)) {
    // Seam for libxml2's recover mode: re-read the broken document
    // leniently, read_feed the result and set Feed::recovered; throw only
    // when that fails too.
    throw FeedParseError(*problem);
  }
  return read_feed(xml.document_element(), options);
}

}  // namespace feedd
