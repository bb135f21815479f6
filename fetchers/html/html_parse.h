// libxml2's HTML parser as feedd uses it: silent, offline, forgiving, UTF-8
// in. Shared by the HTML-to-text converter, the sanitizer and fetchers/article
// (which reads whole pages with it); callers that walk the tree link libxml2.
#pragma once

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

}  // namespace feedd::detail
