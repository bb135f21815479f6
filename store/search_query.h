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
// in the one index of characters and bigrams (store/search_tokenizer.h);
// a term longer than two characters is confirmed on the row's text. The
// user's text never becomes SQL: the
// condition is assembled from fixed fragments and every term is a bound
// parameter, quoted for FTS5.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
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

struct SearchCondition {
  // A boolean SQL expression over the entries row `e`. Its parameters are
  // numbered ?N from the `first_parameter` given to compile_search.
  std::string sql;
  // Two per term, in order: its FTS5 MATCH expression (for indexed rows) and
  // the term itself (for rows not indexed yet, and to confirm long terms).
  std::vector<std::string> parameters;
};

// At most this many terms, so one query cannot queue unbounded index work.
inline constexpr std::size_t max_search_terms = 32;

// Throws SearchSyntaxError. With `text_only`, every term is tested on
// `e.search_text` alone, for rows no index covers (old versions).
SearchCondition compile_search(std::string_view query, int first_parameter, bool text_only = false);

// Characters (code points) in `text`.
std::size_t character_count(std::string_view text);

}  // namespace feedd
