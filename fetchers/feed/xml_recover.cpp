#include "fetchers/feed/xml_recover.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <climits>
#include <memory>

namespace feedd::detail {
namespace {

struct ParserContextDeleter {
  void operator()(xmlParserCtxt* context) const noexcept { xmlFreeParserCtxt(context); }
};
struct DocDeleter {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
struct XmlCharDeleter {
  void operator()(xmlChar* text) const noexcept { xmlFree(text); }
};

// RECOVER: the point of the exercise. NONET: parsing never fetches. NOERROR
// and NOWARNING: broken feeds are routine, not news for stderr. IGNORE_ENC:
// the text is UTF-8 by now, whatever its declaration said. Deliberately not
// NOENT (would expand entities: billion laughs, XXE), DTDLOAD (would fetch
// the DTD) or HUGE (would lift the depth and size limits).
constexpr int parse_options =
    XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;

void ensure_libxml2_initialised() {
  // xmlInitParser must not race with itself; a function-local static runs
  // it once even when worker threads parse at the same time.
  static const bool initialised = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialised;
}

// Errors that libxml2 reports through the context rather than the (global)
// generic handler land here and go nowhere.
void ignore_error(void*, xmlErrorPtr) {}

}  // namespace

std::optional<std::string> recover_xml(std::string_view utf8) {
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;  // libxml2 takes an int
  ensure_libxml2_initialised();
  const std::unique_ptr<xmlParserCtxt, ParserContextDeleter> context(xmlNewParserCtxt());
  if (!context) return std::nullopt;
  context->sax->serror = ignore_error;
  // Without a handler for entity declarations libxml2 never learns an
  // entity's replacement text, so no reference can be expanded, in content
  // or in attribute values, however the document nests them.
  context->sax->entityDecl = nullptr;
  const std::unique_ptr<xmlDoc, DocDeleter> doc(xmlCtxtReadMemory(
      context.get(), utf8.data(), static_cast<int>(utf8.size()), nullptr, "UTF-8", parse_options));
  if (!doc || !xmlDocGetRootElement(doc.get())) return std::nullopt;
  xmlChar* bytes = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &bytes, &size, "UTF-8");
  const std::unique_ptr<xmlChar, XmlCharDeleter> owned(bytes);
  if (!owned || size <= 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(owned.get()), static_cast<std::size_t>(size));
}

}  // namespace feedd::detail
