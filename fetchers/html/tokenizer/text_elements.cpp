#include "fetchers/html/tokenizer/text_elements.h"

#include <algorithm>
#include <array>

namespace feedd::detail {
namespace {

constexpr std::array<std::string_view, 3> kHiddenElements = {"script", "style", "template"};

constexpr std::array<std::string_view, 33> kSeparatingElements = {
    "address",    "article", "aside",  "blockquote", "br",  "dd", "div", "dl",  "dt",
    "figcaption", "figure",  "footer", "h1",         "h2",  "h3", "h4",  "h5",  "h6",
    "header",     "hr",      "li",     "main",       "nav", "ol", "p",   "pre", "section",
    "table",      "td",      "th",     "title",      "tr",  "ul",
};

template <std::size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool is_hidden_text_element(std::string_view name) { return is_one_of(name, kHiddenElements); }

bool is_separating_text_element(std::string_view name) { return is_one_of(name, kSeparatingElements); }

}  // namespace feedd::detail
