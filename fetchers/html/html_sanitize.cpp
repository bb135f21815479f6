#include "fetchers/html/html_sanitize.h"

#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>

#include "fetchers/html/css_filter.h"
#include "fetchers/html/foreign_content.h"
#include "fetchers/html/srcset.h"
#include "fetchers/text/encoding.h"
#include "fetchers/html/html_parse.h"
#include "fetchers/http/url.h"

namespace feedd {
namespace {

// libxml2's HTML parser lower-cases element and attribute names, so the
// lists below are compared exactly.
constexpr std::array<std::string_view, 16> kDroppedElements = {
    "script", "style", "iframe", "frame",  "frameset",    "object",    "embed", "applet",
    "form",   "base",  "meta",   "portal", "fencedframe", "plaintext", "param", "link",
};

// Their content is what a browser shows when the plugin is not there. A
// closed one goes with its content; one left open would take the rest of
// the field with it, so then the content stays, sanitized like the rest.
constexpr std::array<std::string_view, 2> kFallbackElements = {"object", "applet"};

// libxml2 puts html and body around a fragment, and a stray </html> or
// <head> in one adds more. Their children are the content.
constexpr std::array<std::string_view, 3> kWrapperElements = {"html", "head", "body"};

// As browsers parse them; <image> is read as <img>.
constexpr std::array<std::string_view, 19> kVoidElements = {
    "area", "base",  "br",     "col",   "embed", "hr",       "img",     "image", "input",  "link",
    "meta", "param", "source", "track", "wbr",   "basefont", "bgsound", "frame", "keygen",
};

// Attributes a browser follows as a URL, where a script scheme would run.
// Compared by local name, so xlink:href counts as href.
constexpr std::array<std::string_view, 13> kUrlAttributes = {
    "href",   "src",    "action", "formaction", "poster",   "background", "longdesc",
    "lowsrc", "dynsrc", "cite",   "data",       "codebase", "usemap",
};

// The URLs a reader follows or loads from a post, made absolute so they
// still work from wherever the post is published.
constexpr std::array<std::string_view, 3> kResolvedAttributes = {"href", "src", "poster"};

constexpr std::string_view kNoBreakSpace = "\xC2\xA0";

template <std::size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(),
                                                    [](char p, char t) { return p == ascii_lower(t); });
}

// "script" for "x:script": browsers give such prefixed names no meaning, but
// whatever reads the post later might, so they are judged like the bare name.
std::string_view local_name(std::string_view name) {
  const std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view name_of(const xmlNode* node) {
  return node->name == nullptr ? std::string_view() : reinterpret_cast<const char*>(node->name);
}

struct XmlCharDeleter {
  void operator()(xmlChar* text) const noexcept { xmlFree(text); }
};
using XmlString = std::unique_ptr<xmlChar, XmlCharDeleter>;

struct Attribute {
  std::string name;
  std::string value;
};

std::vector<Attribute> attributes_of(const xmlNode* element) {
  std::vector<Attribute> attributes;
  for (const xmlAttr* attribute = element->properties; attribute != nullptr; attribute = attribute->next) {
    // A valueless attribute (<img alt>) has no children and reads as "".
    const XmlString value(xmlNodeListGetString(element->doc, attribute->children, 1));
    attributes.push_back({std::string(name_of(reinterpret_cast<const xmlNode*>(attribute))),
                          value ? reinterpret_cast<const char*>(value.get()) : ""});
  }
  return attributes;
}

// ---- URLs ------------------------------------------------------------------

// The first characters of `url` as a browser's URL parser reads them: leading
// controls and spaces skipped, tabs and newlines anywhere ignored, case folded.
// That is what defeats " javascript:" and "jav&#x09;ascript:" (libxml2 has
// already decoded the entity to a tab).
std::string url_head(std::string_view url) {
  constexpr std::size_t kLength = 16;  // longer than any scheme checked
  std::size_t i = 0;
  while (i < url.size() && static_cast<unsigned char>(url[i]) <= 0x20) ++i;
  std::string head;
  for (; i < url.size() && head.size() < kLength; ++i) {
    if (url[i] != '\t' && url[i] != '\n' && url[i] != '\r') head += ascii_lower(url[i]);
  }
  return head;
}

// An image inlined as data: cannot run script, and lazy-loading sites use
// them as placeholders, so an img may keep one.
bool is_dangerous_url(std::string_view url, bool allow_image_data) {
  const std::string head = url_head(url);
  if (head.starts_with("javascript:") || head.starts_with("vbscript:")) return true;
  return head.starts_with("data:") && !(allow_image_data && head.starts_with("data:image/"));
}

// Empty and fragment-only references point into the post itself.
bool needs_resolving(std::string_view url) {
  const std::string_view trimmed = trim(url);
  return !trimmed.empty() && trimmed.front() != '#';
}

bool has_non_ascii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::string resolved(std::string_view url, const std::string& base) {
  if (base.empty() || !needs_resolving(url)) return std::string(url);
  // mailto:, tel: and anything curl cannot read stay as written.
  std::optional<std::string> absolute = url::resolve(base, url);
  if (!absolute) return std::string(url);
  // curl writes non-ASCII as %XX; a reference written with the characters
  // (an IRI, as in "/wiki/中国") keeps them, so the post reads as the feed
  // did. Both forms are the same URL to a browser.
  return has_non_ascii(url) ? url::iri_of(*absolute) : std::move(*absolute);
}

// ---- Tracking pixels -------------------------------------------------------

// A length written as a plain number or in px; nullopt for %, em, auto, ...
std::optional<double> pixels(std::string_view text) {
  text = trim(text);
  if (text.size() >= 10 && starts_with_ignoring_case(text.substr(text.size() - 10), "!important")) {
    text = trim(text.substr(0, text.size() - 10));
  }
  if (text.size() >= 2 && starts_with_ignoring_case(text.substr(text.size() - 2), "px")) {
    text.remove_suffix(2);
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The value of `property` in an inline style, the last declaration winning.
std::optional<std::string_view> style_property(std::string_view style, std::string_view property) {
  std::optional<std::string_view> value;
  while (!style.empty()) {
    const std::size_t end = std::min(style.find(';'), style.size());
    const std::string_view declaration = style.substr(0, end);
    const std::size_t colon = declaration.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = trim(declaration.substr(0, colon));
      if (name.size() == property.size() && starts_with_ignoring_case(name, property)) {
        value = declaration.substr(colon + 1);
      }
    }
    style.remove_prefix(std::min(end + 1, style.size()));
  }
  return value;
}

const std::string* find_attribute(const std::vector<Attribute>& attributes, std::string_view name) {
  const auto found = std::find_if(attributes.begin(), attributes.end(),
                                  [&](const Attribute& attribute) { return attribute.name == name; });
  return found == attributes.end() ? nullptr : &found->value;
}

// Inline style overrides the attribute, as in a browser.
std::optional<double> rendered_size(const std::vector<Attribute>& attributes, std::string_view dimension) {
  if (const std::string* style = find_attribute(attributes, "style")) {
    if (const auto value = style_property(*style, dimension)) return pixels(*value);
  }
  if (const std::string* value = find_attribute(attributes, dimension)) return pixels(*value);
  return std::nullopt;
}

// Web bugs are 1x1 (sometimes 0x0) images whose only job is to be fetched.
bool is_tracking_pixel(const std::vector<Attribute>& attributes) {
  const auto width = rendered_size(attributes, "width");
  const auto height = rendered_size(attributes, "height");
  return width && height && *width <= 1 && *height <= 1;
}

// ---- Writing ---------------------------------------------------------------

// Names libxml2 accepted that would not read back as one attribute name.
bool is_writable_name(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\'' || c == '<' || c == '>' ||
           c == '/' || c == '=' || c == '\x7F';
  });
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Some byte of `chunk` equals `byte`. Exact as a yes/no answer: a borrow
// can only flag bytes above one that really matches.
constexpr std::uint64_t has_byte(std::uint64_t chunk, unsigned char byte) {
  const std::uint64_t matches = chunk ^ (kOnes * byte);
  return (matches - kOnes) & ~matches & kHighs;
}

// Eight bytes of ASCII that append_escaped copies as they are and that
// need no UTF-8 check: no NUL, & < > (or " in an attribute) among them.
bool is_plain_ascii(const char* at, bool in_attribute) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, at, sizeof chunk);
  const std::uint64_t special = (chunk & kHighs) | has_byte(chunk, 0) | has_byte(chunk, '&') |
                                has_byte(chunk, '<') | has_byte(chunk, '>') |
                                (in_attribute ? has_byte(chunk, '"') : 0);
  return special == 0;
}

// Chinese text is mostly three-byte sequences whose lead puts no bound on
// the second byte; they are checked without the general decoder.
bool is_plain_three_byte(std::string_view text, std::size_t i) {
  if (text.size() - i < 3) return false;
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[i + at]); };
  return byte(0) >= 0xE1 && byte(0) <= 0xEF && byte(0) != 0xED && (byte(1) & 0xC0) == 0x80 &&
         (byte(2) & 0xC0) == 0x80;
}

// U+00A0 is written as &nbsp; so it stays visible in the post's source, and
// '<' and '>' are escaped in attributes too, so no parser can ever mistake an
// attribute value for markup.
// This is the hot loop of sanitizing: bytes between escapes are copied a run
// at a time, ASCII is skipped eight bytes at a time, and the UTF-8 check of
// the output is done on the way instead of in a pass of its own. Returns
// whether `text` was well-formed UTF-8 without NUL; the bytes written are
// the same either way.
bool append_escaped(std::string_view text, bool in_attribute, std::string& out) {
  bool valid = true;
  std::size_t copied = 0;  // text[0, copied) is in `out`
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.size() - i >= 8 && is_plain_ascii(text.data() + i, in_attribute)) {
      i += 8;
      continue;
    }
    if (is_plain_three_byte(text, i)) {
      do {
        i += 3;
      } while (is_plain_three_byte(text, i));
      continue;
    }
    const char c = text[i];
    std::string_view entity;
    if (c == '&') {
      entity = "&amp;";
    } else if (c == '<') {
      entity = "&lt;";
    } else if (c == '>') {
      entity = "&gt;";
    } else if (c == '"' && in_attribute) {
      entity = "&quot;";
    } else if (c == kNoBreakSpace[0] && text.substr(i).starts_with(kNoBreakSpace)) {
      entity = "&nbsp;";
    } else {
      // No byte of a well-formed sequence is one of the above, so skipping
      // the sequence whole escapes exactly what a byte-by-byte loop would.
      const std::size_t length = encoding::utf8_sequence_length(text.substr(i));
      if (length == 0) valid = false;
      i += std::max<std::size_t>(length, 1);
      continue;
    }
    out.append(text.data() + copied, i - copied);
    out += entity;
    i += c == kNoBreakSpace[0] ? kNoBreakSpace.size() : 1;
    copied = i;
  }
  out.append(text.data() + copied, text.size() - copied);
  return valid;
}

class Writer {
 public:
  // keep_fallback: the content of object and applet elements stays when they
  // are dropped (see kFallbackElements).
  Writer(const SanitizeOptions& options, bool keep_fallback) : options_(options), keep_fallback_(keep_fallback) {
    for (const ElementRule& rule : options_.remove) {
      if (!rule.contained_texts.empty()) text_rules_.push_back(&rule);
    }
  }

  void nodes(const xmlNode* first) {
    for (const xmlNode* node = first; node != nullptr; node = node->next) this->node(node);
  }

  std::string take() { return std::move(out_); }

  // Everything written is well-formed UTF-8 without NUL (and so needs no
  // repair), as checked while writing it.
  bool wrote_valid_utf8() const { return wrote_valid_utf8_; }

  // html, head and body elements met; a fragment parses to two (html, body).
  int wrappers() const { return wrappers_; }

  // A cut element's children were written in its place. Read back, they
  // may nest differently than they did inside it.
  bool flattened() const { return flattened_; }

 private:
  // Comments, processing instructions and doctypes are dropped: they mean
  // nothing to a reader, and IE's conditional comments could hide markup.
  void node(const xmlNode* node) {
    if (node->type == XML_ELEMENT_NODE) {
      element(node);
    } else if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      text(node);
    }
  }

  void text(const xmlNode* node) {
    if (node->content == nullptr) return;
    const std::string_view content = reinterpret_cast<const char*>(node->content);
    // libxml2 gives script and style bodies as CDATA; only kept when
    // strip_active is off, and escaping would change their meaning.
    if (node->type == XML_CDATA_SECTION_NODE && !options_.strip_active) {
      out_ += content;
      checked(encoding::is_valid_utf8(content));
    } else {
      checked(append_escaped(content, false, out_));
    }
  }

  // Recursion is bounded: libxml2 stops building the tree 256 levels deep.
  void element(const xmlNode* node) {
    const std::string_view tag = name_of(node);
    if (is_one_of(tag, kWrapperElements)) {
      ++wrappers_;
      return nodes(node->children);
    }
    // libxml2 does not know <source>, <track>, <wbr>, <embed> or <image> are
    // void and hangs what follows them underneath. A browser reads those
    // nodes as following siblings; written after the unclosed tag (or in its
    // place when it is cut), they are read back in the same place by both.
    const Markup markup = markup_here(tag, context_);
    const std::optional<std::string_view> written = start_tag(node, tag, markup);
    if (!written) {
      if (keeps_children_when_cut(node, tag)) {
        flattened_ = true;
        nodes(node->children);
      }
      return;
    }
    if (markup == Markup::html && is_one_of(tag, kVoidElements)) return nodes(node->children);
    const Markup outer = context_;
    context_ = children_markup(local_name(tag), markup);
    nodes(node->children);
    context_ = outer;
    out_ += "</";
    out_ += *written;
    out_ += '>';
  }

  // The markup `tag` is in among content in `context`; always HTML when
  // active content is kept, as nothing is judged then.
  Markup markup_here(std::string_view tag, Markup context) const {
    return options_.strip_active ? markup_of(local_name(tag), context) : Markup::html;
  }

  // Writes the start tag unless the element is dropped; gives the name
  // written (SVG's camel case restored), nullopt when dropped.
  std::optional<std::string_view> start_tag(const xmlNode* node, std::string_view tag, Markup markup) {
    if (is_dropped(tag, markup)) return std::nullopt;
    std::vector<Attribute> attributes = attributes_of(node);
    // With :contains rules the answer may be known already (is_left_out).
    if (text_rules_.empty() ? is_cut(node, tag, attributes, markup) : is_left_out(node, context_)) {
      return std::nullopt;
    }
    const std::string_view written = markup == Markup::html ? tag : *foreign_element(markup, local_name(tag));
    out_ += '<';
    out_ += written;
    checked(encoding::is_valid_utf8(written));
    if (markup != context_) foreign_namespace("xmlns", namespace_uri(markup));
    bool xlink = false;
    for (auto& attribute : attributes) {
      if (markup != Markup::html && !foreign(markup, attribute)) continue;
      const bool wrote = this->attribute(tag, attribute);
      // In HTML an xmlns:xlink of the feed's own is copied like any attribute.
      xlink = xlink || (wrote && markup != Markup::html && attribute.name.starts_with("xlink:"));
    }
    if (xlink) foreign_namespace("xmlns:xlink", kXlinkNamespace);
    out_ += '>';
    return written;
  }

  // Dropped for what it is, whatever its attributes: active content, or
  // SVG and MathML off their allow-list.
  bool is_dropped(std::string_view tag, Markup markup) const {
    if (!options_.strip_active) return false;
    if (is_one_of(local_name(tag), kDroppedElements)) return true;
    return markup != Markup::html && !foreign_element(markup, local_name(tag));
  }

  // Keeps an attribute of an SVG or MathML element when it is on the
  // allow-list and points nowhere outside the document; renames it to the
  // case browsers know.
  static bool foreign(Markup markup, Attribute& attribute) {
    const auto name = foreign_attribute(markup, attribute.name);
    if (!name || !foreign_value_is_safe(attribute.value)) return false;
    attribute.name = std::string(*name);
    return true;
  }

  // The sanitizer's own declarations, so the post says what the markup is
  // whatever the feed wrote (its own are never copied).
  void foreign_namespace(std::string_view name, std::string_view uri) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    out_ += uri;
    out_ += '"';
  }

  // <use> copies what it points at into the drawing: only a part of the
  // document itself, never a file elsewhere.
  static bool uses_other_document(std::string_view tag, const std::vector<Attribute>& attributes) {
    if (local_name(tag) != "use") return false;
    return std::any_of(attributes.begin(), attributes.end(), [](const Attribute& attribute) {
      return local_name(attribute.name) == "href" && !trim(attribute.value).starts_with('#');
    });
  }

  bool is_cut(const xmlNode* node, std::string_view tag, const std::vector<Attribute>& attributes,
              Markup markup) const {
    // Browsers read <image> as <img>.
    const bool image = tag == "img" || tag == "image";
    if (options_.strip_active && image && is_tracking_pixel(attributes)) return true;
    if (options_.strip_active && markup == Markup::svg && uses_other_document(tag, attributes)) return true;
    if (options_.remove.empty()) return false;
    std::vector<AttributeView> views;
    views.reserve(attributes.size());
    for (const auto& attribute : attributes) views.push_back({attribute.name, attribute.value});
    if (any_matches(options_.remove, tag, views)) return true;
    // The text judged is what the post will show of the element: elements
    // inside it that are cut (by this rule too) do not count, so the
    // smallest element around the text goes, and its ancestors only when
    // they hold the text elsewhere as well. Judged on what is written, a
    // second pass finds nothing more to cut.
    return std::any_of(text_rules_.begin(), text_rules_.end(), [&](const ElementRule* rule) {
      return rule->matches(tag, views) &&
             rule->matches_text(visible_text(node, children_markup(local_name(tag), markup)));
    });
  }

  // `node` (an element, not a wrapper, among content in `context`) is not
  // written: dropped, cut by a rule, or a tracking pixel. Remembered, as
  // :contains rules ask about the same elements again for each ancestor.
  bool is_left_out(const xmlNode* node, Markup context) const {
    if (const auto known = left_out_.find(node); known != left_out_.end()) return known->second;
    const std::string_view tag = name_of(node);
    const Markup markup = markup_here(tag, context);
    const bool left_out = is_dropped(tag, markup) || is_cut(node, tag, attributes_of(node), markup);
    left_out_.emplace(node, left_out);
    return left_out;
  }

  // A cut element whose children are written in its place (see element()).
  bool keeps_children_when_cut(const xmlNode* node, std::string_view tag) const {
    return node->children != nullptr &&
           (is_one_of(tag, kVoidElements) || (is_one_of(tag, kFallbackElements) && keep_fallback_));
  }

  // The text the output shows of what is inside `node`, whose children
  // are in `inside`.
  std::string visible_text(const xmlNode* node, Markup inside) const {
    std::string text;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
        if (child->content != nullptr) text += reinterpret_cast<const char*>(child->content);
      } else if (child->type == XML_ELEMENT_NODE) {
        const std::string_view tag = name_of(child);
        if (is_one_of(tag, kWrapperElements)) {
          text += visible_text(child, inside);
        } else if (keeps_children_when_cut(child, tag) && is_left_out(child, inside)) {
          text += visible_text(child, inside);
        } else if (!is_left_out(child, inside)) {
          text += visible_text(child, children_markup(local_name(tag), markup_here(tag, inside)));
        }
      }
    }
    return text;
  }

  // Writes the attribute unless it is dropped; says which.
  bool attribute(std::string_view tag, Attribute& attribute) {
    if (!is_writable_name(attribute.name)) return false;
    if (options_.strip_active && is_dangerous(tag, attribute)) return false;
    if (options_.strip_active && local_name(attribute.name) == "style") {
      attribute.value = allowed_style(attribute.value);
      if (attribute.value.empty()) return false;
    } else if (attribute.name == "srcset") {
      attribute.value = cleaned_srcset(attribute.value);
      if (attribute.value.empty()) return false;
    } else if (is_one_of(attribute.name, kResolvedAttributes) || attribute.name == "xlink:href") {
      attribute.value = resolved(attribute.value, options_.base_url);
    }
    out_ += ' ';
    out_ += attribute.name;
    checked(encoding::is_valid_utf8(attribute.name));
    out_ += "=\"";
    checked(append_escaped(attribute.value, true, out_));
    out_ += '"';
    return true;
  }

  void checked(bool valid) { wrote_valid_utf8_ = wrote_valid_utf8_ && valid; }

  // Event handlers run script; ping only reports clicks to a third party.
  static bool is_dangerous(std::string_view tag, const Attribute& attribute) {
    const std::string_view name = local_name(attribute.name);
    if (name.starts_with("on") || name == "ping") return true;
    const bool image_source = (tag == "img" && name == "src");
    return is_one_of(name, kUrlAttributes) && is_dangerous_url(attribute.value, image_source);
  }

  // Each candidate checked and resolved on its own; "" when none is left.
  std::string cleaned_srcset(std::string_view srcset) const {
    std::string cleaned;
    for (const auto& candidate : parse_srcset(srcset)) {
      if (options_.strip_active && is_dangerous_url(candidate.url, false)) continue;
      if (!cleaned.empty()) cleaned += ", ";
      cleaned += resolved(candidate.url, options_.base_url);
      if (!candidate.descriptor.empty()) cleaned += ' ' + candidate.descriptor;
    }
    return cleaned;
  }

  const SanitizeOptions& options_;
  const bool keep_fallback_;
  std::vector<const ElementRule*> text_rules_;  // the :contains rules
  mutable std::unordered_map<const xmlNode*, bool> left_out_;
  std::string out_;
  Markup context_ = Markup::html;  // of the children being written
  bool wrote_valid_utf8_ = true;
  int wrappers_ = 0;
  bool flattened_ = false;
};

// Bad bytes become U+FFFD: libxml2 would copy them through, and posts go to
// YAML, SQLite and browsers, which all want valid UTF-8.
void append_valid_utf8(std::string_view text, std::string& out) {
  if (encoding::is_valid_utf8(text)) {
    out += text;
  } else {
    out += encoding::repair_utf8(text);
  }
}

std::size_t count_ignoring_case(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t i = text.find('<'); i != std::string_view::npos; i = text.find('<', i + 1)) {
    if (starts_with_ignoring_case(text.substr(i), needle)) ++count;
  }
  return count;
}

// More <name start tags than </name end tags. libxml2's tree does not say
// which element an end tag closed, so this is judged for the whole field.
bool has_unclosed(std::string_view html, std::string_view name) {
  const std::string open = "<" + std::string(name);
  const std::string close = "</" + std::string(name);
  return count_ignoring_case(html, open) > count_ignoring_case(html, close);
}

struct Pass {
  std::string html;
  bool reshaped = false;  // stray html/head/body tags or a flattened element shaped the tree
};

Pass sanitize_once(std::string_view html, const SanitizeOptions& options) {
  // A leading <body> keeps libxml2 from wrapping leading text in an implied
  // <p>, and puts a leading <title> or <style> where the rest of the content
  // is, instead of in <head>.
  std::string input;
  input.reserve(html.size() + 6);
  input += "<body>";
  append_valid_utf8(html, input);
  const detail::XmlDocHandle doc = detail::read_html(input);
  if (!doc) return {};
  Writer writer(options, has_unclosed(html, "object") || has_unclosed(html, "applet"));
  writer.nodes(doc->children);
  const bool valid = writer.wrote_valid_utf8();
  std::string output = writer.take();
  // Character references such as &#xD800; can decode to bytes that are not
  // UTF-8; what is published must be. Pieces that were all well-formed make
  // a well-formed whole; and when one was not, repairing the whole is still
  // right, as repair_utf8 leaves whatever is well-formed as it is.
  if (!valid) output = encoding::repair_utf8(output);
  return {std::move(output), writer.wrappers() > 2 || writer.flattened()};
}

}  // namespace

std::string sanitize_html(std::string_view html, const SanitizeOptions& options) {
  Pass pass = sanitize_once(html, options);
  // A </body>, </html> or nested <body> mid-fragment makes libxml2 close or
  // nest elements in ways it would not when reading the unwrapped result, so
  // the result would change if sanitized again. The output never holds such
  // tags, so one more pass is a fixed point. The same goes for the children
  // of a cut element written in its place (see Writer::element). Feed
  // content rarely has either; everything else is stable after one pass.
  if (pass.reshaped) pass = sanitize_once(pass.html, options);
  return std::move(pass.html);
}

}  // namespace feedd
