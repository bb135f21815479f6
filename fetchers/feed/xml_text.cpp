#include "fetchers/feed/xml_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <utility>

#include "fetchers/text/encoding.h"
#include "fetchers/html/html_escape.h"

namespace feedd::detail {
namespace {

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

std::optional<std::string> decode_base64(std::string_view text) {
  static constexpr auto values = [] {
    std::array<signed char, 256> table{};
    table.fill(-1);
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
      table[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    }
    return table;
  }();
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '=') break;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    const int value = values[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

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

bool has_element_child(pugi::xml_node element) {
  for (pugi::xml_node child = element.first_child(); child; child = child.next_sibling()) {
    if (is_element(child)) return true;
  }
  return false;
}

// Atom 1.0 wraps inline XHTML in a <div> that is not part of the content.
std::string xhtml_of(pugi::xml_node element) {
  pugi::xml_node wrapper = element.first_child();
  while (wrapper && !is_element(wrapper)) wrapper = wrapper.next_sibling();
  const bool is_div = wrapper && local_name(wrapper.name()) == "div";
  return inner_markup(is_div ? wrapper : element);
}

bool is_xml_media_type(std::string_view type) {
  return iequals(type, "text/xml") || iequals(type, "application/xml") ||
         (type.size() > 4 && iequals(type.substr(type.size() - 4), "+xml"));
}

bool is_binary_media_type(std::string_view type) {
  const auto starts = [&](std::string_view prefix) {
    return type.size() >= prefix.size() && iequals(type.substr(0, prefix.size()), prefix);
  };
  return starts("image/") || starts("audio/") || starts("video/");
}

// Base64 content: text or HTML once decoded, unless it is a picture or a
// recording, which a post has no place for.
std::string decoded_html(pugi::xml_node element, std::string_view type) {
  if (is_binary_media_type(type)) return {};
  auto bytes = decode_base64(text_of(element));
  if (!bytes) return {};
  std::string text = encoding::is_valid_utf8(*bytes) ? std::move(*bytes) : encoding::repair_utf8(*bytes);
  if (type == "text" || iequals(type, "text/plain")) return escape_html(text);
  return text;
}

// Base64 with nothing lenient about it: only the alphabet and white space,
// a length that is a multiple of four, padding only at the end.
bool is_strict_base64(std::string_view text) {
  std::size_t count = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                          c == '/';
    if (c == '=') {
      ++padding;
    } else if (!alphabet || padding > 0) {
      return false;
    }
    ++count;
  }
  return count > 0 && count % 4 == 0 && padding <= 2;
}

// Content of a type that RFC 4287 says is base64. Producers also put plain
// text under made-up types; that is read as untyped instead of decoded
// into bytes.
std::string implied_base64_html(pugi::xml_node element, std::string_view type) {
  if (is_binary_media_type(type)) return {};
  const std::string text = text_of(element);
  if (is_strict_base64(text)) {
    if (auto bytes = decode_base64(text); bytes && encoding::is_valid_utf8(*bytes)) return std::move(*bytes);
  }
  return html_of(element);
}

}  // namespace

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

std::string_view prefix_of(std::string_view qualified) {
  const auto colon = qualified.find(':');
  return colon == std::string_view::npos ? std::string_view() : qualified.substr(0, colon);
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

// All character data under `parent`, at any depth, in document order.
std::string deep_text(pugi::xml_node parent) {
  std::string text;
  pugi::xml_node node = parent.first_child();
  while (node) {
    if (is_text(node)) text += node.value();
    if (is_element(node) && node.first_child()) {
      node = node.first_child();
      continue;
    }
    while (!node.next_sibling()) {
      node = node.parent();
      if (node == parent) return text;
    }
    node = node.next_sibling();
  }
  return text;
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

// An HTML-carrying field: normally escaped or CDATA text, but some feeds
// put raw (well-formed) markup in <description>, and that is kept too.
std::string html_of(pugi::xml_node element) {
  return has_element_child(element) ? inner_markup(element) : text_of(element);
}

// An Atom text construct (title, subtitle, summary, content) as HTML.
std::string atom_html(pugi::xml_node element, bool atom03) {
  if (element.attribute("src")) return {};  // out of line: nothing to inline
  const std::string_view mode = trim(element.attribute("mode").value());
  const std::string_view type = trim(element.attribute("type").value());
  if (mode == "base64") return decoded_html(element, type);
  // Only Atom 1.0's "xhtml" has the wrapper div; Atom 0.3's inline XML is
  // all content.
  if (type == "xhtml" && !atom03) return xhtml_of(element);
  if (mode == "xml" || type == "xhtml" || is_xml_media_type(type)) return inner_markup(element);
  // "html" is escaped markup; elements inside are a producer's mistake,
  // and their text is what it meant.
  if (type == "html") return deep_text(element);
  // Per RFC 4287 no type means text, but feeds that omit it mostly carry
  // HTML, and passing text through as HTML is harmless.
  if (type.empty() || iequals(type, "text/html")) return html_of(element);
  if (type == "text" || iequals(type.substr(0, 5), "text/")) return escape_html(deep_text(element));
  return implied_base64_html(element, type);  // RFC 4287 4.1.3.3: other types are base64
}

}  // namespace feedd::detail
