// What `feedd search` accepts, and its translation into a SQL condition.
//
//   climate 气候     every term must occur in the title or the text
//   "Xi Jinping"     a phrase: the characters together, spaces included
//   克里 OR Kerry    either side
//   -sport, NOT sport   must not occur
//   (a OR b) c       grouping; AND may be written, it is implied anyway
//
// A term matches anywhere, inside words too (Chinese has no spaces to tell
// words apart), ignoring the case of ASCII letters. Every term is looked up
// in the one index of characters and bigrams (store/postings/index_tables.h); a
// term longer than two characters is confirmed on the row's text. The
// user's text never becomes SQL: the condition is assembled from fixed
// fragments and every term is a bound parameter.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd {

// A query that does not follow the grammar above. what() says what is wrong
// and at which character (1-based) of the query.
class SearchSyntaxError : public std::invalid_argument {
 public:
  SearchSyntaxError(const std::string& problem, std::size_t column);
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t column_;
};

// A term as the index looks it up (store/postings/index_tables.h).
struct SearchTerm {
  std::string text;
  std::vector<std::string> grams;  // query_grams(text); none: read the text of every row
  bool exact = false;              // the term is its one gram: the index's answer is the answer
  int match_parameter = 0;         // ?N to bind the term's TermMatch to (feedd_term)
};

// Which rows can match at all, as a program over the terms' candidates
// (sure or maybe), run on a stack: term i pushes its candidates; `all`
// pushes every row (a NOT, a term with no grams); `both` and `either` pop
// two and push their intersection or union.
struct BoundStep {
  enum class Op { term, all, both, either } op;
  std::size_t term = 0;
};

struct SearchCondition {
  // A boolean SQL expression over the entries row `e`. Its parameters are
  // numbered ?N from the `first_parameter` given to compile_search.
  std::string sql;
  // One per term, in order: ?N and the term itself, for rows whose text
  // must be read. Each term's match_parameter (not with text_only) is the
  // number before its text's.
  std::vector<std::pair<int, std::string>> parameters;
  std::vector<SearchTerm> terms;  // empty with text_only
  std::vector<BoundStep> bound;
  int next_parameter = 0;  // the first number after the condition's own
};

// At most this many terms, so one query cannot queue unbounded index work.
inline constexpr std::size_t max_search_terms = 32;

// Throws SearchSyntaxError. With `text_only`, every term is tested on
// `e.search_text` alone, for rows no index covers (old versions).
SearchCondition compile_search(std::string_view query, int first_parameter, bool text_only = false);

// Characters (code points) in `text`.
std::size_t character_count(std::string_view text);

}  // namespace feedd
