// libxml2's HTML parser read as events instead of a tree: the same parse as
// html_parse.h's read_html (same options, same recovery, implied and
// auto-closed elements, entities decoded, C1 references read as HTML5 reads
// them), told in the order a walk over that tree from first to last node
// would meet it, without building the tree. For code that walks the tree
// once, front to back: building it cost more than parsing.
//
// What the events say is what the tree would hold, including where
// libxml2's tree builder departs from its parser: element names keep their
// prefix (<o:p>, see read_html); a valueless boolean attribute (<input
// checked>) has its name as value and any other valueless one ""; text met
// while no element is open (after a stray </html>) is not told, as the tree
// drops it; and an element more than 256 levels deep stops the parse there,
// as the tree builder does, and what is open is then closed.
#pragma once

#include <span>
#include <string_view>

#include "fetchers/html/element_rules.h"

namespace feedd::detail {

// Receives the events. An element's name stays valid until
// read_html_events returns (libxml2 keeps names in its parser's
// dictionary); attributes and text are valid during the call only.
class HtmlEvents {
 public:
  virtual ~HtmlEvents() = default;
  // Attributes in document order: names lower case, values decoded.
  virtual void start_element(std::string_view name, std::span<const AttributeView> attributes) = 0;
  // Closes the innermost open element. Every start is closed, also at the
  // end of the input.
  virtual void end_element() = 0;
  // Text of the open element; consecutive calls are one text node.
  // `cdata`: a script or style body, which libxml2 does not decode.
  virtual void text(std::string_view content, bool cdata) = 0;
  // A comment or processing instruction in the open element: nothing to
  // show, but a child node in the tree all the same.
  virtual void other_child() = 0;
};

// Parses `utf8` (REQUIRES: valid UTF-8) and tells `events` what read_html's
// tree would hold. False when read_html would return nullptr; the events
// told until then stand. Thread-safe.
bool read_html_events(std::string_view utf8, HtmlEvents& events);

// The same events from feedd's own tokenizer (fetchers/html/tokenizer),
// without libxml2, for a document starting "<body>" whose markup it models
// exactly; false, having told `events` nothing, for any other, which
// read_html_events then reads. Names stay valid until the next call on this
// thread. Thread-safe.
bool read_html_tokens(std::string_view utf8, HtmlEvents& events);

}  // namespace feedd::detail
