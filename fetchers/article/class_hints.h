// What an element's class and id say about it: "article-body" and
// "entry-content" promise the article, "share-bar", "related-posts" and
// "comments" promise clutter. Words, not sites: no rule names a publisher.
// Internal to feedd_article.
#pragma once

#include <libxml/tree.h>

namespace feedd::article::detail {

struct ClassHints {
  bool positive = false;  // article, content, entry, story, main, post, text, body, blog
  bool negative = false;  // navigation, sidebars, ads, share bars, comments, related lists, banners
  bool metadata = false;  // byline, author, date, dateline: article metadata, not its text
  int weight() const { return (positive ? 25 : 0) - (negative ? 25 : 0); }
};

// Judged from the class and id attributes (and the ARIA role) of `element`.
ClassHints class_hints(const xmlNode* element);

}  // namespace feedd::article::detail
