// Small read and edit helpers over libxml2's HTML tree, shared by the
// selector matcher, the metadata reader and the main-content finder.
// Internal to feedd_article.
#pragma once

#include <libxml/tree.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace feedd::article::detail {

inline bool is_element(const xmlNode* node) { return node != nullptr && node->type == XML_ELEMENT_NODE; }

// The element's name as libxml2's HTML parser reports it (lower case).
inline std::string_view tag_of(const xmlNode* node) {
  return node->name == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(node->name));
}

// The attribute's value with entities decoded, or nullptr-free empty view
// when absent; `found` tells the two apart. Reads the tree without copying.
std::string_view attribute(const xmlNode* node, std::string_view name, bool* found = nullptr);

// The element's parent when that is an element, else nullptr.
inline xmlNode* parent_element(const xmlNode* node) {
  return node->parent != nullptr && node->parent->type == XML_ELEMENT_NODE ? node->parent : nullptr;
}

// Elements that a browser lays out as blocks: what separates paragraphs.
bool is_block_tag(std::string_view tag);

// All text inside `node`, white space collapsed to single spaces, trimmed.
std::string collapsed_text(const xmlNode* node);

// Code points of `text` that are not white space.
std::size_t visible_length(std::string_view text);

// Detaches and frees `node` (and its subtree).
void remove_node(xmlNode* node);

// `node` and its subtree as HTML.
std::string to_html(xmlDoc* doc, xmlNode* node);

// Plain text of `node`: blocks on lines of their own, runs of white space
// collapsed, appended to `out`.
void append_plain_text(const xmlNode* node, std::string& out);

}  // namespace feedd::article::detail
