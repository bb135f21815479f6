// `auto` extraction: finds the elements that hold a page's article. Own
// design, in the readability family: paragraphs earn points for their length
// and punctuation (Chinese included), hand them to their ancestors, links
// cost, class and id words hint; the best container and those of its
// siblings that read like it are the article, cleaned of what does not.
// Internal to feedd_article.
#pragma once

#include <libxml/tree.h>

#include <string_view>
#include <vector>

namespace feedd::article::detail {

// Edits `body`'s subtree (clutter is removed from the tree) and returns the
// article's elements in document order; empty when the page has no text.
// `title` (may be empty) lets a heading repeating it be dropped.
std::vector<xmlNode*> find_main_content(xmlNode* body, std::string_view title);

}  // namespace feedd::article::detail
