#include "fetchers/feed/xml_repair.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "fetchers/text/encoding.h"

namespace feedd::detail {
namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

struct Reference {
  std::size_t length = 0;  // of the reference as written, "&" to ";"
  std::string written;     // what to write instead
};

// A numeric reference at `text` (which starts "&#"), repaired, or nullopt
// when it is not one.
std::optional<Reference> numeric_reference(std::string_view text) {
  const bool hex = text.size() > 2 && (text[2] == 'x' || text[2] == 'X');
  const std::size_t digits_at = hex ? 3 : 2;
  std::size_t end = digits_at;
  while (end < text.size() && end - digits_at < 8 &&
         (hex ? std::isxdigit(static_cast<unsigned char>(text[end])) != 0 : (text[end] >= '0' && text[end] <= '9'))) {
    ++end;
  }
  if (end == digits_at || end >= text.size() || text[end] != ';') return std::nullopt;
  std::uint32_t code = 0;
  std::from_chars(text.data() + digits_at, text.data() + end, code, hex ? 16 : 10);
  Reference reference{end + 1, std::string(text.substr(0, end + 1))};
  if (const char32_t meant = encoding::html_reference_code(code); meant != code) {
    reference.written = "&#" + std::to_string(static_cast<std::uint32_t>(meant)) + ";";
  } else if (hex) {
    reference.written[2] = 'x';
  }
  return reference;
}

// Length of the entity reference ("&name;") at `text`, or 0 when "&" starts
// none.
std::size_t entity_reference_length(std::string_view text) {
  if (text.size() < 3 || !is_name_start(text[1])) return 0;
  std::size_t end = 2;
  while (end < text.size() && end < 64 && is_name_char(text[end])) ++end;
  return end < text.size() && text[end] == ';' ? end + 1 : 0;
}

constexpr std::size_t kMaxEntityValue = 1024;
constexpr std::size_t kMaxExpansion = 1 << 20;

// Internal general entities with a plain literal value, escaped so they
// mean the same in text and in attribute values.
using Entities = std::map<std::string, std::string, std::less<>>;

std::string escaped_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&apos;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// <!ENTITY name "value"> declarations in `subset` (the text between the
// DOCTYPE's brackets).
Entities declared_entities(std::string_view subset) {
  Entities entities;
  for (std::size_t at = subset.find("<!ENTITY"); at != std::string_view::npos;
       at = subset.find("<!ENTITY", at + 8)) {
    std::size_t i = at + 8;
    const auto skip_space = [&] {
      while (i < subset.size() && (subset[i] == ' ' || subset[i] == '\t' || subset[i] == '\r' || subset[i] == '\n')) ++i;
    };
    skip_space();
    if (i >= subset.size() || !is_name_start(subset[i])) continue;  // '%': a parameter entity
    const std::size_t name_start = i;
    while (i < subset.size() && is_name_char(subset[i])) ++i;
    const std::string_view name = subset.substr(name_start, i - name_start);
    skip_space();
    if (i >= subset.size() || (subset[i] != '"' && subset[i] != '\'')) continue;  // SYSTEM or PUBLIC
    const std::size_t close = subset.find(subset[i], i + 1);
    if (close == std::string_view::npos) break;
    const std::string_view value = subset.substr(i + 1, close - i - 1);
    // One character reference alone (<!ENTITY copy "&#169;">, as DTDs of
    // named characters have them) is taken as it is: it names a character,
    // never more markup; feedparser takes it too.
    const auto reference = value.starts_with("&#") ? numeric_reference(value) : std::nullopt;
    if (reference && reference->length == value.size()) {
      entities.emplace(std::string(name), reference->written);
      continue;
    }
    if (value.size() > kMaxEntityValue || value.find_first_of("&<%") != std::string_view::npos) continue;
    entities.emplace(std::string(name), escaped_value(value));
  }
  return entities;
}

// The internal subset of a DOCTYPE at the start of `xml`, and where the
// DOCTYPE ends; nullopt without one.
struct Doctype {
  std::size_t end = 0;
  std::string_view subset;
};

std::optional<Doctype> doctype(std::string_view xml) {
  // A DOCTYPE comes before the root element; looking further would cost a
  // scan of every large document that has none.
  const std::size_t start = xml.substr(0, 4096 + 9).find("<!DOCTYPE");
  if (start == std::string_view::npos || start > 4096) return std::nullopt;
  const std::size_t open = xml.find_first_of("[>", start);
  if (open == std::string_view::npos || xml[open] == '>') return std::nullopt;
  const std::size_t close = xml.find("]", open);
  if (close == std::string_view::npos) return std::nullopt;
  const std::size_t end = xml.find('>', close);
  if (end == std::string_view::npos) return std::nullopt;
  return Doctype{end + 1, xml.substr(open + 1, close - open - 1)};
}

// Markup whose "&" means nothing, and where it ends.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kOpaque = {{
    {"<![CDATA[", "]]>"},
    {"<!--", "-->"},
    {"<?", "?>"},
}};

}  // namespace

namespace {

// `xml` from `i` on, with references to `entities` expanded and, when
// `repair`, the other references mended as repair_references says; `out`
// holds what comes before `i`.
std::string rewrite(std::string_view xml, std::string out, std::size_t i, const Entities& entities, bool repair) {
  std::size_t expanded = 0;
  while (i < xml.size()) {
    const std::size_t special = xml.find_first_of("&<", i);
    if (special == std::string_view::npos) break;
    out.append(xml.data() + i, special - i);
    i = special;
    const std::string_view rest = xml.substr(i);
    if (rest.front() == '<') {
      std::size_t skipped = 1;
      for (const auto& [open, close] : kOpaque) {
        if (!rest.starts_with(open)) continue;
        const std::size_t end = rest.find(close, open.size());
        skipped = end == std::string_view::npos ? rest.size() : end + close.size();
        break;
      }
      out.append(rest.substr(0, skipped));
      i += skipped;
      continue;
    }
    if (rest.starts_with("&#")) {
      if (const auto reference = numeric_reference(rest)) {
        out += repair ? std::string_view(reference->written) : rest.substr(0, reference->length);
        i += reference->length;
        continue;
      }
    } else if (const std::size_t length = entity_reference_length(rest)) {
      const auto entity = entities.find(rest.substr(1, length - 2));
      if (entity != entities.end() && expanded + entity->second.size() <= kMaxExpansion) {
        out += entity->second;
        expanded += entity->second.size();
      } else {
        out.append(rest.substr(0, length));
      }
      i += length;
      continue;
    }
    out += repair ? "&amp;" : "&";
    ++i;
  }
  out.append(xml.substr(std::min(i, xml.size())));
  return out;
}

}  // namespace

std::string repair_references(std::string_view xml) {
  std::string out;
  out.reserve(xml.size() + 64);
  Entities entities;
  std::size_t start = 0;
  if (const auto found = doctype(xml)) {
    entities = declared_entities(found->subset);
    out.append(xml.substr(0, found->end));  // declarations stay; libxml2 never expands them
    start = found->end;
  }
  return rewrite(xml, std::move(out), start, entities, true);
}

std::optional<std::string> expand_declared_entities(std::string_view xml) {
  const auto found = doctype(xml);
  if (!found) return std::nullopt;
  const Entities entities = declared_entities(found->subset);
  if (entities.empty()) return std::nullopt;
  std::string out;
  out.reserve(xml.size() + 64);
  out.append(xml.substr(0, found->end));  // pugixml skips the DOCTYPE and never expands them
  return rewrite(xml, std::move(out), found->end, entities, false);
}

}  // namespace feedd::detail
