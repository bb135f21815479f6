// Read-only queries against a store's SQLite file, for checking what feedd
// wrote from outside it. Each opens the file, runs one statement and closes it;
// failing to open or prepare fails the test (REQUIRE).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace feedd::test {

using SqliteTable = std::vector<std::vector<std::string>>;

// Every row, every column as text; NULL reads as "NULL".
SqliteTable sqlite_rows(const std::filesystem::path& database, const std::string& sql);

// The first column of the first row; a missing row fails the test.
std::int64_t sqlite_count(const std::filesystem::path& database, const std::string& sql);
std::string sqlite_text(const std::filesystem::path& database, const std::string& sql);

// The first column of the first row, or "" when there is no row or it is NULL.
std::string sqlite_text_or_empty(const std::filesystem::path& database, const std::string& sql);

}  // namespace feedd::test
