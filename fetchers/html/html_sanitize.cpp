#include "fetchers/html/html_sanitize.h"

#include <libxml/tree.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fetchers/html/foreign_content.h"
#include "fetchers/html/html_parse.h"
#include "fetchers/html/sanitize_stream.h"
#include "fetchers/html/sanitize_writer.h"
#include "fetchers/text/encoding.h"

namespace feedd {
namespace {

std::string_view name_of(const xmlNode* node) {
  return node->name == nullptr ? std::string_view() : reinterpret_cast<const char*>(node->name);
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(),
                                                    [](char p, char t) { return p == ascii_lower(t); });
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

std::vector<AttributeView> views_of(const std::vector<Attribute>& attributes) {
  std::vector<AttributeView> views;
  views.reserve(attributes.size());
  for (const auto& attribute : attributes) views.push_back({attribute.name, attribute.value});
  return views;
}

// The walk over libxml2's tree. sanitize_stream.cpp makes the same walk over
// the parse events; this one stays for :contains rules, which judge an
// element by its whole text, and as the reference the other is tested
// against (sanitize_html_tree).
class TreeWalk {
 public:
  TreeWalk(const SanitizeOptions& options, bool keep_fallback)
      : options_(options), writer_(options, keep_fallback) {
    for (const ElementRule& rule : options_.remove) {
      if (!rule.contained_texts.empty()) text_rules_.push_back(&rule);
    }
  }

  void nodes(const xmlNode* first) {
    for (const xmlNode* node = first; node != nullptr; node = node->next) this->node(node);
  }

  detail::SanitizeWriter& writer() { return writer_; }

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
    } else if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) && node->content != nullptr) {
      writer_.text(reinterpret_cast<const char*>(node->content), node->type == XML_CDATA_SECTION_NODE);
    }
  }

  // Recursion is bounded: libxml2 stops building the tree 256 levels deep.
  void element(const xmlNode* node) {
    const std::string_view tag = name_of(node);
    if (detail::is_wrapper_element(tag)) {
      ++wrappers_;
      return nodes(node->children);
    }
    // libxml2 does not know <source>, <track>, <wbr>, <embed> or <image> are
    // void and hangs what follows them underneath. A browser reads those
    // nodes as following siblings; written after the unclosed tag (or in its
    // place when it is cut), they are read back in the same place by both.
    const Markup markup = writer_.markup_here(tag, context_);
    const std::optional<std::string_view> written = start_tag(node, tag, markup);
    if (!written) {
      if (keeps_children_when_cut(node, tag)) {
        flattened_ = true;
        nodes(node->children);
      }
      return;
    }
    if (detail::is_void_element(tag, markup)) return nodes(node->children);
    const Markup outer = context_;
    context_ = detail::children_markup_of(tag, markup);
    nodes(node->children);
    context_ = outer;
    writer_.end_tag(*written);
  }

  // Writes the start tag unless the element is dropped; gives the name
  // written (SVG's camel case restored), nullopt when dropped.
  std::optional<std::string_view> start_tag(const xmlNode* node, std::string_view tag, Markup markup) {
    if (writer_.is_dropped(tag, markup)) return std::nullopt;
    const std::vector<Attribute> attributes = attributes_of(node);
    const std::vector<AttributeView> views = views_of(attributes);
    // With :contains rules the answer may be known already (is_left_out).
    if (text_rules_.empty() ? is_cut(node, tag, views, markup) : is_left_out(node, context_)) return std::nullopt;
    return writer_.start_tag(tag, views, markup, context_);
  }

  bool is_cut(const xmlNode* node, std::string_view tag, const std::vector<AttributeView>& views,
              Markup markup) const {
    if (writer_.is_cut(tag, views, markup)) return true;
    // The text judged is what the post will show of the element: elements
    // inside it that are cut (by this rule too) do not count, so the
    // smallest element around the text goes, and its ancestors only when
    // they hold the text elsewhere as well. Judged on what is written, a
    // second pass finds nothing more to cut.
    return std::any_of(text_rules_.begin(), text_rules_.end(), [&](const ElementRule* rule) {
      return rule->matches(tag, views) &&
             rule->matches_text(visible_text(node, detail::children_markup_of(tag, markup)));
    });
  }

  // `node` (an element, not a wrapper, among content in `context`) is not
  // written: dropped, cut by a rule, or a tracking pixel. Remembered, as
  // :contains rules ask about the same elements again for each ancestor.
  bool is_left_out(const xmlNode* node, Markup context) const {
    if (const auto known = left_out_.find(node); known != left_out_.end()) return known->second;
    const std::string_view tag = name_of(node);
    const Markup markup = writer_.markup_here(tag, context);
    const bool left_out =
        writer_.is_dropped(tag, markup) || is_cut(node, tag, views_of(attributes_of(node)), markup);
    left_out_.emplace(node, left_out);
    return left_out;
  }

  // A cut element whose children are written in its place (see element()).
  bool keeps_children_when_cut(const xmlNode* node, std::string_view tag) const {
    return node->children != nullptr && writer_.keeps_children_when_cut(tag);
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
        if (detail::is_wrapper_element(tag)) {
          text += visible_text(child, inside);
        } else if (keeps_children_when_cut(child, tag) && is_left_out(child, inside)) {
          text += visible_text(child, inside);
        } else if (!is_left_out(child, inside)) {
          text += visible_text(child, detail::children_markup_of(tag, writer_.markup_here(tag, inside)));
        }
      }
    }
    return text;
  }

  const SanitizeOptions& options_;
  detail::SanitizeWriter writer_;
  std::vector<const ElementRule*> text_rules_;  // the :contains rules
  mutable std::unordered_map<const xmlNode*, bool> left_out_;
  Markup context_ = Markup::html;  // of the children being written
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

using detail::SanitizePass;

// The fragment as libxml2 reads it. A leading <body> keeps libxml2 from
// wrapping leading text in an implied <p>, and puts a leading <title> or
// <style> where the rest of the content is, instead of in <head>.
std::string parser_input(std::string_view html) {
  std::string input;
  input.reserve(html.size() + 6);
  input += "<body>";
  append_valid_utf8(html, input);
  return input;
}

// An object or applet left open keeps its content (kFallbackElements): more
// <object (or <applet) start tags than </object (</applet) end tags.
// libxml2's tree does not say which element an end tag closed, so this is
// judged for the whole field, in one pass over its '<'.
bool keeps_fallback(std::string_view html) {
  int objects = 0;  // start tags less end tags
  int applets = 0;
  for (std::size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
    std::string_view name = html.substr(i + 1);
    const bool end_tag = name.starts_with('/');
    if (end_tag) name.remove_prefix(1);
    const int step = end_tag ? -1 : 1;
    if (starts_with_ignoring_case(name, "object")) {
      objects += step;
    } else if (starts_with_ignoring_case(name, "applet")) {
      applets += step;
    }
  }
  return objects > 0 || applets > 0;
}

SanitizePass sanitize_tree_once(std::string_view html, const SanitizeOptions& options) {
  const detail::XmlDocHandle doc = detail::read_html(parser_input(html));
  if (!doc) return {};
  TreeWalk walk(options, keeps_fallback(html));
  walk.nodes(doc->children);
  const bool valid = walk.writer().wrote_valid_utf8();
  std::string output = walk.writer().take();
  // Character references such as &#xD800; can decode to bytes that are not
  // UTF-8; what is published must be. Pieces that were all well-formed make
  // a well-formed whole; and when one was not, repairing the whole is still
  // right, as repair_utf8 leaves whatever is well-formed as it is.
  if (!valid) output = encoding::repair_utf8(output);
  return {std::move(output), walk.wrappers() > 2 || walk.flattened() || walk.writer().dropped_a_prefix()};
}

SanitizePass sanitize_stream_once(std::string_view html, const SanitizeOptions& options) {
  return detail::sanitize_stream(parser_input(html), options, keeps_fallback(html));
}

SanitizePass sanitize_libxml2_once(std::string_view html, const SanitizeOptions& options) {
  return detail::sanitize_stream(parser_input(html), options, keeps_fallback(html), detail::HtmlReader::libxml2);
}

bool has_text_rules(const SanitizeOptions& options) {
  return std::any_of(options.remove.begin(), options.remove.end(),
                     [](const ElementRule& rule) { return !rule.contained_texts.empty(); });
}

using Once = SanitizePass (*)(std::string_view, const SanitizeOptions&);

std::string sanitize(std::string_view html, const SanitizeOptions& options, Once once) {
  SanitizePass pass = once(html, options);
  // A </body>, </html> or nested <body> mid-fragment makes libxml2 close or
  // nest elements in ways it would not when reading the unwrapped result, so
  // the result would change if sanitized again. The output never holds such
  // tags, so one more pass is a fixed point. The same goes for the children
  // of a cut element written in its place (see TreeWalk::element), and for
  // a prefixed SVG or MathML element written by its bare name. Feed
  // content rarely has any of these; everything else is stable after one pass.
  if (pass.reshaped) pass = once(pass.html, options);
  return std::move(pass.html);
}

}  // namespace

std::string sanitize_html(std::string_view html, const SanitizeOptions& options) {
  return sanitize(html, options, has_text_rules(options) ? sanitize_tree_once : sanitize_stream_once);
}

std::string sanitize_html_tree(std::string_view html, const SanitizeOptions& options) {
  return sanitize(html, options, sanitize_tree_once);
}

std::string sanitize_html_libxml2(std::string_view html, const SanitizeOptions& options) {
  return sanitize(html, options, has_text_rules(options) ? sanitize_tree_once : sanitize_libxml2_once);
}

}  // namespace feedd
