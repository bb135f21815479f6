#include "store/adopt/post_import.h"

namespace feedd {

ImportResult import_old_post(Store& store, const std::string& file_name, const OldPost& post,
                             std::int64_t source_id, std::int64_t now_ms) {
  // No real row has an empty identity: "" asks whether any row owns the name.
  if (store.post_path_taken(file_name, "")) return {ImportOutcome::known, {}};
  if (store.is_forgotten(post.identity)) return {ImportOutcome::forgotten, {}};
  if (auto existing = store.find_entry(post.identity)) return {ImportOutcome::duplicate, existing->post_path};
  EntryRow row;
  row.identity = post.identity;
  row.source_id = source_id;
  row.url = post.url;
  row.title = post.title;
  row.timestamp_ms = post.timestamp_ms;
  row.has_own_timestamp = true;
  row.first_seen_ms = now_ms;
  row.date_ms = post.date_ms;
  row.content = post.content;
  row.post_path = file_name;
  row.imported = true;
  store.insert_entry(row);
  return {ImportOutcome::imported, {}};
}

}  // namespace feedd
