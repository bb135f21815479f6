// The takedown list (table `forgotten`, written by `feedd forget`): read and
// undone here. Ingest consults it through Store::is_forgotten.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/sqlite.h"

namespace feedd {

struct ForgottenEntry {
  std::string identity;  // what ingest compares: canonical link, guid or hash
  std::string url;       // the entry's link when it was forgotten
  std::int64_t forgotten_ms = 0;
};

// Newest first.
std::vector<ForgottenEntry> forgotten_entries(sqlite::Database& db);

// Takes the entries whose identity or link is one of `keys` off the list and
// clears every source's HTTP validators, so the next poll of each feed is a
// full fetch and a feed still carrying such an entry stores it again (a 304
// would otherwise skip it). Returns the entries restored. One transaction.
std::vector<ForgottenEntry> unforget(sqlite::Database& db, const std::vector<std::string>& keys);

}  // namespace feedd
