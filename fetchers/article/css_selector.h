// CSS selector lists over libxml2's HTML tree, for `full_text` selectors and
// `feedd extract --selector/--remove`. Internal to feedd_article; callers
// outside use article::check_selector.
//
//   list      = complex { "," complex }
//   complex   = compound { combinator compound }      combinator = white space | ">"
//   compound  = [ tag | "*" ] { "#" id | "." class | attribute | ":not(" list ")" }
//   attribute = "[" name [ op value ] "]"     op = "=" | "~=" | "^=" | "$=" | "*=" | "|="
//   value     = "double-quoted" | 'single-quoted' | unquoted name
//
// Tag and attribute names match case-insensitively, values exactly; .c and
// ~= match one white-space separated word; ^= $= *= with an empty value
// match nothing, as in CSS.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::article::detail {

struct AttributeTest {
  enum class Op { present, equals, word, prefix, suffix, substring, dash_prefix };
  std::string name;  // lower case
  Op op = Op::present;
  std::string value;
};

struct ComplexSelector;

struct CompoundSelector {
  std::string tag;  // lower case; empty for any
  std::vector<AttributeTest> tests;                      // #id and .class included
  std::vector<std::vector<ComplexSelector>> negations;  // each :not(list)
};

struct ComplexSelector {
  std::vector<CompoundSelector> compounds;  // left to right
  std::vector<char> combinators;            // between compounds[i] and [i+1]: ' ' or '>'
};

class SelectorList {
 public:
  // Throws std::invalid_argument("selector \"S\": position N: PROBLEM"),
  // N counting characters from 1.
  static SelectorList parse(std::string_view text);

  bool matches(const xmlNode* element) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<ComplexSelector> alternatives_;
};

// Elements of `root`'s subtree (itself included) matching `selector`, in
// document order, without those inside an earlier match.
std::vector<xmlNode*> outermost_matches(xmlNode* root, const SelectorList& selector);

// Removes from `root`'s subtree (not `root` itself) every element matching one of `selectors`.
void remove_matches(xmlNode* root, const std::vector<SelectorList>& selectors);

}  // namespace feedd::article::detail
