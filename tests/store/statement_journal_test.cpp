// The writer's statements for a new entry keep no SQLite statement journal
// (schema 16; BENCHMARKS.md, target 4), on real SQLite files. SQLite keeps
// one for a statement that writes through a trigger (or several rows) and
// may abort; it lives in memory until it passes a threshold and then in a
// file in /var/tmp, about 30 writes an entry into a store of 1,000,000 rows.
// Here the threshold is 0, so that every statement journal SQLite starts
// opens its file at once, and a VFS that counts those opens tells.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/archive.h"
#include "store/sqlite.h"
#include "tests/support/grouped_poll.h"
#include "tests/support/schema_14.h"
#include "tests/support/store_column.h"
#include "tests/support/temp_dir.h"

using feedd::Archive;
using feedd::GroupedPoll;
using feedd::IncomingEntry;
using feedd::test::column;
using feedd::test::TempDir;

namespace {

constexpr std::int64_t fetched_ms = 1618628200156;

int subjournals_opened = 0;
sqlite3_vfs* system_vfs = nullptr;
sqlite3_vfs counting_vfs{};

int open_counting(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_SUBJOURNAL) != 0) ++subjournals_opened;
  return system_vfs->xOpen(system_vfs, name, file, flags, out_flags);
}

// While it lives: statement journals go to a file from their first page, and
// every connection opened meanwhile counts the files it opens for them.
class CountedSubjournals {
 public:
  CountedSubjournals() {
    REQUIRE(sqlite3_shutdown() == SQLITE_OK);
    REQUIRE(sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 0) == SQLITE_OK);
    REQUIRE(sqlite3_initialize() == SQLITE_OK);
    system_vfs = sqlite3_vfs_find(nullptr);
    counting_vfs = *system_vfs;
    counting_vfs.zName = "feedd-counting";
    counting_vfs.xOpen = open_counting;
    REQUIRE(sqlite3_vfs_register(&counting_vfs, 1) == SQLITE_OK);
    subjournals_opened = 0;
  }
  ~CountedSubjournals() {
    sqlite3_vfs_unregister(&counting_vfs);
    sqlite3_shutdown();
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 64 * 1024);
    sqlite3_initialize();
  }
  CountedSubjournals(const CountedSubjournals&) = delete;
  CountedSubjournals& operator=(const CountedSubjournals&) = delete;
};

std::vector<IncomingEntry> feed_of(const std::string& source, int from, int count) {
  std::vector<IncomingEntry> entries;
  for (int i = from; i < from + count; ++i) {
    IncomingEntry entry;
    entry.identity = "https://e.com/" + source + "/" + std::to_string(i);
    entry.url = entry.identity;
    entry.title = source + " 条目 " + std::to_string(i);
    entry.timestamp_ms = fetched_ms - i * 1000;
    // Rows of several pages each, as real ones are: content and raw item.
    entry.content = "<p>" + std::string(3000 + i, 'x') + "</p>";
    entry.raw_item = "<item>" + std::string(2000, 'r') + "</item>";
    entries.push_back(std::move(entry));
  }
  return entries;
}

void ingest_alone(Archive& archive, const std::string& source, std::span<const IncomingEntry> entries) {
  std::vector<GroupedPoll> polls;
  polls.push_back(feedd::test::entries_poll(source, entries, fetched_ms));
  archive.ingest_group(polls);
  REQUIRE(polls[0].error.empty());
  REQUIRE(polls[0].outcome.new_entries == static_cast<int>(entries.size()));
}

Archive open_archive(const TempDir& dir) {
  return Archive(dir / "db/feedd.db", dir / "_posts", {{"A", {"A"}, {"A"}}, {"B", {"B"}, {"B"}}});
}

}  // namespace

TEST_CASE("A new entry is stored with no statement journal, into a store that has rows already") {
  TempDir dir;
  const auto first = feed_of("A", 0, 200);
  CountedSubjournals counted;
  auto archive = open_archive(dir);
  ingest_alone(archive, "A", first);
  auto& store = archive.store();
  const std::int64_t source = store.source_id("B", "https://e.com/B.xml");
  // As the writer stores a poll's new entries (Archive::store_rows): the
  // row, its id in the search backlog, and its post owed, in the group's
  // transaction. (The poll's source and fetch record are one statement each
  // a poll, not counted here.)
  subjournals_opened = 0;
  feedd::sqlite::Transaction transaction(store.database());
  for (const auto& entry : feed_of("B", 0, 200)) {
    feedd::EntryRow row;
    row.identity = entry.identity;
    row.source_id = source;
    row.url = entry.url;
    row.title = entry.title;
    row.timestamp_ms = row.date_ms = entry.timestamp_ms.value_or(0);
    row.has_own_timestamp = true;
    row.first_seen_ms = fetched_ms;
    row.content = entry.content;
    row.raw_item = entry.raw_item;
    row.post_path = "2021-04-17-b-" + std::to_string(entry.timestamp_ms.value_or(0)) + ".md";
    row.post_pending = true;
    store.insert_entry(row);
  }
  transaction.commit();
  CHECK(subjournals_opened == 0);
  // Each row is there once, in the search backlog, its post owed.
  auto& db = store.database();
  CHECK(column(db, "SELECT count(*) FROM entries") == std::vector<std::string>{"400"});
  CHECK(column(db, "SELECT count(*) FROM search_backlog") == std::vector<std::string>{"400"});
  CHECK(column(db, "SELECT count(*) FROM entries WHERE id NOT IN (SELECT id FROM search_backlog)") ==
        std::vector<std::string>{"0"});
  CHECK(column(db, "SELECT count(*) FROM post_backlog WHERE id IN (SELECT id FROM entries WHERE title LIKE 'B %')") ==
        std::vector<std::string>{"200"});
}

TEST_CASE("A store of schema 14 or 15 loses its insert trigger, keeps its backlog, and new rows still join it") {
  TempDir dir;
  const auto first = feed_of("A", 0, 5);
  std::vector<std::string> backlog;
  {
    auto archive = open_archive(dir);
    ingest_alone(archive, "A", first);
    REQUIRE(archive.store().index_search_backlog(2) == 2);
    auto& db = archive.store().database();
    backlog = column(db, "SELECT id FROM search_backlog ORDER BY id");
    REQUIRE(backlog == std::vector<std::string>{"3", "4", "5"});
    db.execute(std::string(feedd::test::back_to_schema_14_sql));
    REQUIRE(column(db, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name = 'search_backlog_insert'") ==
            std::vector<std::string>{"search_backlog_insert"});
  }
  auto archive = open_archive(dir);
  auto& db = archive.store().database();
  CHECK(column(db, "PRAGMA user_version") == std::vector<std::string>{std::to_string(feedd::Store::schema_version)});
  CHECK(column(db, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'entries' AND "
                   "sql LIKE '%AFTER INSERT%'")
            .empty());
  CHECK(column(db, "SELECT id FROM search_backlog ORDER BY id") == backlog);
  const auto more = feed_of("B", 0, 2);
  ingest_alone(archive, "B", more);
  CHECK(column(db, "SELECT id FROM search_backlog ORDER BY id") == std::vector<std::string>{"3", "4", "5", "6", "7"});
  CHECK(archive.store().index_search_backlog(10) == 5);
  CHECK(archive.store().search_backlog() == 0);
}
