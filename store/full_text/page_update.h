// The one way an entry's content changes to its page's article, and back to
// what reprocess makes of its feed item. Everything that follows an entry's
// content sees the change because it goes through the archive's own path:
// the row updated and marked pending, its post rendered (Archive::render)
// and written atomically (Archive::write_posts), the search index told by
// the row's trigger, the written path handed to the publish hook. A hook
// that must see every content change (versions) belongs here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/archive.h"

namespace feedd::full_text {

// The entry `identity` now carries `page_content`, the article from its page
// fetched at `fetched_ms`: recorded in page_contents (the feed's content
// stays there), the row's content replaced, its post rewritten (unless the
// row already carries exactly that content: then nothing is written). Returns
// false, changing nothing, when the entry is gone or was imported (feedd
// never writes an imported post). A post that cannot be written is added to
// `errors`; its row stays pending for repair.
bool carry_page_content(Archive& archive, const std::string& identity, const std::string& page_content,
                        std::int64_t fetched_ms, std::vector<std::string>& errors,
                        std::vector<std::filesystem::path>* written = nullptr);

// For reprocess: the content the entry's row keeps when its feed item,
// normalised again, gives `feed_content`. An entry carrying its page's
// article keeps it (the new feed content is remembered beside it); any other
// gets `feed_content`.
std::string content_after_reprocess(Store& store, std::int64_t entry_id, const std::string& feed_content);

}  // namespace feedd::full_text
