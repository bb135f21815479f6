// What feedd knows about the page of each entry of a full_text source: the
// feed's content and the page's (both kept, whichever the post carries),
// when the page was fetched, and when it is tried again after a failure.
// Kept in the store so retries survive restarts and `feedd once` makes the
// ones due at its clock. Not thread-safe: the writer's Store only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace feedd::full_text {

struct PageContent {
  std::int64_t entry_id = 0;
  std::string page_url;
  std::string feed_content;                 // as the feed gave it (the entry's content before the page's)
  std::optional<std::string> page_content;  // the article extracted, once a fetch gave one
  bool carries_page = false;                // the entry's content (and post) is the page's
  std::optional<std::int64_t> fetched_ms;   // when the page last answered
  int attempts = 0;                         // fetches tried so far
  std::optional<std::int64_t> next_attempt_ms;  // none: nothing more to try
  std::string last_error;
};

// A page to fetch now.
struct DuePage {
  std::int64_t entry_id = 0;
  std::string identity;
  std::string page_url;
  std::string feed_content;
  int attempts = 0;
};

std::optional<PageContent> find_page_content(Store& store, std::int64_t entry_id);

// Records the page of `entry_id`, fetched before the entry was stored
// (record_page_failure or carry_page_content then says how it went); an
// entry already recorded is left as it is.
void add_page(Store& store, std::int64_t entry_id, const std::string& page_url, const std::string& feed_content);

// Records the pages of the entries of `source_id` first seen at
// `first_seen_ms` (by the poll that started then, every part of it) as due
// from `due_ms`; entries already recorded, imported ones and links that are
// not http(s) are left out. Returns how many were added.
int add_new_pages(Store& store, std::int64_t source_id, std::int64_t first_seen_ms, std::int64_t due_ms);

// The pages of the source `source_id` due at `now_ms`, oldest due first.
std::vector<DuePage> due_pages(Store& store, std::int64_t source_id, std::int64_t now_ms, int limit);

// A fetch that gave no better article: the feed's content stays. `next_ms`
// none: no more tries.
void record_page_failure(Store& store, std::int64_t entry_id, int attempts, std::optional<std::int64_t> next_ms,
                         const std::string& error, std::optional<std::int64_t> fetched_ms,
                         const std::optional<std::string>& page_content);

// The feed brought a new version of an entry: its content is the feed's
// content from now on (the page's, if carried, is applied again by the caller).
void set_feed_content(Store& store, std::int64_t entry_id, const std::string& feed_content);

}  // namespace feedd::full_text
