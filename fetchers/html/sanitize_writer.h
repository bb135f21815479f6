// What the sanitizer keeps of an element, its attributes and its text, and
// the bytes it writes for them (html_sanitize.h says what is kept). Shared by
// the two readings of a fragment: the walk over libxml2's tree
// (html_sanitize.cpp, for :contains rules and as the reference) and the walk
// over libxml2's parse events (sanitize_stream.cpp, the default), so both
// write the same bytes by construction. Inside fetchers/html.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "fetchers/html/element_rules.h"
#include "fetchers/html/foreign_content.h"
#include "fetchers/html/html_sanitize.h"

namespace feedd::detail {

// html, head and body: libxml2 puts them around a fragment, and a stray
// </html> or <head> in one adds more. Their children are the content.
bool is_wrapper_element(std::string_view tag);

// Written without an end tag (<br>, <img>, ...) when in HTML (`markup`):
// what libxml2 hangs under one is written after it. In SVG and MathML every
// element has its end tag.
bool is_void_element(std::string_view tag, Markup markup);

// The markup the children of the element `tag` (as libxml2 names it) in
// `markup` are in: foreign_content.h's children_markup.
Markup children_markup_of(std::string_view tag, Markup markup);

class SanitizeWriter {
 public:
  // keep_fallback: the content of object and applet elements stays when they
  // are dropped (see html_sanitize.cpp's keeps_fallback). REQUIRES: `options`
  // outlives the writer.
  SanitizeWriter(const SanitizeOptions& options, bool keep_fallback);

  // The markup `tag` is in among content in `context` (foreign_content.h's
  // markup_of); always HTML when active content is kept, as nothing is
  // judged then. The readers keep the context: the markup of the children
  // of the element written last around them, HTML at the top.
  Markup markup_here(std::string_view tag, Markup context) const;

  // Dropped for what it is, whatever its attributes, under strip_active: on
  // the active-content list (script, iframe, ...), or in SVG or MathML
  // (`markup`) and off foreign_content.h's allow-list.
  bool is_dropped(std::string_view tag, Markup markup) const;

  // A tracking pixel, an SVG <use> of another document, or matched by a
  // remove rule without :contains (those need the element's text, which only
  // the caller has).
  bool is_cut(std::string_view tag, std::span<const AttributeView> attributes, Markup markup) const;

  // A left-out element whose children, when it has any, are written in its
  // place: a void element libxml2 hung content under, or a fallback element
  // (object, applet) when the field leaves one unclosed.
  bool keeps_children_when_cut(std::string_view tag) const;

  // The start tag of an element in `markup` among content in `context`,
  // with the attributes that are kept, their URLs resolved; in SVG and
  // MathML only allow-listed attributes, camel case restored, and the
  // sanitizer's own xmlns (where the markup begins) and xmlns:xlink (where an
  // xlink: attribute is written). Returns the name written, which end_tag
  // takes: `tag` or a name of foreign_content.h's (valid as long as `tag`).
  // REQUIRES: !is_dropped(tag, markup).
  std::string_view start_tag(std::string_view tag, std::span<const AttributeView> attributes, Markup markup,
                             Markup context);
  void end_tag(std::string_view written);
  // A text node's content, escaped; `cdata` (script and style bodies) is
  // written as it is when active content is kept.
  void text(std::string_view content, bool cdata);

  // Texts told from now on are well-formed UTF-8 without NUL (feedd's
  // tokenizer tells only slices of its valid input and characters it
  // decoded), so text() need not check them again.
  void texts_are_valid_utf8(bool known) { texts_valid_ = known; }

  std::string take() { return std::move(out_); }

  // Everything written is well-formed UTF-8 without NUL (and so needs no
  // repair), as checked while writing it.
  bool wrote_valid_utf8() const { return wrote_valid_utf8_; }

  // An SVG or MathML element with a prefix (<x:a>) was written by its bare
  // name. Read back it is the element libxml2 knows by that name, which may
  // nest differently (an <a> closes an open <a>), so the readers ask for a
  // second pass, as for a flattened element.
  bool dropped_a_prefix() const { return dropped_a_prefix_; }

 private:
  bool attribute(std::string_view tag, const AttributeView& attribute);
  void foreign_namespace(std::string_view name, std::string_view uri);
  std::string cleaned_srcset(std::string_view srcset) const;
  void checked(bool valid) { wrote_valid_utf8_ = wrote_valid_utf8_ && valid; }

  const SanitizeOptions& options_;
  const bool keep_fallback_;
  std::string out_;
  bool wrote_valid_utf8_ = true;
  bool dropped_a_prefix_ = false;
  bool texts_valid_ = false;
};

}  // namespace feedd::detail
