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
// Every connection that writes entries must register it first (the index
// triggers call it); a connection without it, such as the sqlite3 shell,
// can read the store but cannot insert, update or delete entries.
#pragma once

#include "store/sqlite.h"

namespace feedd {

inline constexpr const char* bigram_tokenizer_name = "feedd_bigram";

// Registers feedd_bigram on `db`. Throws SqliteError when the SQLite library
// was built without FTS5.
void register_bigram_tokenizer(sqlite::Database& db);

}  // namespace feedd
