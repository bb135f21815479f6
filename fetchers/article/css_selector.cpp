#include "fetchers/article/css_selector.h"

#include <fmt/format.h>

#include <stdexcept>

#include "fetchers/article/dom.h"

namespace feedd::article::detail {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::vector<ComplexSelector> list(char closing) {
    std::vector<ComplexSelector> alternatives;
    for (;;) {
      skip_space();
      alternatives.push_back(complex(closing));
      skip_space();
      if (at_end() || peek() == closing) return alternatives;
      if (peek() != ',') fail(fmt::format("unexpected '{}'", peek()));
      ++pos_;
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  [[noreturn]] void fail(std::string_view problem) const {
    throw std::invalid_argument(fmt::format("selector \"{}\": position {}: {}", text_, pos_ + 1, problem));
  }

  void expect(char c) {
    if (at_end() || peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }

 private:
  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos_;
  }

  ComplexSelector complex(char closing) {
    ComplexSelector selector;
    selector.compounds.push_back(compound());
    for (;;) {
      const std::size_t before = pos_;
      skip_space();
      if (at_end() || peek() == ',' || peek() == closing) return selector;
      char combinator = ' ';
      if (peek() == '>') {
        combinator = '>';
        ++pos_;
        skip_space();
      } else if (pos_ == before) {
        fail(fmt::format("unexpected '{}'", peek()));
      }
      selector.combinators.push_back(combinator);
      selector.compounds.push_back(compound());
    }
  }

  std::string name(std::string_view what) {
    const std::size_t start = pos_;
    while (!at_end() && (is_name_char(peek()) || (peek() == '\\' && pos_ + 1 < text_.size()))) {
      pos_ += peek() == '\\' ? 2 : 1;
    }
    if (pos_ == start) fail(fmt::format("expected {}", what));
    std::string out;
    for (std::size_t i = start; i < pos_; ++i) {
      if (text_[i] == '\\') ++i;
      out += text_[i];
    }
    return out;
  }

  CompoundSelector compound() {
    CompoundSelector selector;
    bool any = false;
    if (!at_end() && peek() == '*') {
      ++pos_;
      any = true;
    } else if (!at_end() && is_name_char(peek())) {
      selector.tag = lowered(name("a tag name"));
      any = true;
    }
    while (!at_end()) {
      const char c = peek();
      if (c == '#') {
        ++pos_;
        selector.tests.push_back({"id", AttributeTest::Op::equals, name("an id after '#'")});
      } else if (c == '.') {
        ++pos_;
        selector.tests.push_back({"class", AttributeTest::Op::word, name("a class name after '.'")});
      } else if (c == '[') {
        ++pos_;
        selector.tests.push_back(attribute_test());
      } else if (c == ':') {
        pseudo_class(selector);
      } else {
        break;
      }
      any = true;
    }
    if (!any) fail(at_end() ? "expected a selector" : fmt::format("unexpected '{}'", peek()));
    return selector;
  }

  AttributeTest attribute_test() {
    skip_space();
    AttributeTest test;
    test.name = lowered(name("an attribute name"));
    skip_space();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return test;
    }
    test.op = operator_();
    skip_space();
    test.value = value();
    skip_space();
    expect(']');
    return test;
  }

  AttributeTest::Op operator_() {
    using Op = AttributeTest::Op;
    if (at_end()) fail("expected ']' or an operator");
    if (peek() == '=') {
      ++pos_;
      return Op::equals;
    }
    const char first = peek();
    Op op{};
    switch (first) {
      case '~': op = Op::word; break;
      case '^': op = Op::prefix; break;
      case '$': op = Op::suffix; break;
      case '*': op = Op::substring; break;
      case '|': op = Op::dash_prefix; break;
      default: fail(fmt::format("expected ']' or an operator (= ~= ^= $= *= |=), not '{}'", first));
    }
    ++pos_;
    expect('=');
    return op;
  }

  std::string value() {
    if (!at_end() && (peek() == '"' || peek() == '\'')) {
      const char quote = peek();
      const std::size_t open = pos_++;
      const std::size_t close = text_.find(quote, pos_);
      if (close == std::string_view::npos) {
        pos_ = open;
        fail("unterminated quoted value");
      }
      pos_ = close + 1;
      return std::string(text_.substr(open + 1, close - open - 1));
    }
    return name("a value");
  }

  void pseudo_class(CompoundSelector& selector) {
    const std::size_t start = pos_;
    ++pos_;
    std::string pseudo = at_end() || !is_name_char(peek()) ? std::string() : lowered(name("a pseudo-class"));
    if (pseudo != "not" || at_end() || peek() != '(') {
      pos_ = start;
      fail(fmt::format("unsupported pseudo-class ':{}' (only :not(...) is supported)", pseudo));
    }
    ++pos_;
    selector.negations.push_back(list(')'));
    expect(')');
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool has_word(std::string_view list, std::string_view word) {
  if (word.empty()) return false;
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && is_space(list[i])) ++i;
    std::size_t end = i;
    while (end < list.size() && !is_space(list[end])) ++end;
    if (list.substr(i, end - i) == word) return true;
    i = end;
  }
  return false;
}

bool passes(const xmlNode* element, const AttributeTest& test) {
  using Op = AttributeTest::Op;
  bool found = false;
  const std::string_view value = attribute(element, test.name, &found);
  if (!found) return false;
  switch (test.op) {
    case Op::present: return true;
    case Op::equals: return value == test.value;
    case Op::word: return has_word(value, test.value);
    case Op::prefix: return !test.value.empty() && value.starts_with(test.value);
    case Op::suffix: return !test.value.empty() && value.ends_with(test.value);
    case Op::substring: return !test.value.empty() && value.find(test.value) != std::string_view::npos;
    case Op::dash_prefix:
      return value == test.value || (value.starts_with(test.value) && value.size() > test.value.size() &&
                                     value[test.value.size()] == '-');
  }
  return false;
}

bool matches_any(const std::vector<ComplexSelector>& list, const xmlNode* element);

bool matches_compound(const CompoundSelector& selector, const xmlNode* element) {
  if (!selector.tag.empty() && selector.tag != tag_of(element)) return false;
  for (const auto& test : selector.tests) {
    if (!passes(element, test)) return false;
  }
  for (const auto& negation : selector.negations) {
    if (matches_any(negation, element)) return false;
  }
  return true;
}

// Whether compounds[0..last] match with compounds[last] on `element`.
bool matches_from(const ComplexSelector& selector, std::size_t last, const xmlNode* element) {
  if (!matches_compound(selector.compounds[last], element)) return false;
  if (last == 0) return true;
  const char combinator = selector.combinators[last - 1];
  for (const xmlNode* up = parent_element(element); up != nullptr; up = parent_element(up)) {
    if (matches_from(selector, last - 1, up)) return true;
    if (combinator == '>') return false;
  }
  return false;
}

bool matches_any(const std::vector<ComplexSelector>& list, const xmlNode* element) {
  for (const auto& selector : list) {
    if (matches_from(selector, selector.compounds.size() - 1, element)) return true;
  }
  return false;
}

void collect_outermost(xmlNode* node, const SelectorList& selector, std::vector<xmlNode*>& out) {
  if (selector.matches(node)) {
    out.push_back(node);
    return;
  }
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (is_element(child)) collect_outermost(child, selector, out);
  }
}

}  // namespace

SelectorList SelectorList::parse(std::string_view text) {
  Parser parser(text);
  SelectorList result;
  result.text_ = std::string(text);
  result.alternatives_ = parser.list('\0');
  if (!parser.at_end()) parser.fail(fmt::format("unexpected '{}'", parser.peek()));
  return result;
}

bool SelectorList::matches(const xmlNode* element) const {
  return is_element(element) && matches_any(alternatives_, element);
}

std::vector<xmlNode*> outermost_matches(xmlNode* root, const SelectorList& selector) {
  std::vector<xmlNode*> out;
  if (is_element(root)) collect_outermost(root, selector, out);
  return out;
}

void remove_matches(xmlNode* root, const std::vector<SelectorList>& selectors) {
  std::vector<xmlNode*> doomed;
  for (xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (!is_element(child)) continue;
    for (const auto& selector : selectors) collect_outermost(child, selector, doomed);
  }
  // A node matched by two selectors, or inside another's match, is freed once.
  std::vector<xmlNode*> unique;
  for (xmlNode* node : doomed) {
    bool inside = false;
    for (xmlNode* other : doomed) {
      if (other == node) continue;
      for (xmlNode* up = node->parent; up != nullptr; up = up->parent) {
        if (up == other) inside = true;
      }
    }
    bool seen = false;
    for (xmlNode* kept : unique) seen = seen || kept == node;
    if (!inside && !seen) unique.push_back(node);
  }
  for (xmlNode* node : unique) remove_node(node);
}

}  // namespace feedd::article::detail
