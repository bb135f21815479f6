#include "fetchers/html/html_events.h"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/dict.h>
#include <libxml/parser.h>

#include <string>
#include <vector>

#include "fetchers/html/html_parse.h"
#include "fetchers/html/text_placeholders.h"
#include "fetchers/html/tokenizer/html_tokens.h"

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
  EventReader(htmlParserCtxt* context, const TextPlaceholders& placeholders, HtmlEvents& events)
      : context_(context), placeholders_(placeholders), events_(events) {
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

  static void characters(void* context, const xmlChar* text, int length) { of(context).text(text, length, false); }

  static void cdata_block(void* context, const xmlChar* text, int length) { of(context).text(text, length, true); }

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
    std::size_t count = 0;
    while (attributes != nullptr && attributes[2 * count] != nullptr) ++count;
    if (values_.size() < count) values_.resize(count);  // before any view into them is taken
    for (int i = 0; attributes != nullptr && attributes[i] != nullptr; i += 2) {
      const xmlChar* value = attributes[i + 1];
      // As xmlSAX2AttributeInternal: <option selected> reads
      // selected="selected", <img alt> has no value at all.
      if (value == nullptr) value = htmlIsBooleanAttr(attributes[i]) ? attributes[i] : BAD_CAST "";
      attributes_.push_back({view(attributes[i]), placeholders_.restore(view(value), values_[attributes_.size()])});
    }
    ++depth_;
    events_.start_element(view(name), attributes_);
  }

  void text(const xmlChar* text, int length, bool cdata) {
    if (!in_element()) return;
    const std::string_view parsed(reinterpret_cast<const char*>(text), static_cast<std::size_t>(length));
    events_.text(placeholders_.restore(parsed, text_), cdata);
  }

  // Text, comments and processing instructions with no element open have
  // no place in the tree (the tree builder drops text; the others go on the
  // document node, outside the content).
  bool in_element() const { return !stopped_ && depth_ > 0; }

  void other() {
    if (in_element()) events_.other_child();
  }

  htmlParserCtxt* context_;
  const TextPlaceholders& placeholders_;
  HtmlEvents& events_;
  int depth_ = 0;  // elements open, as the tree builder's node stack
  bool stopped_ = false;
  std::vector<AttributeView> attributes_;
  std::vector<std::string> values_;  // attribute values with their runs put back
  std::string text_;                 // the same for text
};

// Names a context's dictionary may hold before the context is made anew:
// each distinct tag and attribute name stays there, and a long-running
// daemon should not keep every name hostile markup ever made up.
constexpr int kMostNames = 10000;

// Each thread's parser context, reset for every parse: making one (its
// dictionary, SAX handler and stacks) cost as much as parsing a short field.
class ThreadParser {
 public:
  // nullptr when out of memory. REQUIRES: release() before the next take().
  htmlParserCtxt* take() {
    if (context_ && xmlDictSize(context_->dict) > kMostNames) context_.reset();
    if (!context_) context_ = new_html_parser();
    return context_.get();
  }

 private:
  ParserContextHandle context_;
};

// Marks a thread's parser (or tokens) taken, cleared however the read ends:
// a handler may throw std::bad_alloc.
struct InUse {
  bool& flag;
  explicit InUse(bool& f) : flag(f) { flag = true; }
  ~InUse() { flag = false; }
  InUse(const InUse&) = delete;
  InUse& operator=(const InUse&) = delete;
};

bool read_with(htmlParserCtxt* context, std::string_view utf8, HtmlEvents& events) {
  const TextPlaceholders placeholders(utf8);
  EventReader reader(context, placeholders, events);
  // reparse_html maps C1 references (with_html5_references) in the text
  // with placeholders, as read_html does in the text without: the mapping
  // reads only ASCII ("&#", digits, ';') and a run never holds any, so the
  // two parses still differ only by the runs.
  const XmlDocHandle doc = reparse_html(context, placeholders.document());
  // Before the context goes or is reused: element names live in its
  // dictionary.
  reader.finish();
  return doc != nullptr;
}

}  // namespace

bool read_html_events(std::string_view utf8, HtmlEvents& events) {
  thread_local ThreadParser thread_parser;
  thread_local bool in_use = false;
  if (in_use) {  // an HtmlEvents that parses HTML itself gets a context of its own
    const ParserContextHandle context = new_html_parser();
    return context && read_with(context.get(), utf8, events);
  }
  htmlParserCtxt* const context = thread_parser.take();
  if (context == nullptr) return false;
  const InUse marked(in_use);
  return read_with(context, utf8, events);
}

namespace {

void tell(const HtmlTokens& tokens, std::vector<AttributeView>& attributes, HtmlEvents& events) {
  for (const HtmlToken& token : tokens.tokens()) {
    switch (token.kind) {
      case HtmlToken::Kind::start:
        attributes.clear();
        for (const TokenAttribute& attribute : tokens.attributes_of(token)) {
          attributes.push_back({attribute.name, attribute.value});
        }
        events.start_element(token.text, attributes);
        break;
      case HtmlToken::Kind::end:
        events.end_element();
        break;
      case HtmlToken::Kind::text:
        events.text(token.text, false);
        break;
      case HtmlToken::Kind::other:
        events.other_child();
        break;
    }
  }
}

}  // namespace

bool read_html_tokens(std::string_view utf8, HtmlEvents& events) {
  thread_local HtmlTokens thread_tokens;
  thread_local std::vector<AttributeView> thread_attributes;
  thread_local bool in_use = false;
  if (in_use) {  // an HtmlEvents that reads HTML itself gets tokens of its own
    HtmlTokens tokens;
    std::vector<AttributeView> attributes;
    if (!tokens.read(utf8)) return false;
    tell(tokens, attributes, events);
    return true;
  }
  const InUse marked(in_use);
  if (!thread_tokens.read(utf8)) return false;
  tell(thread_tokens, thread_attributes, events);
  // The buffers grow to the largest fragment read; a daemon's threads keep
  // them for good, so a huge one's are let go.
  constexpr std::size_t kLargestKept = 1 << 20;
  if (utf8.size() > kLargestKept) thread_tokens = HtmlTokens();
  return true;
}

}  // namespace feedd::detail
