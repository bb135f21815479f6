// What libxml2 2.9's HTML parser does with an element, as far as the order
// of its parse events goes: whether it is void (its end follows its start at
// once), and which start tags close it when it is the innermost open element
// (libxml2's htmlStartClose table, read only for the element on top). Only
// elements the tokenizer reads are described; the others it refuses
// (`refused`). tests/fetchers/html/tokenizer/html_tokens_test.cpp proves the
// table against libxml2's own parse for every pair of names it holds.
#pragma once

#include <cstdint>
#include <string_view>

namespace feedd::detail {

// An element name's index in the table, or kUnknownElement for a name
// libxml2 does not know either (<section>, <video>): never void, never
// closed by a start tag, closes nothing.
using ElementId = std::int16_t;
inline constexpr ElementId kUnknownElement = -1;

// `name` is lower case.
ElementId element_id(std::string_view name);

bool is_void(ElementId element);

// Read differently enough by libxml2 (raw text, the document's own html,
// head and body, a <meta> it reads a charset from, a frameset...) that the
// tokenizer leaves the whole document to it.
bool is_refused(ElementId element);

// A start tag of `opened` closes `open` when `open` is the innermost open
// element.
bool closes(ElementId opened, ElementId open);

}  // namespace feedd::detail
