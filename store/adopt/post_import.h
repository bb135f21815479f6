// Adopting a post the old script wrote (`feedd import-posts`): one row that
// points at the existing file, marked imported so that nothing in feedd
// writes that file (ingestion counts the article as unchanged, repair and
// rebuild leave it be). The row carries what dedup needs: the identity is
// the canonical `from:` URL, as a feed entry with that link gets, and the
// URL key of the file's name keeps new posts from taking its site URL.
#pragma once

#include <cstdint>
#include <string>

#include "store/adopt/old_post_reader.h"
#include "store/store.h"

namespace feedd {

enum class ImportOutcome {
  imported,   // a new row now points at the file
  known,      // a row already points at this file (an earlier import, or feedd wrote it)
  duplicate,  // another post already has this URL; this file is kept, not imported
  forgotten,  // `feedd forget` took the URL down; it stays out
};

struct ImportResult {
  ImportOutcome outcome = ImportOutcome::imported;
  std::string other_post;  // duplicate: the post file that has the URL
};

// REQUIRES: a transaction is open on store.database(); `file_name` is the
// post's name inside posts_dir.
ImportResult import_old_post(Store& store, const std::string& file_name, const OldPost& post,
                             std::int64_t source_id, std::int64_t now_ms);

}  // namespace feedd
