#include "fetchers/html/html_events.h"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>

#include <vector>

#include "fetchers/html/html_parse.h"

namespace feedd::detail {
namespace {

// libxml2's tree builder (nodePush, xmlParserMaxDepth) refuses an element
// with this many elements open around it and halts the parse.
constexpr int kMaxDepth = 256;

std::string_view view(const xmlChar* text) {
  return text == nullptr ? std::string_view() : reinterpret_cast<const char*>(text);
}

// Stands in for libxml2's tree builder (xmlSAX2StartElement and friends),
// passing on what it would have put in the tree. Its SAX callbacks find it
// through the context's _private pointer.
class EventReader {
 public:
  EventReader(htmlParserCtxt* context, HtmlEvents& events) : context_(context), events_(events) {
    xmlSAXHandler& sax = *context->sax;
    sax.startElement = start_element;
    sax.endElement = end_element;
    sax.characters = characters;
    sax.cdataBlock = cdata_block;
    sax.comment = comment;
    sax.processingInstruction = processing_instruction;
    // Called only under HTML_PARSE_NOBLANKS, which read_html does not set;
    // if it ever is, whitespace goes where the tree builder would put it.
    if (sax.ignorableWhitespace == xmlSAX2Characters) sax.ignorableWhitespace = characters;
    context->_private = this;
  }

  // What is open at the end of the input, or when the parse stopped.
  void finish() {
    for (; depth_ > 0; --depth_) events_.end_element();
  }

 private:
  static EventReader& of(void* context) {
    return *static_cast<EventReader*>(static_cast<xmlParserCtxt*>(context)->_private);
  }

  static void start_element(void* context, const xmlChar* name, const xmlChar** attributes) {
    of(context).start(name, attributes);
  }

  static void end_element(void* context, const xmlChar* /*name*/) {
    EventReader& reader = of(context);
    if (reader.stopped_ || reader.depth_ == 0) return;
    --reader.depth_;
    reader.events_.end_element();
  }

  static void characters(void* context, const xmlChar* text, int length) {
    EventReader& reader = of(context);
    if (reader.in_element()) reader.events_.text(std::string_view(reinterpret_cast<const char*>(text), length), false);
  }

  static void cdata_block(void* context, const xmlChar* text, int length) {
    EventReader& reader = of(context);
    if (reader.in_element()) reader.events_.text(std::string_view(reinterpret_cast<const char*>(text), length), true);
  }

  static void comment(void* context, const xmlChar* /*text*/) { of(context).other(); }

  static void processing_instruction(void* context, const xmlChar* /*target*/, const xmlChar* /*data*/) {
    of(context).other();
  }

  void start(const xmlChar* name, const xmlChar** attributes) {
    if (stopped_) return;
    if (depth_ > kMaxDepth) {
      stopped_ = true;
      xmlStopParser(context_);
      return;
    }
    attributes_.clear();
    for (int i = 0; attributes != nullptr && attributes[i] != nullptr; i += 2) {
      const xmlChar* value = attributes[i + 1];
      // As xmlSAX2AttributeInternal: <option selected> reads
      // selected="selected", <img alt> has no value at all.
      if (value == nullptr) value = htmlIsBooleanAttr(attributes[i]) ? attributes[i] : BAD_CAST "";
      attributes_.push_back({view(attributes[i]), view(value)});
    }
    ++depth_;
    events_.start_element(view(name), attributes_);
  }

  // Text, comments and processing instructions with no element open have
  // no place in the tree (the tree builder drops text; the others go on the
  // document node, outside the content).
  bool in_element() const { return !stopped_ && depth_ > 0; }

  void other() {
    if (in_element()) events_.other_child();
  }

  htmlParserCtxt* context_;
  HtmlEvents& events_;
  int depth_ = 0;  // elements open, as the tree builder's node stack
  bool stopped_ = false;
  std::vector<AttributeView> attributes_;
};

}  // namespace

bool read_html_events(std::string_view utf8, HtmlEvents& events) {
  const ParserContextHandle context = new_html_parser();
  if (!context) return false;
  EventReader reader(context.get(), events);
  const XmlDocHandle doc = parse_html(context.get(), utf8);
  // Before the context goes: element names live in its dictionary.
  reader.finish();
  return doc != nullptr;
}

}  // namespace feedd::detail
