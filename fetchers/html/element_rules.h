// Per-source rules naming elements to cut from entry content, written in a
// small subset of CSS: one compound selector per rule, no combinators.
//
//   rule      = [ tag | "*" ] { "#" id | "." class | attribute }   (at least one part)
//   attribute = "[" name [ op value ] "]"     op = "=" | "^=" | "*=" | "$="
//   value     = "double-quoted" | 'single-quoted' | unquoted
//
// Examples: section#imu  div[id^=dfp-ad]  .subscribe  a[href*="feedx.net"]
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

  // `tag` lower case, as libxml2's HTML parser reports it.
  bool matches(std::string_view element_tag, std::span<const AttributeView> attributes) const;
};

// Parses each rule; meant to run once per source when the config is loaded.
// Throws std::invalid_argument naming the rule, the 1-based character
// position and what was expected there.
std::vector<ElementRule> parse_element_rules(const std::vector<std::string>& rules);

// True when any of `rules` matches.
bool any_matches(std::span<const ElementRule> rules, std::string_view element_tag,
                 std::span<const AttributeView> attributes);

}  // namespace feedd
