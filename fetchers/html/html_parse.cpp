#include "fetchers/html/html_parse.h"

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <climits>

namespace feedd::detail {
namespace {

// RECOVER: feed HTML is full of broken markup, and the reading a browser
// would make is the one wanted. NOERROR/NOWARNING: those mistakes are routine,
// and this silences them per parse without touching libxml2's global error
// handlers, which other code in the process may rely on. NONET: parsing never
// fetches anything. IGNORE_ENC: the bytes handed over are UTF-8, whatever a
// stray <meta charset> inside the fragment claims. Not NOBLANKS: the space in
// "<b>a</b> <i>b</i>" is text.
constexpr int kParseOptions =
    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC;

// libxml2 2.9 splits an HTML element name at its first colon and, finding
// no namespace, drops the prefix: Word's <o:p> becomes <p> in the tree,
// although the parser treated it as the unknown element it is. The node
// gets its full name back, so the tree says what was parsed and writing it
// out reads back the same.
void start_element_keeping_prefix(void* context, const xmlChar* full_name, const xmlChar** attributes) {
  xmlSAX2StartElement(context, full_name, attributes);
  xmlNode* const node = static_cast<xmlParserCtxt*>(context)->node;
  if (node != nullptr && full_name != nullptr && !xmlStrEqual(node->name, full_name)) {
    xmlNodeSetName(node, full_name);
  }
}

void ensure_libxml2_initialised() {
  // xmlInitParser is not safe to race with itself; a function-local static
  // runs it once even when several worker threads parse at the same time.
  static const bool initialised = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialised;
}

}  // namespace

ParserContextHandle new_html_parser() {
  ensure_libxml2_initialised();
  return ParserContextHandle(htmlNewParserCtxt());
}

XmlDocHandle parse_html(htmlParserCtxt* context, std::string_view utf8) {
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;  // libxml2 takes an int length
  return XmlDocHandle(htmlCtxtReadMemory(context, utf8.data(), static_cast<int>(utf8.size()), nullptr, "UTF-8",
                                         kParseOptions));
}

XmlDocHandle reparse_html(htmlParserCtxt* context, std::string_view utf8) {
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  // What htmlCtxtReadMemory does, but for its encoding switch: with the name
  // "UTF-8" it installs a converter that copies the input once more.
  htmlCtxtReset(context);
  xmlParserInputBuffer* const buffer =
      xmlParserInputBufferCreateMem(utf8.data(), static_cast<int>(utf8.size()), XML_CHAR_ENCODING_NONE);
  if (buffer == nullptr) return nullptr;
  xmlParserInput* const input = xmlNewIOInputStream(context, buffer, XML_CHAR_ENCODING_NONE);
  if (input == nullptr) {
    xmlFreeParserInputBuffer(buffer);
    return nullptr;
  }
  inputPush(context, input);
  htmlCtxtUseOptions(context, kParseOptions);
  context->html = 1;
  xmlSwitchEncoding(context, XML_CHAR_ENCODING_UTF8);  // no converter for UTF-8
  htmlParseDocument(context);
  XmlDocHandle doc(context->myDoc);
  context->myDoc = nullptr;
  return doc;
}

XmlDocHandle read_html(std::string_view utf8) {
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  const ParserContextHandle context = new_html_parser();
  if (!context) return nullptr;
  // The context owns a private copy of the SAX handler, so this changes
  // nothing for other parses.
  context->sax->startElement = start_element_keeping_prefix;
  return parse_html(context.get(), utf8);
}

}  // namespace feedd::detail
