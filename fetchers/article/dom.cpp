#include "fetchers/article/dom.h"

#include <libxml/HTMLtree.h>

#include <array>
#include <memory>


namespace feedd::article::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Appends `text` to `out` with white space runs collapsed to one space;
// `pending_space` carries a run across text nodes.
void append_collapsed(std::string_view text, std::string& out, bool& pending_space) {
  for (const char c : text) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && out.back() != '\n') out += ' ';
    pending_space = false;
    out += c;
  }
}

void collect_text(const xmlNode* node, std::string& out, bool& pending_space) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      if (child->content != nullptr) append_collapsed(reinterpret_cast<const char*>(child->content), out, pending_space);
    } else if (child->type == XML_ELEMENT_NODE) {
      collect_text(child, out, pending_space);
    }
  }
}

void end_line(std::string& out, bool& pending_space) {
  pending_space = false;
  if (!out.empty() && out.back() != '\n') out += '\n';
}

void plain_text(const xmlNode* node, std::string& out, bool& pending_space) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      if (child->content != nullptr) append_collapsed(reinterpret_cast<const char*>(child->content), out, pending_space);
      continue;
    }
    if (child->type != XML_ELEMENT_NODE) continue;
    const std::string_view tag = tag_of(child);
    if (tag == "br") {
      end_line(out, pending_space);
      continue;
    }
    const bool block = is_block_tag(tag);
    if (block) end_line(out, pending_space);
    plain_text(child, out, pending_space);
    if (block) end_line(out, pending_space);
  }
}

}  // namespace

std::string_view attribute(const xmlNode* node, std::string_view name, bool* found) {
  if (found != nullptr) *found = false;
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    if (attr->name == nullptr || name != reinterpret_cast<const char*>(attr->name)) continue;
    if (found != nullptr) *found = true;
    const xmlNode* value = attr->children;
    if (value == nullptr || value->content == nullptr) return {};
    // The HTML parser stores a value as one text node.
    return reinterpret_cast<const char*>(value->content);
  }
  return {};
}

bool is_block_tag(std::string_view tag) {
  static constexpr std::array<std::string_view, 38> blocks = {
      "address", "article", "aside",  "blockquote", "body",  "center", "dd",     "details", "dialog", "dir",
      "div",     "dl",      "dt",     "fieldset",   "figcaption", "figure", "footer", "form", "h1", "h2",
      "h3",      "h4",      "h5",     "h6",         "header", "hr",    "li",     "main",    "menu",   "nav",
      "ol",      "p",       "pre",    "section",    "table", "tr",     "ul",     "td"};
  for (const auto block : blocks) {
    if (block == tag) return true;
  }
  return tag == "th" || tag == "tbody" || tag == "thead" || tag == "tfoot" || tag == "caption" || tag == "summary";
}

std::string collapsed_text(const xmlNode* node) {
  std::string out;
  bool pending_space = false;
  collect_text(node, out, pending_space);
  return out;
}

std::size_t visible_length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) == 0x80 || is_space(text[i])) continue;  // continuation bytes belong to a counted lead
    ++count;
  }
  return count;
}

void remove_node(xmlNode* node) {
  xmlUnlinkNode(node);
  xmlFreeNode(node);
}

std::string to_html(xmlDoc* doc, xmlNode* node) {
  struct BufferDeleter {
    void operator()(xmlBuffer* buffer) const noexcept { xmlBufferFree(buffer); }
  };
  const std::unique_ptr<xmlBuffer, BufferDeleter> buffer(xmlBufferCreate());
  if (!buffer) return {};
  if (htmlNodeDump(buffer.get(), doc, node) < 0) return {};
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                     static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

void append_plain_text(const xmlNode* node, std::string& out) {
  bool pending_space = false;
  const bool block = node->type == XML_ELEMENT_NODE && is_block_tag(tag_of(node));
  if (block) end_line(out, pending_space);
  plain_text(node, out, pending_space);
  if (block) end_line(out, pending_space);
}

}  // namespace feedd::article::detail
