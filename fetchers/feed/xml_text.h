// What the elements of a feed say as text and as HTML, read from pugixml.
// Internal to feedd_fetchers. Everything that follows markup to any depth
// walks parent and sibling links instead of recursing, so no document can
// exhaust the stack.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace feedd::detail {

// `text` without the XML white space around it.
std::string_view trim(std::string_view text);

// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

bool is_element(pugi::xml_node node);

// Character data: text or a CDATA section.
bool is_text(pugi::xml_node node);

// "b" of "a:b", and of "b".
std::string_view local_name(std::string_view qualified);

// "a" of "a:b", "" for "b".
std::string_view prefix_of(std::string_view qualified);

// The element's own character data, CDATA sections included byte for byte.
std::string text_of(pugi::xml_node element);

std::string trimmed_text(pugi::xml_node element);

std::string trimmed_attribute(pugi::xml_attribute attribute);

// All character data under `parent`, at any depth, in document order.
std::string deep_text(pugi::xml_node parent);

// The markup inside `parent` written as HTML, without `parent` itself and
// without namespace prefixes or declarations.
std::string inner_markup(pugi::xml_node parent);

// An HTML-carrying field (RSS description and the like): escaped or CDATA
// text, or raw well-formed markup, which is kept too.
std::string html_of(pugi::xml_node element);

// An Atom text construct (title, subtitle, summary, content) as HTML, per
// its type and, for Atom 0.3, mode; base64 content decoded. "" for content
// out of line (src=) or that a post cannot show (images, audio, video).
// Text under another type ("application/x-custom") is decoded only when it
// is strict base64 of UTF-8; anything else was never encoded and is read
// as if untyped.
std::string atom_html(pugi::xml_node element, bool atom03);

}  // namespace feedd::detail
