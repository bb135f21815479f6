#include "fetchers/html/tokenizer/libxml2_elements.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <vector>

namespace feedd::detail {
namespace {

struct Element {
  std::string_view name;
  bool is_void;
  bool refused;
  // Start tags that close it (libxml2 2.9.14's htmlStartClose, read the way
  // the parser reads it: only for the innermost open element).
  std::string_view closed_by;
};

// Every element libxml2 2.9 knows (html40ElementTable), in name order.
constexpr std::array kElements = {
    Element{"a", false, false, "a fieldset table td th"},
    Element{"abbr", false, false, ""},
    Element{"acronym", false, false, ""},
    Element{"address", false, false, "dd dl dt form li ul"},
    Element{"applet", false, false, ""},
    Element{"area", true, false, ""},
    Element{"b", false, false, "center p td th"},
    Element{"base", true, true, ""},
    Element{"basefont", true, false, ""},
    Element{"bdo", false, false, ""},
    Element{"big", false, false, "p"},
    Element{"blockquote", false, false, ""},
    Element{"body", false, true, ""},
    Element{"br", true, false, ""},
    Element{"button", false, false, ""},
    Element{"caption", false, false, "col colgroup tbody tfoot thead tr"},
    Element{"center", false, false, ""},
    Element{"cite", false, false, ""},
    Element{"code", false, false, ""},
    Element{"col", true, false, ""},
    Element{"colgroup", false, false, "colgroup tbody tfoot thead tr"},
    Element{"dd", false, false, "dt"},
    Element{"del", false, false, ""},
    Element{"dfn", false, false, ""},
    Element{"dir", false, false, "dd dl dt form ul"},
    Element{"div", false, false, ""},
    Element{"dl", false, false, "form li"},
    Element{"dt", false, false, "dd dl"},
    Element{"em", false, false, ""},
    Element{"embed", false, false, ""},
    Element{"fieldset", false, false, ""},
    Element{"font", false, false, "center td th"},
    Element{"form", false, false, "form"},
    Element{"frame", true, true, ""},
    Element{"frameset", false, true, ""},
    Element{"h1", false, false, "fieldset form li p table"},
    Element{"h2", false, false, "fieldset form li p table"},
    Element{"h3", false, false, "fieldset form li p table"},
    Element{"h4", false, false, "fieldset form li p table"},
    Element{"h5", false, false, "fieldset form li p table"},
    Element{"h6", false, false, "fieldset form li p table"},
    Element{"head", false, true, ""},
    Element{"hr", true, false, ""},
    Element{"html", false, true, ""},
    Element{"i", false, false, "center p td th"},
    Element{"iframe", false, true, ""},
    Element{"img", true, false, ""},
    Element{"input", true, false, ""},
    Element{"ins", false, false, ""},
    Element{"isindex", true, true, ""},
    Element{"kbd", false, false, ""},
    Element{"label", false, false, ""},
    Element{"legend", false, false, "fieldset"},
    Element{"li", false, false, "li"},
    Element{"link", true, true, ""},
    Element{"map", false, false, ""},
    Element{"menu", false, false, "dd dl dt form ul"},
    Element{"meta", true, true, ""},
    Element{"noframes", false, true, ""},
    Element{"noscript", false, true, ""},
    Element{"object", false, false, ""},
    Element{"ol", false, false, "form ul"},
    Element{"optgroup", false, false, ""},
    Element{"option", false, false, "optgroup option"},
    Element{"p", false, false,
            "address blockquote caption center col colgroup dd dir div dl dt fieldset form frameset h1 h2 h3 h4 h5 h6 "
            "hr li menu ol p pre table tbody td tfoot th title tr ul xmp listing"},
    Element{"param", true, false, ""},
    Element{"pre", false, false, "dd dl dt fieldset form li table ul"},
    Element{"q", false, false, ""},
    Element{"s", false, false, "p"},
    Element{"samp", false, false, ""},
    Element{"script", false, true, ""},
    Element{"select", false, false, ""},
    Element{"small", false, false, "p"},
    Element{"span", false, false, "td th"},
    Element{"strike", false, false, "p"},
    Element{"strong", false, false, ""},
    Element{"style", false, true, ""},
    Element{"sub", false, false, ""},
    Element{"sup", false, false, ""},
    Element{"table", false, false, ""},
    Element{"tbody", false, false, "tbody tfoot"},
    Element{"td", false, false, "tbody td tfoot th tr"},
    Element{"textarea", false, true, ""},
    Element{"tfoot", false, false, "tbody"},
    Element{"th", false, false, "tbody td tfoot th tr"},
    Element{"thead", false, false, "tbody tfoot"},
    Element{"title", false, true, ""},
    Element{"tr", false, false, "tbody tfoot tr"},
    Element{"tt", false, false, "p"},
    Element{"u", false, false, "p td th"},
    Element{"ul", false, false, "address form menu ol pre"},
    Element{"var", false, false, ""},
    // Not in libxml2 2.9's table, yet named in htmlStartClose (they close a
    // <p>); refused, as libxml2 has read them as raw text in other versions.
    Element{"xmp", false, true, ""},
    Element{"listing", false, true, ""},
    Element{"plaintext", false, true, ""},
    // Unknown to libxml2 2.9 but raw text or special to browsers: left to it.
    Element{"noembed", false, true, ""},
};

constexpr std::size_t kCount = kElements.size();

// Names in order for the binary search (the last entries are out of order).
struct Index {
  std::array<std::string_view, kCount> names{};
  std::array<ElementId, kCount> ids{};
  std::vector<std::bitset<kCount>> closed_by;  // by the id of the open element

  Index() : closed_by(kCount) {
    std::array<ElementId, kCount> order{};
    for (std::size_t i = 0; i < kCount; ++i) order[i] = static_cast<ElementId>(i);
    std::sort(order.begin(), order.end(), [](ElementId a, ElementId b) {
      return kElements[static_cast<std::size_t>(a)].name < kElements[static_cast<std::size_t>(b)].name;
    });
    for (std::size_t i = 0; i < kCount; ++i) {
      names[i] = kElements[static_cast<std::size_t>(order[i])].name;
      ids[i] = order[i];
    }
    for (std::size_t open = 0; open < kCount; ++open) {
      std::string_view list = kElements[open].closed_by;
      while (!list.empty()) {
        const std::size_t space = list.find(' ');
        const ElementId opened = find(list.substr(0, space));
        if (opened != kUnknownElement) closed_by[open].set(static_cast<std::size_t>(opened));
        list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
      }
    }
  }

  ElementId find(std::string_view name) const {
    const auto at = std::lower_bound(names.begin(), names.end(), name);
    if (at == names.end() || *at != name) return kUnknownElement;
    return ids[static_cast<std::size_t>(at - names.begin())];
  }
};

const Index& index() {
  static const Index built;
  return built;
}

}  // namespace

ElementId element_id(std::string_view name) { return index().find(name); }

bool is_void(ElementId element) {
  return element != kUnknownElement && kElements[static_cast<std::size_t>(element)].is_void;
}

bool is_refused(ElementId element) {
  return element != kUnknownElement && kElements[static_cast<std::size_t>(element)].refused;
}

bool closes(ElementId opened, ElementId open) {
  if (opened == kUnknownElement || open == kUnknownElement) return false;
  return index().closed_by[static_cast<std::size_t>(open)].test(static_cast<std::size_t>(opened));
}

}  // namespace feedd::detail
