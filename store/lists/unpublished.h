// Posts written but not yet published by the [publish] hook, kept in the
// store (table `unpublished`, schema 4) so that a failed or interrupted
// publish is offered again by the next `once` or `run`, not only by the next
// batch of the same process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "store/sqlite.h"

namespace feedd {

// Adds `paths` (already known ones keep their first date), in one transaction.
void remember_unpublished(sqlite::Database& db, const std::vector<std::filesystem::path>& paths,
                          std::int64_t now_ms);
// The hook took `paths`: they are no longer owed.
void forget_published(sqlite::Database& db, const std::vector<std::filesystem::path>& paths);
// Everything still owed, oldest first.
std::vector<std::filesystem::path> unpublished_posts(sqlite::Database& db);

}  // namespace feedd
