#include "fetchers/html/html_parse.h"

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <charconv>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>

#include "fetchers/text/encoding.h"

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

bool is_digit(char c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

}  // namespace

std::optional<std::string> with_html5_references(std::string_view html) {
  std::optional<std::string> out;
  std::size_t copied = 0;
  for (std::size_t at = html.find("&#"); at != std::string_view::npos; at = html.find("&#", at + 2)) {
    const bool hex = at + 2 < html.size() && (html[at + 2] == 'x' || html[at + 2] == 'X');
    const std::size_t digits = at + (hex ? 3 : 2);
    std::size_t end = digits;
    std::uint32_t code = 0;
    // Eight digits are past any code point; more would only overflow.
    while (end < html.size() && end - digits < 8 && is_digit(html[end], hex)) ++end;
    if (end == digits || (end < html.size() && is_digit(html[end], hex))) continue;
    std::from_chars(html.data() + digits, html.data() + end, code, hex ? 16 : 10);
    const char32_t meant = encoding::html_reference_code(code);
    if (meant == code) continue;
    if (end < html.size() && html[end] == ';') ++end;  // HTML5 reads the reference without it too
    if (!out) out.emplace().reserve(html.size() + 16);
    out->append(html.substr(copied, at - copied));
    *out += "&#" + std::to_string(static_cast<std::uint32_t>(meant)) + ";";
    copied = end;
  }
  if (out) out->append(html.substr(copied));
  return out;
}

ParserContextHandle new_html_parser() {
  ensure_libxml2_initialised();
  return ParserContextHandle(htmlNewParserCtxt());
}

XmlDocHandle parse_html(htmlParserCtxt* context, std::string_view utf8) {
  // Here, not in read_html, so the tree and the event readers
  // (html_events.cpp) parse the same text.
  const std::optional<std::string> mapped = with_html5_references(utf8);
  if (mapped) utf8 = *mapped;
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;  // libxml2 takes an int length
  return XmlDocHandle(htmlCtxtReadMemory(context, utf8.data(), static_cast<int>(utf8.size()), nullptr, "UTF-8",
                                         kParseOptions));
}

XmlDocHandle reparse_html(htmlParserCtxt* context, std::string_view utf8) {
  const std::optional<std::string> mapped = with_html5_references(utf8);
  if (mapped) utf8 = *mapped;
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
