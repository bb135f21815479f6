#include "fetchers/html/element_rules.h"

#include <algorithm>
#include <stdexcept>

namespace feedd {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// CSS identifier characters, minus escapes; bytes of non-ASCII UTF-8 count,
// as in CSS. Leading digits are allowed too: HTML ids like "123" are common
// and CSS's escape for them would only confuse.
bool is_name_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         byte >= 0x80;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return ascii_lower(c); });
  return lower;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool has_word(std::string_view list, std::string_view word) {
  std::size_t start = 0;
  while (start < list.size()) {
    while (start < list.size() && is_space(list[start])) ++start;
    std::size_t end = start;
    while (end < list.size() && !is_space(list[end])) ++end;
    if (end > start && list.substr(start, end - start) == word) return true;
    start = end;
  }
  return false;
}

bool holds(const AttributeCondition& condition, std::string_view value) {
  using Test = AttributeCondition::Test;
  const std::string_view wanted = condition.value;
  switch (condition.test) {
    case Test::present:
      return true;
    case Test::equals:
      return value == wanted;
    case Test::starts_with:
      return !wanted.empty() && value.starts_with(wanted);
    case Test::contains:
      return !wanted.empty() && value.find(wanted) != std::string_view::npos;
    case Test::ends_with:
      return !wanted.empty() && value.ends_with(wanted);
    case Test::has_word:
      return has_word(value, wanted);
  }
  return false;
}

bool holds(const AttributeCondition& condition, std::span<const AttributeView> attributes) {
  return std::any_of(attributes.begin(), attributes.end(), [&](const AttributeView& attribute) {
    return equals_ignoring_case(attribute.name, condition.name) && holds(condition, attribute.value);
  });
}

// Reads one rule left to right; every failure names the rule and where in it
// reading stopped, since the operator has to find the mistake in a config.
class RuleParser {
 public:
  explicit RuleParser(std::string_view rule) : rule_(rule), end_(rule.size()) {
    while (position_ < end_ && is_space(rule_[position_])) ++position_;
    while (end_ > position_ && is_space(rule_[end_ - 1])) --end_;
  }

  ElementRule parse() {
    ElementRule parsed;
    parsed.text = std::string(rule_.substr(position_, end_ - position_));
    if (at_end()) fail("the rule is empty: expected a tag, #id, .class or [attribute]");
    if (peek() == '*') {
      ++position_;
      if (at_end()) fail("'*' alone would cut everything: expected #id, .class or [attribute] after it");
    } else if (is_name_char(peek())) {
      parsed.tag = ascii_lower(name("a tag name"));
    }
    while (!at_end()) {
      if (rule_.substr(position_, end_ - position_).starts_with(":contains(")) {
        parsed.contained_texts.push_back(contained_text());
      } else {
        parsed.conditions.push_back(condition());
      }
    }
    return parsed;
  }

 private:
  AttributeCondition condition() {
    using Test = AttributeCondition::Test;
    const char c = peek();
    if (c == '#' || c == '.') {
      ++position_;
      std::string value(name(c == '#' ? "an id after '#'" : "a class name after '.'"));
      return {c == '#' ? "id" : "class", c == '#' ? Test::equals : Test::has_word, std::move(value)};
    }
    if (c == '[') return attribute();
    if (is_space(c)) {
      fail("combinators are not supported: a rule matches one element, so no spaces between its parts");
    }
    if (c == '>' || c == '+' || c == '~') fail("combinators are not supported: a rule matches one element");
    if (c == ':') fail("pseudo-classes (:has, :not, ...) are not supported");  // :contains is read by parse()
    if (c == ',') fail("one selector per rule: write each as its own string");
    fail(std::string("expected #id, .class or [attribute], not '") + c + "'");
  }

  std::string contained_text() {
    position_ += 10;  // ":contains("
    skip_spaces();
    if (at_end() || (peek() != '"' && peek() != '\'')) fail("expected a quoted text after ':contains('");
    std::string text = value();
    if (text.empty()) fail(":contains needs some text: an empty one would match every element");
    skip_spaces();
    if (at_end() || peek() != ')') fail("expected ')' to close :contains");
    ++position_;
    return text;
  }

  AttributeCondition attribute() {
    ++position_;  // '['
    skip_spaces();
    AttributeCondition parsed;
    parsed.name = ascii_lower(name("an attribute name after '['"));
    skip_spaces();
    if (!at_end() && peek() != ']') {
      parsed.test = test();
      skip_spaces();
      parsed.value = value();
      skip_spaces();
    }
    if (at_end() || peek() != ']') fail("expected ']' to close the attribute");
    ++position_;
    return parsed;
  }

  AttributeCondition::Test test() {
    using Test = AttributeCondition::Test;
    const char c = peek();
    if (c == '=') {
      ++position_;
      return Test::equals;
    }
    if ((c == '^' || c == '*' || c == '$') && position_ + 1 < end_ && rule_[position_ + 1] == '=') {
      position_ += 2;
      return c == '^' ? Test::starts_with : c == '*' ? Test::contains : Test::ends_with;
    }
    fail("expected ']' or one of = ^= *= $=");
  }

  std::string value() {
    if (at_end()) fail("expected a value");
    const char quote = peek();
    if (quote == '"' || quote == '\'') {
      const std::size_t close = rule_.find(quote, position_ + 1);
      if (close == std::string_view::npos || close >= end_) fail(std::string("expected a closing ") + quote);
      std::string quoted(rule_.substr(position_ + 1, close - position_ - 1));
      position_ = close + 1;
      return quoted;
    }
    const std::size_t start = position_;
    while (!at_end() && !is_space(peek()) && peek() != ']' && peek() != '[' && peek() != '"' &&
           peek() != '\'') {
      ++position_;
    }
    if (position_ == start) fail("expected a value (quote it if it is empty or holds spaces)");
    return std::string(rule_.substr(start, position_ - start));
  }

  std::string_view name(const char* what) {
    const std::size_t start = position_;
    while (!at_end() && is_name_char(peek())) ++position_;
    if (position_ == start) fail(std::string("expected ") + what);
    return rule_.substr(start, position_ - start);
  }

  void skip_spaces() {
    while (!at_end() && is_space(peek())) ++position_;
  }

  bool at_end() const { return position_ >= end_; }
  char peek() const { return rule_[position_]; }

  // Counted in characters, not bytes, so a position in a rule holding
  // Chinese text matches what an editor shows.
  std::size_t column() const {
    const auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    const auto before = rule_.substr(0, position_);
    return static_cast<std::size_t>(
               std::count_if(before.begin(), before.end(), [&](char c) { return !continuation(c); })) +
           1;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::invalid_argument("remove rule \"" + std::string(rule_) + "\": at character " +
                                std::to_string(column()) + ": " + problem);
  }

  std::string_view rule_;
  std::size_t end_;  // rule_ without trailing whitespace
  std::size_t position_ = 0;
};

}  // namespace

bool ElementRule::matches(std::string_view element_tag, std::span<const AttributeView> attributes) const {
  if (!tag.empty() && !equals_ignoring_case(tag, element_tag)) return false;
  return std::all_of(conditions.begin(), conditions.end(),
                     [&](const AttributeCondition& condition) { return holds(condition, attributes); });
}

bool ElementRule::matches_text(std::string_view element_text) const {
  return std::all_of(contained_texts.begin(), contained_texts.end(),
                     [&](const std::string& wanted) { return element_text.find(wanted) != std::string_view::npos; });
}

std::vector<ElementRule> parse_element_rules(const std::vector<std::string>& rules) {
  std::vector<ElementRule> parsed;
  parsed.reserve(rules.size());
  for (const auto& rule : rules) parsed.push_back(RuleParser(rule).parse());
  return parsed;
}

bool any_matches(std::span<const ElementRule> rules, std::string_view element_tag,
                 std::span<const AttributeView> attributes) {
  return std::any_of(rules.begin(), rules.end(), [&](const ElementRule& rule) {
    return rule.contained_texts.empty() && rule.matches(element_tag, attributes);
  });
}

}  // namespace feedd
