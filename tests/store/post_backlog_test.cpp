// The posts owed as a table of their own (schema 15, Store::set_post_pending),
// on real SQLite files and a real posts folder: a store upgraded from
// schema 14 owes exactly the posts it owed, and the next start writes them;
// marking a post done never writes the entry's row; a deleted entry leaves
// the backlog.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "store/archive.h"
#include "store/archive_report.h"
#include "tests/support/process.h"
#include "tests/support/schema_14.h"
#include "tests/support/store_column.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::Archive;
using feedd::GroupedPoll;
using feedd::IncomingEntry;
using feedd::test::column;
using feedd::test::TempDir;
using Ids = std::vector<std::string>;

namespace {

constexpr std::int64_t fetched_ms = 1618628200156;  // 2021-04-17T02:56:40.156Z

std::vector<IncomingEntry> feed_of(const std::string& source, int count) {
  std::vector<IncomingEntry> entries;
  for (int i = 0; i < count; ++i) {
    IncomingEntry entry;
    entry.identity = "https://e.com/" + source + "/" + std::to_string(i);
    entry.url = entry.identity;
    entry.title = source + " 条目 " + std::to_string(i);
    entry.timestamp_ms = fetched_ms - i * 1000;
    entry.content = "<p>正文 " + entry.identity + "</p>";
    entries.push_back(std::move(entry));
  }
  return entries;
}

Archive open_archive(const TempDir& dir) {
  return Archive(dir / "db/feedd.db", dir / "_posts", {{"A", {"A"}, {"A"}}, {"B", {"B"}, {"B"}}});
}

void ingest(Archive& archive, const std::string& source, const std::vector<IncomingEntry>& entries) {
  archive.ingest(source, "https://e.com/" + source + ".xml", entries, fetched_ms, {});
}

Ids ids_of(const std::vector<feedd::EntryRow>& rows) {
  Ids ids;
  for (const auto& row : rows) ids.push_back(std::to_string(row.id));
  return ids;
}

// The posts folder made unwritable (a file in its place): every post fails
// after its row is committed, as a crash before the post sync leaves it.
void block_posts(const TempDir& dir) {
  fs::remove_all(dir / "_posts");
  feedd::test::write_file(dir / "_posts", "not a folder");
}

void unblock_posts(const TempDir& dir) {
  fs::remove(dir / "_posts");
  fs::create_directories(dir / "_posts");
}

}  // namespace

TEST_CASE("A store of schema 14 with posts owed upgrades to 15 owing the same posts, and the next start writes them") {
  TempDir dir;
  const auto database = dir / "db/feedd.db";
  Ids owed;
  std::int64_t b_posts = 0;
  {
    auto archive = open_archive(dir);
    auto& db = archive.store().database();
    block_posts(dir);
    ingest(archive, "B", feed_of("B", 4));  // ids 1-4, owed
    unblock_posts(dir);
    ingest(archive, "A", feed_of("A", 5));  // ids 5-9, posts written
    // A written post owed again (as a finished download or a removal notice
    // marks it), and an owed entry deleted (`forget`): it leaves the backlog.
    archive.store().set_post_pending(archive.store().find_entry("https://e.com/A/1")->id, true);
    archive.store().delete_entry(archive.store().find_entry("https://e.com/B/1")->id);
    owed = column(db, "SELECT id FROM post_backlog ORDER BY id");
    REQUIRE(owed == Ids{"1", "3", "4", "6"});
    REQUIRE(ids_of(archive.store().entries_with_pending_posts()) == owed);
    REQUIRE(feedd::store_totals(db).posts_pending == 4);
    for (const auto& record : feedd::source_records(db)) {
      if (record.name == "B") b_posts = record.posts;
    }
    REQUIRE(b_posts == 0);
    db.execute(std::string(feedd::test::back_to_schema_14_sql));
  }
  {
    // Schema 14 as it was: the flag on the rows, found through its index.
    feedd::sqlite::Database old(database);
    REQUIRE(column(old, "SELECT id FROM entries WHERE post_pending != 0 ORDER BY id") == owed);
    // The plan the step to 15 relies on: the partial index, not the table.
    REQUIRE(column(old, "EXPLAIN QUERY PLAN SELECT id FROM entries WHERE post_pending != 0", 3) ==
            Ids{"SCAN entries USING COVERING INDEX entries_pending"});
  }

  auto archive = open_archive(dir);
  auto& db = archive.store().database();
  CHECK(column(db, "PRAGMA user_version") == Ids{"16"});
  CHECK(column(db, "SELECT id FROM post_backlog ORDER BY id") == owed);
  CHECK(column(db, "SELECT name FROM sqlite_schema WHERE name = 'entries_pending'").empty());
  CHECK(ids_of(archive.store().entries_with_pending_posts()) == owed);
  CHECK(feedd::store_totals(db).posts_pending == 4);
  for (const auto& record : feedd::source_records(db)) {
    if (record.name == "B") CHECK(record.posts == b_posts);
  }
  CHECK(archive.store().find_entry("https://e.com/A/1")->post_pending);
  CHECK_FALSE(archive.store().find_entry("https://e.com/A/0")->post_pending);

  // The start-up repair writes the same posts: the one found in place is
  // kept, the three never written are written.
  const auto repair = archive.repair_pending_posts();
  CHECK(repair.already_in_place == 1);
  CHECK(repair.written == 3);
  CHECK(column(db, "SELECT count(*) FROM post_backlog") == Ids{"0"});
  for (const auto& ref : feedd::post_refs(db)) {
    CHECK_FALSE(ref.pending);
    CHECK(fs::exists(dir / "_posts" / ref.post_path));
  }
  CHECK(feedd::integrity_problems(db).empty());
}

TEST_CASE("A post marked done deletes its backlog row and never writes the entry's row again") {
  TempDir dir;
  auto archive = open_archive(dir);
  auto& db = archive.store().database();
  db.execute(
      "CREATE TEMP TABLE row_writes (id INTEGER); "
      "CREATE TEMP TRIGGER count_row_writes AFTER UPDATE ON entries BEGIN INSERT INTO row_writes VALUES (new.id); END");
  const auto a = feed_of("A", 30);
  std::vector<GroupedPoll> group(1);
  group[0].kind = GroupedPoll::Kind::entries;
  group[0].source_name = "A";
  group[0].source_url = "https://e.com/A.xml";
  group[0].entries = a;
  group[0].fetched_ms = fetched_ms;
  group[0].fetch = {fetched_ms, 120, 200, 4096, ""};
  archive.ingest_group(group);
  REQUIRE(group[0].error.empty());
  REQUIRE(group[0].outcome.posts_written == 30);
  // Posts durable in place, marks deferred to the next transaction.
  CHECK(column(db, "SELECT count(*) FROM post_backlog") == Ids{"30"});
  // The column of schema 1 is no longer written, even while posts are owed.
  CHECK(column(db, "SELECT count(*) FROM entries WHERE post_pending != 0") == Ids{"0"});
  archive.clear_deferred_marks();
  CHECK(column(db, "SELECT count(*) FROM post_backlog") == Ids{"0"});
  CHECK(column(db, "SELECT count(*) FROM row_writes") == Ids{"0"});

  // A row deleted by any statement takes its backlog row with it.
  archive.store().set_post_pending(3, true);
  db.execute("DELETE FROM entries WHERE id = 3");
  CHECK(column(db, "SELECT count(*) FROM post_backlog") == Ids{"0"});
}
