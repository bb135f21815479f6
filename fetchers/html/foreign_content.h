// Inline SVG and MathML in entry content: the safe subset the sanitizer
// keeps (feedparser keeps one too, and feeds of maths and science blogs use
// it), with the camel-case names libxml2's HTML parser lower-cases put back.
//
// Kept: drawing and text elements of SVG Tiny (svg g path rect circle
// ellipse line polyline polygon text tspan a defs linearGradient
// radialGradient stop marker switch desc title metadata and the font
// elements), <use> only when it points into the document ("#id"), and
// presentation MathML. Never kept: script, style, foreignObject, the
// animation elements (animate and set can rewrite an href into
// javascript:), image, filter, pattern, annotation-xml (it can switch the
// browser back to HTML parsing by an attribute), any element not listed.
// Attributes: the listed geometry and presentation ones, xlink:href and
// href (checked and resolved like an HTML href), no on*, and no url(...)
// that points outside the document (fill="url(#grad)" stays,
// fill="url(https://…)" goes: it would be fetched by every reader).
// xmlns and xmlns:xlink are written by the sanitizer itself, never copied.
#pragma once

#include <optional>
#include <string_view>

namespace feedd {

enum class Markup { html, svg, mathml };

// The markup an element named `tag` (lower case, no prefix) is in when it
// stands among content in `context`: <svg> and <math> open theirs.
Markup markup_of(std::string_view tag, Markup context);

// The markup the children of an element in `markup` named `tag` are in:
// SVG's desc and title and MathML's token elements (mi mo mn ms mtext) hold
// HTML again, as HTML5's integration points say.
Markup children_markup(std::string_view tag, Markup markup);

// The name to write for an element of SVG or MathML (`tag` lower case, no
// prefix), camel case restored; nullopt when it is not kept.
std::optional<std::string_view> foreign_element(Markup markup, std::string_view tag);

// The name to write for an attribute of such an element (`name` as libxml2
// gives it: lower case, "xlink:href" with its prefix); nullopt when it is
// not kept. The value is judged apart (foreign_value_is_safe).
std::optional<std::string_view> foreign_attribute(Markup markup, std::string_view name);

// False for a value with a url(...) that does not point into the document.
bool foreign_value_is_safe(std::string_view value);

// The namespace URI an <svg> or <math> element declares.
std::string_view namespace_uri(Markup markup);

inline constexpr std::string_view kXlinkNamespace = "http://www.w3.org/1999/xlink";

}  // namespace feedd
