// The FTS5 tokenizer behind searches for one or two characters.
//
// SQLite's trigram tokenizer answers substrings of three or more characters,
// which covers most queries, but Chinese words are often two characters
// (气候, 克里) and a trigram index cannot match those. "feedd_bigram" indexes
// every pair of adjacent characters plus the last character of each run
// between spaces, so:
//   - a two-character substring is exactly one token;
//   - a one-character substring is a token prefix (the table keeps a
//     one-character prefix index, so that is one lookup too).
// ASCII letters are folded to lower case, like the trigram index folds them.
//
// Schema 4 keeps one index, and its tokenizer is "feedd_bigram unigrams":
// every character and every bigram of a document, each distinct one once
// (the index is detail=none: it knows which rows hold a token, nothing
// more). A one-character term is then one token, a two-character term one
// token, and a longer term the AND of its bigrams, which finds every row
// holding it and some that do not: search confirms those on the text
// (store/search_query.cpp). query_grams() splits a term the same way.
//
// Since schema 12 (store/postings/index_tables.h) no table uses it; it stays for the
// migration steps of schemas 2-10, whose triggers call it while an old
// store is upgraded. query_grams() is what search still uses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"

namespace feedd {

inline constexpr const char* bigram_tokenizer_name = "feedd_bigram";

// Registers feedd_bigram on `db`. Throws SqliteError when the SQLite library
// was built without FTS5.
void register_bigram_tokenizer(sqlite::Database& db);

// The distinct tokens a row must hold to contain `term`: a run between
// spaces of one character is that character, a longer run its bigrams.
// Each is one or two characters, ready to be quoted for MATCH; none for a
// term of spaces only.
std::vector<std::string> query_grams(std::string_view term);

}  // namespace feedd
