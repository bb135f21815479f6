// Entry content made safe to publish: active content removed, trackers and
// per-source boilerplate cut, URLs made absolute. What stays is written back
// as the same HTML in meaning, in one canonical form: lower-case names,
// double-quoted values, void elements unclosed, only & < > " and U+00A0
// escaped (Chinese text stays literal).
//
// Dropped with everything inside them:
//   script style iframe frame frameset object embed applet form base meta
//   link portal fencedframe plaintext param (also with a prefix, as in
//   x:script); inside svg and math, every element off foreign_content.h's
//   allow-list; comments, doctypes; img or image of 1x1 or less (width and
//   height attributes or inline style); elements matching a remove rule.
//   Two exceptions keep text that is not theirs: libxml2 does not know
//   <embed>, <image>, <source>, <track> and <wbr> are void and puts what
//   follows them, up to their parent's end, inside, so when one is cut that
//   content stays where it was; and an object or applet left unclosed (more
//   start tags than end tags in the field) keeps its content, which a browser
//   shows as fallback, instead of taking the rest of the field.
// Dropped attributes (judged by local name, so xlink:href counts as href):
//   on*; ping; href src action formaction poster background longdesc lowsrc
//   dynsrc cite data codebase usemap whose URL has scheme javascript:,
//   vbscript: or data: (except data:image/... as an img src) after dropping
//   leading controls and spaces and any tab or newline, as browsers do;
//   srcset candidates with those schemes.
// Inline style keeps only the declarations on css_filter.h's allow-list
// (colours, type, alignment, sizes, spacing; no url(), no position).
// svg and math keep the safe subset foreign_content.h lists (drawings and
// presentation MathML, camel-case names restored, xmlns written by the
// sanitizer), nothing that runs, animates or loads from elsewhere. Browsers
// parse their insides by other rules than libxml2 does (the root of
// mutation XSS), so what stays is safe read either way: every rule above
// applies inside them too, and no text or attribute value is written with a
// literal < or >, so no reading can find a tag in it.
// A reference with non-ASCII characters ("/wiki/中国") resolves to an IRI,
// the characters kept, not percent-encoded.
// Remove rules see attributes as the feed wrote them, before resolution.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fetchers/html/element_rules.h"

namespace feedd {

struct SanitizeOptions {
  // href, src, srcset and poster are resolved against it; empty keeps them
  // as written. Empty and fragment-only references ("#note-1") always stay.
  std::string base_url;
  std::vector<ElementRule> remove;  // from parse_element_rules
  // false keeps active content and only applies `remove` and URL resolution.
  bool strip_active = true;
};

// `html` is a fragment (a whole document works too: its body is taken).
// Invalid UTF-8 becomes U+FFFD. Never throws except std::bad_alloc. The
// result is stable: sanitizing it again returns it unchanged.
// Reads the fragment as libxml2 parses it, without building its tree
// (fetchers/html/sanitize_stream.h), except for :contains rules, which
// judge an element by its whole text and take sanitize_html_tree's way;
// most fragments are read by feedd's own tokenizer, which gives the events
// libxml2 would (fetchers/html/tokenizer/html_tokens.h).
std::string sanitize_html(std::string_view html, const SanitizeOptions& options);

// The same result from a walk over libxml2's tree, as sanitize_html was
// made before it read a stream: the reference it is proven equal to
// (tests/fetchers/html/sanitize_stream_test.cpp, tests/fetchers/html/sanitize_equality.cpp).
std::string sanitize_html_tree(std::string_view html, const SanitizeOptions& options);

// sanitize_html with every fragment read by libxml2's parse events, as it
// was before feedd's own tokenizer read the fragments it models
// (fetchers/html/tokenizer): the reference that tokenizer is proven equal to
// (tests/fetchers/html/sanitize_equality.cpp, fuzz_sanitize, fuzz_html_tokens).
std::string sanitize_html_libxml2(std::string_view html, const SanitizeOptions& options);

}  // namespace feedd
