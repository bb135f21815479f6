#include "fetchers/media/svg_sanitize.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <libxml/parser.h>
#include <libxml/tree.h>

namespace feedd::media {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct XmlCharDeleter {
  void operator()(xmlChar* text) const { xmlFree(text); }
};
using Doc = std::unique_ptr<xmlDoc, DocDeleter>;

std::string lowered(const xmlChar* text) {
  std::string out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

// Elements dropped with everything inside: they run script, embed other
// documents or load style that can reference anything.
constexpr std::array dropped_elements{"script", "foreignobject", "style", "handler", "listener",
                                      "iframe", "embed",        "object", "audio",   "video"};

std::string attribute_value(xmlNode* node, xmlAttr* attribute) {
  std::unique_ptr<xmlChar, XmlCharDeleter> value(xmlNodeListGetString(node->doc, attribute->children, 1));
  return value ? reinterpret_cast<const char*>(value.get()) : "";
}

std::string without_spaces(std::string text) {
  std::erase_if(text, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; });
  return text;
}

// True when every url( in `value` names a fragment.
bool only_fragment_urls(const std::string& compact) {
  for (std::size_t at = compact.find("url("); at != std::string::npos; at = compact.find("url(", at + 4)) {
    std::size_t target = at + 4;
    if (target < compact.size() && (compact[target] == '"' || compact[target] == '\'')) ++target;
    if (target >= compact.size() || compact[target] != '#') return false;
  }
  return true;
}

bool unsafe_attribute(xmlNode* node, xmlAttr* attribute) {
  const std::string name = lowered(attribute->name);
  const std::string compact = without_spaces(lowered(reinterpret_cast<const xmlChar*>(attribute_value(node, attribute).c_str())));
  if (name.starts_with("on")) return true;
  if (name == "base") return true;  // xml:base
  if (name == "href" || name == "src") return !compact.starts_with('#');
  if (compact.find("javascript:") != std::string::npos || compact.find("@import") != std::string::npos) return true;
  return !only_fragment_urls(compact);
}

bool dropped_element(xmlNode* node) {
  const std::string name = lowered(node->name);
  if (std::find(dropped_elements.begin(), dropped_elements.end(), name) != dropped_elements.end()) return true;
  // <set attributeName="href" to="javascript:..."> and its kin.
  if (name == "set" || name.starts_with("animate")) {
    for (xmlAttr* attribute = node->properties; attribute != nullptr; attribute = attribute->next) {
      if (lowered(attribute->name) == "attributename" &&
          lowered(reinterpret_cast<const xmlChar*>(attribute_value(node, attribute).c_str())).find("href") !=
              std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

void clean(xmlNode* parent) {
  std::vector<xmlNode*> doomed;
  for (xmlNode* node = parent->children; node != nullptr; node = node->next) {
    if (node->type == XML_PI_NODE || node->type == XML_ENTITY_REF_NODE ||
        (node->type == XML_ELEMENT_NODE && dropped_element(node))) {
      doomed.push_back(node);
      continue;
    }
    if (node->type != XML_ELEMENT_NODE) continue;
    std::vector<xmlAttr*> bad;
    for (xmlAttr* attribute = node->properties; attribute != nullptr; attribute = attribute->next) {
      if (unsafe_attribute(node, attribute)) bad.push_back(attribute);
    }
    for (xmlAttr* attribute : bad) xmlRemoveProp(attribute);
    clean(node);
  }
  for (xmlNode* node : doomed) {
    xmlUnlinkNode(node);
    xmlFreeNode(node);
  }
}

}  // namespace

std::optional<std::string> sanitize_svg(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return std::nullopt;
  // No entity substitution, no DTD loading, no network: the document is
  // read as written.
  Doc doc(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return std::nullopt;
  if (doc->intSubset != nullptr) {
    if (doc->intSubset->entities != nullptr || doc->intSubset->pentities != nullptr) return std::nullopt;
    xmlDtd* dtd = doc->intSubset;
    xmlUnlinkNode(reinterpret_cast<xmlNode*>(dtd));
    xmlFreeDtd(dtd);
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || lowered(root->name) != "svg") return std::nullopt;
  // Processing instructions and comments beside the root go too.
  std::vector<xmlNode*> outside;
  for (xmlNode* node = doc->children; node != nullptr; node = node->next) {
    if (node != root) outside.push_back(node);
  }
  for (xmlNode* node : outside) {
    xmlUnlinkNode(node);
    xmlFreeNode(node);
  }
  for (xmlAttr* attribute = root->properties; attribute != nullptr;) {
    xmlAttr* next = attribute->next;
    if (unsafe_attribute(root, attribute)) xmlRemoveProp(attribute);
    attribute = next;
  }
  clean(root);
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &out, &size, "UTF-8");
  std::unique_ptr<xmlChar, XmlCharDeleter> owned(out);
  if (!owned || size <= 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(owned.get()), static_cast<std::size_t>(size));
}

}  // namespace feedd::media
