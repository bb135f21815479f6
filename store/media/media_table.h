// The media tables (schema 7): which entry refers to which image address,
// each address's download (waiting or done, attempts, next attempt, last
// error) and the files stored. An address is downloaded once whichever
// entries and sources refer to it; it is charged to the source that first
// referred to it (its quota, its fetch settings).
//
// REQUIRES: the writer's Store (not thread-safe); each call is its own
// transaction unless the caller holds one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace feedd::media {

// Makes `urls` the addresses entry `entry_id` refers to: references no
// longer in its content are dropped, new addresses wait for a download due
// at `now_ms`, charged to `source_id`.
void set_references(Store& store, std::int64_t entry_id, std::int64_t source_id, const std::vector<std::string>& urls,
                    std::int64_t now_ms);

// Addresses of `source_id` waiting for a download due at `now_ms`, oldest
// due first, at most `limit`.
std::vector<std::string> due_downloads(Store& store, std::int64_t source_id, std::int64_t now_ms, int limit);

// Bytes of the files the source's downloads brought (each file once).
std::uint64_t source_media_bytes(Store& store, std::int64_t source_id);

bool media_file_known(Store& store, const std::string& name);

// The download of `url` done as file `name` (already in media_dir): the
// entries that refer to it are marked pending, so their posts are written
// again (Archive::repair_pending_posts, write_posts); imported ones are left
// alone. Returns how many were marked that were not pending already.
int record_download(Store& store, const std::string& url, const std::string& name, std::uint64_t bytes,
                    std::int64_t now_ms);

// A failed attempt: counted, the error kept, the next try at `retry_ms`.
// Returns the attempts so far.
int record_failed_download(Store& store, const std::string& url, const std::string& error, std::int64_t retry_ms);

int attempts_of(Store& store, const std::string& url);

// The entry's addresses whose files are stored: address -> file name.
std::map<std::string, std::string> local_files_of(Store& store, std::int64_t entry_id);

// local_files_of with its query prepared once, for a caller that asks for
// every post it renders (preparing it each time cost as much as the rest of
// storing an entry). REQUIRES: `store` outlives it.
class LocalFilesQuery {
 public:
  explicit LocalFilesQuery(Store& store) : store_(store) {}
  std::map<std::string, std::string> operator()(std::int64_t entry_id);

 private:
  Store& store_;
  std::optional<sqlite::Statement> query_;  // prepared at the first call
};

}  // namespace feedd::media
