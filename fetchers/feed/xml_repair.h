// Mistakes in character and entity references that a broken feed makes,
// undone before libxml2's recover mode reads it. Internal to feedd_fetchers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::detail {

// `xml` with its references made well-formed, as a browser would read them:
//   - a bare "&" that starts no reference becomes "&amp;", so "?a=1&b=2&c"
//     keeps its parameter names (recover mode would drop "&b" as a broken
//     entity reference);
//   - "&#X41;" (upper-case X, which XML does not allow) becomes "&#x41;";
//   - a reference to a C1 control, U+0080 to U+009F, which is windows-1252
//     read as Latin-1 ("&#146;" meant ’), becomes a reference to the
//     character windows-1252 has there, as HTML5 maps it;
//   - a reference to an entity the internal DTD subset declares with a
//     plain literal value (<!ENTITY id "tag:example.com,">) becomes that
//     value. Only values without markup or references of their own, of at
//     most 1 KiB, or of one character reference alone ("&#169;"), are taken, and at most 1 MiB is added in all, so no
//     billion laughs or quadratic blowup can come of it; external and
//     parameter entities are never read.
// CDATA sections, comments and processing instructions are left alone.
// Never throws except std::bad_alloc.
std::string repair_references(std::string_view xml);

// `xml` with each reference to an entity its internal DTD subset declares
// replaced by the entity's value (the same values and limits as above), and
// nothing else changed; nullopt when it declares none. For documents that
// are well-formed: pugixml skips the DOCTYPE and would leave "&id;" as
// text, where feedparser, like any validating reader, expands it.
std::optional<std::string> expand_declared_entities(std::string_view xml);

}  // namespace feedd::detail
