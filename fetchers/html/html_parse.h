// libxml2's HTML parser as feedd uses it: silent, offline, forgiving, UTF-8
// in. Shared by the HTML-to-text converter, the sanitizer and fetchers/article
// (which reads whole pages with it); callers that walk the tree link libxml2.
#pragma once

#include <libxml/tree.h>

#include <memory>
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
XmlDocHandle read_html(std::string_view utf8);

}  // namespace feedd::detail
