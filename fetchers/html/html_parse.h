// libxml2's HTML parser as feedd uses it: silent, offline, forgiving, UTF-8
// in. Shared by the HTML-to-text converter, the sanitizer and fetchers/article
// (which reads whole pages with it); callers that walk the tree link libxml2.
#pragma once

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::detail {

struct XmlDocDeleter {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
using XmlDocHandle = std::unique_ptr<xmlDoc, XmlDocDeleter>;

// Parses `utf8` (REQUIRES: valid UTF-8, e.g. from encoding::repair_utf8) as HTML in
// recover mode, with libxml2's diagnostics silenced for this parse only and
// network access off. nullptr when libxml2 finds no document at all (empty
// input, only a comment) or the input is over 2 GiB. Thread-safe.
// References to C1 controls are read as HTML5 reads them (see
// with_html5_references).
XmlDocHandle read_html(std::string_view utf8);

// `html` with each numeric reference to a C1 control written as the
// character HTML5 reads it as (encoding::html_reference_code: "&#146;" is
// ’), which libxml2 2.9 does not do; nullopt when there is none, the
// common case, which then costs one search for "&#".
std::optional<std::string> with_html5_references(std::string_view html);

struct ParserContextDeleter {
  void operator()(htmlParserCtxt* context) const noexcept { htmlFreeParserCtxt(context); }
};
using ParserContextHandle = std::unique_ptr<htmlParserCtxt, ParserContextDeleter>;

// For readers that want libxml2's parse without its tree (html_events.h):
// a context whose SAX handler is the context's own copy, free to change,
// and the parse read_html makes with it (C1 references mapped too).
// nullptr when out of memory.
ParserContextHandle new_html_parser();
XmlDocHandle parse_html(htmlParserCtxt* context, std::string_view utf8);

// parse_html for a context used before (it is reset first), and without
// passing the input through libxml2's UTF-8 to UTF-8 converter: the parser
// is told the bytes are UTF-8 and reads them where they are. The same
// parse for valid UTF-8 (REQUIRES) that starts with no byte order mark,
// C1 references mapped as parse_html maps them.
XmlDocHandle reparse_html(htmlParserCtxt* context, std::string_view utf8);

}  // namespace feedd::detail
