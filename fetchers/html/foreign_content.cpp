#include "fetchers/html/foreign_content.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <string>

namespace feedd {
namespace {

// Each list is sorted by its lower-case key, which is what libxml2 hands
// over; the second name is the one browsers know.
struct Name {
  std::string_view key;
  std::string_view written;
};

constexpr std::array kSvgElements = std::to_array<Name>({
    {"a", "a"},
    {"circle", "circle"},
    {"defs", "defs"},
    {"desc", "desc"},
    {"ellipse", "ellipse"},
    {"font-face", "font-face"},
    {"font-face-name", "font-face-name"},
    {"font-face-src", "font-face-src"},
    {"g", "g"},
    {"glyph", "glyph"},
    {"hkern", "hkern"},
    {"line", "line"},
    {"lineargradient", "linearGradient"},
    {"marker", "marker"},
    {"metadata", "metadata"},
    {"missing-glyph", "missing-glyph"},
    {"path", "path"},
    {"polygon", "polygon"},
    {"polyline", "polyline"},
    {"radialgradient", "radialGradient"},
    {"rect", "rect"},
    {"stop", "stop"},
    {"svg", "svg"},
    {"switch", "switch"},
    {"text", "text"},
    {"title", "title"},
    {"tspan", "tspan"},
    {"use", "use"},
});

// No animation timing (attributeName, from, to, values, begin...): the
// elements that read them are not kept. No xml:base: it would move where
// relative URLs point.
constexpr std::array kSvgAttributes = std::to_array<Name>({
    {"accent-height", "accent-height"},
    {"alphabetic", "alphabetic"},
    {"arabic-form", "arabic-form"},
    {"ascent", "ascent"},
    {"baseprofile", "baseProfile"},
    {"bbox", "bbox"},
    {"cap-height", "cap-height"},
    {"class", "class"},
    {"clip-rule", "clip-rule"},
    {"color", "color"},
    {"color-rendering", "color-rendering"},
    {"cx", "cx"},
    {"cy", "cy"},
    {"d", "d"},
    {"descent", "descent"},
    {"display", "display"},
    {"dx", "dx"},
    {"dy", "dy"},
    {"fill", "fill"},
    {"fill-opacity", "fill-opacity"},
    {"fill-rule", "fill-rule"},
    {"font-family", "font-family"},
    {"font-size", "font-size"},
    {"font-stretch", "font-stretch"},
    {"font-style", "font-style"},
    {"font-variant", "font-variant"},
    {"font-weight", "font-weight"},
    {"fx", "fx"},
    {"fy", "fy"},
    {"g1", "g1"},
    {"g2", "g2"},
    {"glyph-name", "glyph-name"},
    {"gradienttransform", "gradientTransform"},
    {"gradientunits", "gradientUnits"},
    {"hanging", "hanging"},
    {"height", "height"},
    {"horiz-adv-x", "horiz-adv-x"},
    {"horiz-origin-x", "horiz-origin-x"},
    {"href", "href"},
    {"id", "id"},
    {"ideographic", "ideographic"},
    {"k", "k"},
    {"lang", "lang"},
    {"marker-end", "marker-end"},
    {"marker-mid", "marker-mid"},
    {"marker-start", "marker-start"},
    {"markerheight", "markerHeight"},
    {"markerunits", "markerUnits"},
    {"markerwidth", "markerWidth"},
    {"mathematical", "mathematical"},
    {"name", "name"},
    {"offset", "offset"},
    {"opacity", "opacity"},
    {"orient", "orient"},
    {"origin", "origin"},
    {"overline-position", "overline-position"},
    {"overline-thickness", "overline-thickness"},
    {"panose-1", "panose-1"},
    {"pathlength", "pathLength"},
    {"points", "points"},
    {"preserveaspectratio", "preserveAspectRatio"},
    {"r", "r"},
    {"refx", "refX"},
    {"refy", "refY"},
    {"requiredextensions", "requiredExtensions"},
    {"requiredfeatures", "requiredFeatures"},
    {"rotate", "rotate"},
    {"rx", "rx"},
    {"ry", "ry"},
    {"slope", "slope"},
    {"spreadmethod", "spreadMethod"},
    {"stemh", "stemh"},
    {"stemv", "stemv"},
    {"stop-color", "stop-color"},
    {"stop-opacity", "stop-opacity"},
    {"strikethrough-position", "strikethrough-position"},
    {"strikethrough-thickness", "strikethrough-thickness"},
    {"stroke", "stroke"},
    {"stroke-dasharray", "stroke-dasharray"},
    {"stroke-dashoffset", "stroke-dashoffset"},
    {"stroke-linecap", "stroke-linecap"},
    {"stroke-linejoin", "stroke-linejoin"},
    {"stroke-miterlimit", "stroke-miterlimit"},
    {"stroke-opacity", "stroke-opacity"},
    {"stroke-width", "stroke-width"},
    {"style", "style"},
    {"systemlanguage", "systemLanguage"},
    {"target", "target"},
    {"text-anchor", "text-anchor"},
    {"transform", "transform"},
    {"type", "type"},
    {"u1", "u1"},
    {"u2", "u2"},
    {"underline-position", "underline-position"},
    {"underline-thickness", "underline-thickness"},
    {"unicode", "unicode"},
    {"unicode-range", "unicode-range"},
    {"units-per-em", "units-per-em"},
    {"version", "version"},
    {"viewbox", "viewBox"},
    {"visibility", "visibility"},
    {"width", "width"},
    {"widths", "widths"},
    {"x", "x"},
    {"x-height", "x-height"},
    {"x1", "x1"},
    {"x2", "x2"},
    {"xlink:actuate", "xlink:actuate"},
    {"xlink:arcrole", "xlink:arcrole"},
    {"xlink:href", "xlink:href"},
    {"xlink:role", "xlink:role"},
    {"xlink:show", "xlink:show"},
    {"xlink:title", "xlink:title"},
    {"xlink:type", "xlink:type"},
    {"xml:lang", "xml:lang"},
    {"xml:space", "xml:space"},
    {"y", "y"},
    {"y1", "y1"},
    {"y2", "y2"},
    {"zoomandpan", "zoomAndPan"},
});

// Presentation MathML. Not maction (it switches what is shown on events),
// mglyph (it loads an image), annotation-xml (see the header).
constexpr auto kMathmlElements = std::to_array<std::string_view>({
    "annotation", "maligngroup", "malignmark", "math",     "menclose", "merror",      "mfenced",
    "mfrac",      "mi",          "mlabeledtr", "mlongdiv", "mmultiscripts", "mn",     "mo",
    "mover",      "mpadded",     "mphantom",   "mprescripts", "mroot", "mrow",        "ms",
    "mscarries",  "mscarry",     "msgroup",    "msline",   "mspace",   "msqrt",       "msrow",
    "mstack",     "mstyle",      "msub",       "msubsup",  "msup",     "mtable",      "mtd",
    "mtext",      "mtr",         "munder",     "munderover", "none",   "semantics",
});

// MathML's attributes are all lower case. No src or altimg: images.
constexpr auto kMathmlAttributes = std::to_array<std::string_view>({
    "accent",           "accentunder",      "actiontype",         "align",
    "alignmentscope",   "alttext",          "bevelled",           "charalign",
    "class",            "close",            "columnalign",        "columnlines",
    "columnspacing",    "columnspan",       "columnwidth",        "crossout",
    "decimalpoint",     "denomalign",       "depth",              "dir",
    "display",          "displaystyle",     "edge",               "encoding",
    "equalcolumns",     "equalrows",        "fence",              "fontstyle",
    "fontweight",       "form",             "frame",              "framespacing",
    "groupalign",       "height",           "href",               "id",
    "indentalign",      "indentalignfirst", "indentalignlast",    "indentshift",
    "indentshiftfirst", "indentshiftlast",  "indenttarget",       "infixlinebreakstyle",
    "largeop",          "length",           "linebreak",          "linebreakmultchar",
    "linebreakstyle",   "lineleading",      "linethickness",      "location",
    "longdivstyle",     "lquote",           "lspace",             "mathbackground",
    "mathcolor",        "mathsize",         "mathvariant",        "maxsize",
    "minlabelspacing",  "minsize",          "movablelimits",      "notation",
    "numalign",         "open",             "other",              "overflow",
    "position",         "rowalign",         "rowlines",           "rowspacing",
    "rowspan",          "rquote",           "rspace",             "scriptlevel",
    "scriptminsize",    "scriptsizemultiplier", "selection",      "separator",
    "separators",       "shift",            "side",               "stackalign",
    "stretchy",         "style",            "subscriptshift",     "superscriptshift",
    "symmetric",        "voffset",          "width",
});

std::optional<std::string_view> find_name(std::span<const Name> names, std::string_view key) {
  const auto found = std::lower_bound(names.begin(), names.end(), key,
                                      [](const Name& name, std::string_view wanted) { return name.key < wanted; });
  if (found == names.end() || found->key != key) return std::nullopt;
  return found->written;
}

template <std::size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr bool is_sorted_by_key(std::span<const Name> names) {
  for (std::size_t i = 1; i < names.size(); ++i) {
    if (!(names[i - 1].key < names[i].key)) return false;
  }
  return true;
}
static_assert(is_sorted_by_key(kSvgElements) && is_sorted_by_key(kSvgAttributes), "keys must stay sorted");

bool is_css_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

}  // namespace

Markup markup_of(std::string_view tag, Markup context) {
  if (context == Markup::html && tag == "svg") return Markup::svg;
  if (context == Markup::html && tag == "math") return Markup::mathml;
  return context;
}

Markup children_markup(std::string_view tag, Markup markup) {
  if (markup == Markup::svg && (tag == "desc" || tag == "title")) return Markup::html;
  if (markup == Markup::mathml && (tag == "mi" || tag == "mo" || tag == "mn" || tag == "ms" || tag == "mtext")) {
    return Markup::html;
  }
  return markup;
}

std::optional<std::string_view> foreign_element(Markup markup, std::string_view tag) {
  if (markup == Markup::svg) return find_name(kSvgElements, tag);
  if (markup == Markup::mathml && is_one_of(tag, kMathmlElements)) return tag;
  return std::nullopt;
}

std::optional<std::string_view> foreign_attribute(Markup markup, std::string_view name) {
  if (markup == Markup::svg) return find_name(kSvgAttributes, name);
  if (markup == Markup::mathml) {
    if (is_one_of(name, kMathmlAttributes)) return name;
    if (name == "xlink:href" || name == "xlink:show" || name == "xlink:type") return name;
  }
  return std::nullopt;
}

bool foreign_value_is_safe(std::string_view value) {
  // A CSS escape could spell url( without the letters in a row.
  if (value.find('\\') != std::string_view::npos) return false;
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  for (std::size_t at = lower.find("url("); at != std::string::npos; at = lower.find("url(", at + 4)) {
    std::size_t i = at + 4;
    while (i < lower.size() && (is_css_space(lower[i]) || lower[i] == '"' || lower[i] == '\'')) ++i;
    if (i >= lower.size() || lower[i] != '#') return false;
  }
  return true;
}

std::string_view namespace_uri(Markup markup) {
  switch (markup) {
    case Markup::svg:
      return "http://www.w3.org/2000/svg";
    case Markup::mathml:
      return "http://www.w3.org/1998/Math/MathML";
    case Markup::html:
      break;
  }
  return "http://www.w3.org/1999/xhtml";
}

}  // namespace feedd
