// Per-source rules naming elements to cut from entry content, written in a
// small subset of CSS: one compound selector per rule, no combinators.
//
//   rule      = [ tag | "*" ] { "#" id | "." class | attribute | contains }
//               (at least one part)
//   attribute = "[" name [ op value ] "]"     op = "=" | "^=" | "*=" | "$="
//   contains  = ":contains(" quoted ")"
//   value     = quoted | unquoted             quoted = "double" | 'single'
//
// Examples: section#imu  div[id^=dfp-ad]  .subscribe  a[href*="feedx.net"]
//           div:contains("获取更多RSS")  :contains('Read more at')
// :contains matches by text: the text the post would show of the element
// (at any depth, entities decoded, less what is cut from inside it, this
// rule's matches included) holds the given text. So it names the smallest
// element around the text, and an ancestor only when the text stands in it
// elsewhere too.
// Whitespace may surround a rule and sit inside brackets, nowhere else.
// Tag and attribute names match case-insensitively, values exactly; .c
// matches one word of the class attribute; ^= *= $= with an empty value match
// nothing, as in CSS. An unquoted value runs to the next space or "]".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedd {

// One attribute of an element as the matcher sees it: names lower-case,
// values with entities decoded.
struct AttributeView {
  std::string_view name;
  std::string_view value;
};

struct AttributeCondition {
  enum class Test { present, equals, starts_with, contains, ends_with, has_word };
  std::string name;  // lower case
  Test test = Test::present;
  std::string value;
};

struct ElementRule {
  std::string text;                            // the rule as written, for logs
  std::string tag;                             // lower case; empty for any element
  std::vector<AttributeCondition> conditions;  // #id and .class included; all must hold
  // :contains texts; the element's text must hold each. Judged by the
  // caller, which has the element's text (see matches_text).
  std::vector<std::string> contained_texts;

  // `tag` lower case, as libxml2's HTML parser reports it. Text conditions
  // are not judged here.
  bool matches(std::string_view element_tag, std::span<const AttributeView> attributes) const;

  // `element_text`, an element's text at any depth, holds every :contains
  // text.
  bool matches_text(std::string_view element_text) const;
};

// Parses each rule; meant to run once per source when the config is loaded.
// Throws std::invalid_argument naming the rule, the 1-based character
// position and what was expected there.
std::vector<ElementRule> parse_element_rules(const std::vector<std::string>& rules);

// True when any of `rules` without :contains matches.
bool any_matches(std::span<const ElementRule> rules, std::string_view element_tag,
                 std::span<const AttributeView> attributes);

}  // namespace feedd
