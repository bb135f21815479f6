// Full-text search over the archive.
//
// Each entries row carries search_text: its title and its content with the
// markup stripped, written by Store with the row. feedd's own index reads
// that column (store/postings/index_tables.h, schema 12): for each character and
// each pair of adjacent characters, the rows that hold it.
// A new row is stored unindexed and added to it in a later batch
// (Store::index_search_backlog); a row edited or deleted after indexing is
// noted dirty by the triggers and its text read instead. Search asks the
// index about indexed rows and reads the text of the few not indexed yet,
// so a result never waits for the index.
// The query language is in store/search_query.h.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"

namespace feedd {

// The text indexed for an entry: the (plain-text) title and the content's
// text, on separate lines so that no match spans the two.
std::string searchable_text(std::string_view title, std::string_view content_html);

// searchable_text() made ahead of the writer (on a parsing thread: stripping
// the markup is most of a stored row's CPU), with a fingerprint of the title
// and content it was made from. Whatever changes them later (full text, an
// update rule keeping the shown version) makes it stale, and the writer then
// makes it again: it is only ever a shortcut, never a different answer.
struct PreparedSearchText {
  std::string text;  // empty: none prepared
  std::uint64_t fingerprint = 0;
};
PreparedSearchText prepare_search_text(std::string_view title, std::string_view content_html);
// The prepared text when it was made from this title and content, else
// searchable_text(title, content_html).
std::string searchable_text(const PreparedSearchText& prepared, std::string_view title,
                            std::string_view content_html);

struct SearchRequest {
  std::string query;
  std::optional<std::string> source;  // only this source's entries (by name)
  std::int64_t since_ms = std::numeric_limits<std::int64_t>::min();  // post date >= since
  std::int64_t until_ms = std::numeric_limits<std::int64_t>::max();  // post date < until
  int limit = 20;
  // Also earlier versions of entries (table entry_versions) that differ from
  // what the post shows; read unindexed, as versions are few.
  bool all_versions = false;
};

struct SearchHit {
  std::int64_t id = 0;
  std::string title;
  std::string source;
  std::int64_t date_ms = 0;  // the post's date (D)
  std::string url;
  std::string post_path;  // file name inside posts_dir
  int version = 0;        // 0: the entry as its post shows it; else the version that matched (its title above)
};

// No source has the name a SearchRequest asked for.
class UnknownSourceError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Newest first (by post date, then newest row). Throws SearchSyntaxError for
// a malformed query, UnknownSourceError, and SqliteError.
std::vector<SearchHit> search(sqlite::Database& db, const SearchRequest& request);
// How many entries match `request` in all, ignoring its limit.
std::int64_t count_matches(sqlite::Database& db, const SearchRequest& request);

}  // namespace feedd
