#include "fetchers/article/article.h"

#include <libxml/tree.h>

#include <string_view>

#include "fetchers/article/css_selector.h"
#include "fetchers/article/dom.h"
#include "fetchers/article/main_content.h"
#include "fetchers/article/metadata.h"
#include "fetchers/article/page_charset.h"
#include "fetchers/html/html_parse.h"
#include "fetchers/html/html_sanitize.h"

namespace feedd::article {
namespace {

using detail::SelectorList;

xmlNode* child_named(xmlNode* parent, std::string_view name) {
  for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (detail::is_element(child) && detail::tag_of(child) == name) return child;
  }
  return nullptr;
}

bool is_placeholder(std::string_view src) {
  return src.empty() || src.starts_with("data:") || src.find("placeholder") != std::string_view::npos ||
         src.find("blank.") != std::string_view::npos || src.find("spacer.") != std::string_view::npos;
}

// Lazy-loading pages keep the real image address in a data- attribute and
// let a script swap it in; without the script the reader sees a placeholder.
void reveal_lazy_images(xmlNode* node) {
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!detail::is_element(child)) continue;
    const std::string_view tag = detail::tag_of(child);
    if (tag == "img" || tag == "source") {
      for (const char* lazy : {"data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url"}) {
        const std::string_view real = detail::attribute(child, lazy);
        if (real.empty()) continue;
        if (is_placeholder(detail::attribute(child, "src"))) {
          xmlSetProp(child, reinterpret_cast<const xmlChar*>("src"), reinterpret_cast<const xmlChar*>(std::string(real).c_str()));
        }
        break;
      }
      const std::string_view lazy_set = detail::attribute(child, "data-srcset");
      if (!lazy_set.empty() && detail::attribute(child, "srcset").empty()) {
        xmlSetProp(child, reinterpret_cast<const xmlChar*>("srcset"),
                   reinterpret_cast<const xmlChar*>(std::string(lazy_set).c_str()));
      }
    }
    reveal_lazy_images(child);
  }
}

std::vector<SelectorList> parse_all(const std::vector<std::string>& selectors) {
  std::vector<SelectorList> out;
  out.reserve(selectors.size());
  for (const auto& selector : selectors) out.push_back(SelectorList::parse(selector));
  return out;
}

}  // namespace

void check_selector(std::string_view selector) { (void)SelectorList::parse(selector); }

Article extract(const Page& page, const ExtractOptions& options) {
  // Selectors first: a bad one is the caller's error whatever the page holds.
  const std::optional<SelectorList> selector =
      options.selector.empty() ? std::nullopt : std::optional<SelectorList>(SelectorList::parse(options.selector));
  const std::vector<SelectorList> remove = parse_all(options.remove);

  Article article;
  const encoding::Utf8Document utf8 = detail::decode_page(page.bytes, page.content_type);
  const feedd::detail::XmlDocHandle doc = feedd::detail::read_html(utf8.text());
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) return article;

  const detail::PageMetadata metadata = detail::read_metadata(root);
  article.title = metadata.title;
  article.byline = metadata.byline;
  article.published = metadata.published;

  xmlNode* body = child_named(root, "body");
  if (body == nullptr) body = root;
  std::vector<xmlNode*> nodes;
  if (selector) {
    nodes = detail::outermost_matches(root, *selector);
    std::erase_if(nodes, [&](xmlNode* node) {
      for (const auto& rule : remove) {
        if (rule.matches(node)) return true;
      }
      return false;
    });
    for (xmlNode* node : nodes) detail::remove_matches(node, remove);
  } else {
    detail::remove_matches(body, remove);
    nodes = detail::find_main_content(body, article.title);
  }

  std::string html;
  for (xmlNode* node : nodes) {
    reveal_lazy_images(node);
    html += detail::to_html(doc.get(), node);
    detail::append_plain_text(node, article.text);
  }
  while (!article.text.empty() && article.text.back() == '\n') article.text.pop_back();
  article.text_length = detail::visible_length(article.text);
  if (html.empty()) return article;
  SanitizeOptions sanitize;
  sanitize.base_url = page.url;
  article.content = sanitize_html(html, sanitize);
  return article;
}

}  // namespace feedd::article
