#include "store/full_text/page_update.h"

#include "store/full_text/page_contents.h"

namespace feedd::full_text {

bool carry_page_content(Archive& archive, const std::string& identity, const std::string& page_content,
                        std::int64_t fetched_ms, std::vector<std::string>& errors,
                        std::vector<std::filesystem::path>* written) {
  Store& store = archive.store();
  std::optional<EntryRow> row;
  {
    sqlite::Transaction transaction(store.database());
    row = store.find_entry(identity);
    if (!row || row->imported) return false;
    store.database()
        .prepare("UPDATE page_contents SET page_content = ?2, carries = 'page', fetched_ms = ?3, "
                 "next_attempt_ms = NULL, last_error = NULL WHERE entry_id = ?1")
        .bind(1, row->id)
        .bind(2, page_content)
        .bind(3, fetched_ms)
        .run();
    if (row->content == page_content) {
      // Stored with the article already (its page was fetched before its
      // row was written): the post is as it should be.
      transaction.commit();
      return true;
    }
    // The article is a version of the entry like any edit (issue 15), but it
    // completes the teaser rather than changing the story, so the post
    // carries it whatever the source's update rule.
    store.record_version(row->id, "page", row->title, page_content, fetched_ms);
    row->content = page_content;
    row->post_pending = true;
    store.update_entry(*row);
    transaction.commit();
  }
  archive.write_posts(std::span<const EntryRow>(&*row, 1), errors, written);
  return true;
}

std::string content_after_reprocess(Store& store, std::int64_t entry_id, const std::string& feed_content) {
  const auto page = find_page_content(store, entry_id);
  if (!page) return feed_content;
  if (page->feed_content != feed_content) set_feed_content(store, entry_id, feed_content);
  return page->carries_page && page->page_content ? *page->page_content : feed_content;
}

}  // namespace feedd::full_text
