#include "store/search_query.h"

#include <fmt/format.h>

#include "store/search_tokenizer.h"

namespace feedd {
namespace {

enum class Kind { term, phrase, open, close, op_and, op_or, op_not, end };

struct Token {
  Kind kind;
  std::string text;    // the term or phrase, unquoted
  std::size_t column;  // 1-based, in characters
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

class Lexer {
 public:
  explicit Lexer(std::string_view query) : query_(query) {}

  std::vector<Token> tokens() {
    std::vector<Token> out;
    while (true) {
      skip_spaces();
      if (at_ >= query_.size()) break;
      out.push_back(next());
    }
    out.push_back({Kind::end, "", column_ + 1});
    return out;
  }

 private:
  void advance() {
    ++at_;
    while (at_ < query_.size() && is_continuation(query_[at_])) ++at_;
    ++column_;
  }

  void skip_spaces() {
    while (at_ < query_.size() && is_space(query_[at_])) advance();
  }

  Token next() {
    const std::size_t column = column_ + 1;
    const char c = query_[at_];
    if (c == '(' || c == ')') {
      advance();
      return {c == '(' ? Kind::open : Kind::close, "", column};
    }
    if (c == '"') return phrase(column);
    if (c == '-') {
      // "-word" excludes; a lone "-" excludes nothing and is a mistake.
      advance();
      if (at_ >= query_.size() || is_space(query_[at_]) || query_[at_] == ')') {
        throw SearchSyntaxError("\"-\" must be followed by what to exclude, as in -sport", column);
      }
      return {Kind::op_not, "", column};
    }
    return word(column);
  }

  Token phrase(std::size_t column) {
    advance();  // the opening quote
    std::string text;
    while (true) {
      if (at_ >= query_.size()) throw SearchSyntaxError("unterminated quote", column);
      if (query_[at_] == '"') {
        advance();
        if (at_ < query_.size() && query_[at_] == '"') {  // "" is a quote inside a phrase
          text += '"';
          advance();
          continue;
        }
        break;
      }
      const std::size_t start = at_;
      advance();
      text += query_.substr(start, at_ - start);
    }
    if (text.empty()) throw SearchSyntaxError("empty phrase \"\"", column);
    return {Kind::phrase, std::move(text), column};
  }

  Token word(std::size_t column) {
    const std::size_t start = at_;
    while (at_ < query_.size() && !is_space(query_[at_]) && query_[at_] != '(' && query_[at_] != ')' &&
           query_[at_] != '"') {
      advance();
    }
    std::string text(query_.substr(start, at_ - start));
    if (text == "AND") return {Kind::op_and, text, column};
    if (text == "OR") return {Kind::op_or, text, column};
    if (text == "NOT") return {Kind::op_not, text, column};
    return {Kind::term, std::move(text), column};
  }

  std::string_view query_;
  std::size_t at_ = 0;
  std::size_t column_ = 0;
};

// Recursive descent straight to SQL:
//   or  := and { OR and }
//   and := not { [AND] not }
//   not := (NOT | -) not | term | phrase | ( or )
class Parser {
 public:
  Parser(std::vector<Token> tokens, int first_parameter, bool text_only)
      : tokens_(std::move(tokens)), next_parameter_(first_parameter), text_only_(text_only) {}

  SearchCondition parse() {
    if (peek().kind == Kind::end) throw SearchSyntaxError("the query is empty", 1);
    std::string sql = parse_or();
    if (peek().kind == Kind::close) throw SearchSyntaxError("\")\" without a matching \"(\"", peek().column);
    return {std::move(sql), std::move(parameters_), std::move(terms_list_), std::move(bound_), next_parameter_};
  }

 private:
  const Token& peek() const { return tokens_[at_]; }
  const Token& take() { return tokens_[at_++]; }

  bool starts_operand(Kind kind) const {
    return kind == Kind::term || kind == Kind::phrase || kind == Kind::open || kind == Kind::op_not;
  }

  std::string parse_or() {
    std::string sql = parse_and();
    while (peek().kind == Kind::op_or) {
      const Token& op = take();
      if (!starts_operand(peek().kind)) throw SearchSyntaxError("OR must be followed by a term", op.column);
      sql = fmt::format("({} OR {})", sql, parse_and());
      bound_.push_back({BoundStep::Op::either});
    }
    return sql;
  }

  std::string parse_and() {
    std::string sql = parse_not();
    while (true) {
      if (peek().kind == Kind::op_and) {
        const Token& op = take();
        if (!starts_operand(peek().kind)) throw SearchSyntaxError("AND must be followed by a term", op.column);
      } else if (!starts_operand(peek().kind)) {
        return sql;
      }
      sql = fmt::format("({} AND {})", sql, parse_not());
      bound_.push_back({BoundStep::Op::both});
    }
  }

  std::string parse_not() {
    const Token& token = take();
    switch (token.kind) {
      case Kind::op_not:
        if (!starts_operand(peek().kind)) {
          throw SearchSyntaxError("NOT must be followed by what to exclude", token.column);
        }
      {
        std::string inner = parse_not();
          // A NOT bounds nothing: what `inner` pushed, united with every row.
        bound_.push_back({BoundStep::Op::all});
        bound_.push_back({BoundStep::Op::either});
        return fmt::format("(NOT {})", inner);
      }
      case Kind::term:
      case Kind::phrase:
        return term(token);
      case Kind::open: {
        if (peek().kind == Kind::close) throw SearchSyntaxError("empty parentheses", token.column);
        std::string inner = parse_or();
        if (peek().kind != Kind::close) throw SearchSyntaxError("\"(\" is never closed", token.column);
        take();
        return inner;
      }
      case Kind::op_and:
      case Kind::op_or:
        throw SearchSyntaxError(fmt::format("{} must have a term on each side", token.text), token.column);
      case Kind::close:
        throw SearchSyntaxError("\")\" without a matching \"(\"", token.column);
      case Kind::end:
        break;
    }
    throw SearchSyntaxError("the query ends where a term was expected", token.column);
  }

  std::string term(const Token& token) {
    if (++terms_ > max_search_terms) {
      throw SearchSyntaxError(fmt::format("more than {} terms", max_search_terms), token.column);
    }
    // Rows whose text must be read (not indexed yet, edited since, or a
    // long term's candidates) are matched by the same substring test, with
    // ASCII case folded as the index folds it.
    const auto text_test = [](int parameter) {
      return fmt::format("instr(lower(e.search_text), lower(?{})) > 0", parameter);
    };
    std::vector<std::string> grams = query_grams(token.text);
    if (grams.empty() || text_only_) {  // spaces only: no gram to look up
      const int text_parameter = next_parameter_++;
      parameters_.emplace_back(text_parameter, token.text);
      bound_.push_back({BoundStep::Op::all});
      return fmt::format("({})", text_test(text_parameter));
    }
    const int match_parameter = next_parameter_++;
    const int text_parameter = next_parameter_++;
    parameters_.emplace_back(text_parameter, token.text);
    // A term of one or two characters is exactly one gram: the index's
    // answer is the answer. A longer one is the AND of its bigrams, which
    // some rows hold apart: its text confirms each candidate. The walk of
    // the date index asks feedd_term about each row it passes; the text is
    // read only when it answers "maybe" (2).
    const bool exact = grams.size() == 1 && grams.front() == token.text;
    bound_.push_back({BoundStep::Op::term, terms_list_.size()});
    terms_list_.push_back(SearchTerm{token.text, std::move(grams), exact, match_parameter});
    return fmt::format("(CASE feedd_term(?{}, e.id) WHEN 1 THEN 1 WHEN 2 THEN {} ELSE 0 END)", match_parameter,
                       text_test(text_parameter));
  }

  std::vector<SearchTerm> terms_list_;
  std::vector<BoundStep> bound_;
  std::vector<Token> tokens_;
  std::size_t at_ = 0;
  int next_parameter_;
  bool text_only_;
  std::size_t terms_ = 0;
  std::vector<std::pair<int, std::string>> parameters_;
};

}  // namespace

SearchSyntaxError::SearchSyntaxError(const std::string& problem, std::size_t column)
    : std::invalid_argument(fmt::format("{} (at character {})", problem, column)), column_(column) {}

std::size_t character_count(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += is_continuation(c) ? 0 : 1;
  return count;
}

SearchCondition compile_search(std::string_view query, int first_parameter, bool text_only) {
  return Parser(Lexer(query).tokens(), first_parameter, text_only).parse();
}

}  // namespace feedd
