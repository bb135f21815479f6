// The search backlog as a table of its own (schema 14,
// store/postings/search_backlog.h), on real SQLite files: a store upgraded
// from schema 13 searches and indexes exactly as before, the triggers keep
// the table right for every write, and a row committed but never indexed
// (the process killed in between) is found by its text and indexed later.
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "store/archive.h"
#include "store/search.h"
#include "store/archive_report.h"
#include "tests/support/schema_14.h"
#include "tests/support/store_column.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::Archive;
using feedd::IncomingEntry;
using feedd::test::column;
using feedd::test::TempDir;

namespace {

constexpr std::int64_t fetched_ms = 1618628200156;  // 2021-04-17T02:56:40.156Z
const std::vector<std::string> titles = {"克里抵达上海", "韩正会见克里", "Climate talks resume", "气候变化对话",
                                         "拜登寻求合作", "上海气候峰会"};

std::vector<IncomingEntry> news() {
  std::vector<IncomingEntry> entries;
  for (std::size_t i = 0; i < titles.size(); ++i) {
    IncomingEntry entry;
    entry.identity = "https://e.com/news/" + std::to_string(i);
    entry.url = entry.identity;
    entry.title = titles[i];
    entry.timestamp_ms = fetched_ms - static_cast<std::int64_t>(i) * 60'000;
    entry.content = "<p>第" + std::to_string(i) + "条 " + titles[i] + "</p>";
    entries.push_back(std::move(entry));
  }
  return entries;
}

Archive open_archive(const TempDir& dir) { return Archive(dir / "db/feedd.db", dir / "_posts", {{"A", {}, {}}}); }

void ingest(Archive& archive, const std::vector<IncomingEntry>& entries) {
  archive.ingest("A", "https://e.com/a.xml", entries, fetched_ms, {});
}

std::vector<std::string> found(feedd::sqlite::Database& db, const std::string& query) {
  feedd::SearchRequest request;
  request.query = query;
  std::vector<std::string> hits;
  for (const auto& hit : feedd::search(db, request)) hits.push_back(hit.title);
  return hits;
}

// Every answer the archive gives, for terms of one, two and more characters.
std::vector<std::vector<std::string>> answers(feedd::sqlite::Database& db) {
  std::vector<std::vector<std::string>> all;
  for (const std::string query : {"克", "克里", "上海", "克里抵达", "气候", "Climate", "talks", "改", "改过的",
                                  "第3条", "合作", "-克 上海", "气候 OR 克里"}) {
    all.push_back(found(db, query));
  }
  return all;
}

// Schema 13 kept the backlog in each row's search_indexed flag, found
// through a partial index, and its triggers set the flag back.
constexpr const char* back_to_schema_13_sql = R"sql(
  DROP TRIGGER search_backlog_insert;
  DROP TRIGGER search_dirty_delete;
  DROP TRIGGER search_dirty_update;
  UPDATE entries SET search_indexed = (id NOT IN (SELECT id FROM search_backlog));
  DROP TABLE search_backlog;
  CREATE INDEX entries_unindexed ON entries(id) WHERE search_indexed = 0;
  CREATE TRIGGER search_dirty_delete AFTER DELETE ON entries WHEN old.search_indexed BEGIN
    INSERT OR IGNORE INTO search_dirty (id) VALUES (old.id);
  END;
  CREATE TRIGGER search_dirty_update AFTER UPDATE OF search_text, search_indexed ON entries
  WHEN old.search_indexed AND (NOT new.search_indexed OR old.search_text != new.search_text) BEGIN
    INSERT OR IGNORE INTO search_dirty (id) VALUES (old.id);
    UPDATE entries SET search_indexed = 0 WHERE id = new.id AND search_indexed;
  END;
  PRAGMA user_version = 13;
)sql";

}  // namespace

TEST_CASE("A store of schema 13 keeps its backlog and dirty rows and searches and indexes as before") {
  TempDir dir;
  const auto database = dir / "db/feedd.db";
  std::vector<std::vector<std::string>> before;
  std::vector<std::string> chunks_before;
  {
    auto archive = open_archive(dir);
    ingest(archive, news());
    auto& db = archive.store().database();
    // Four rows indexed, one of them edited since (dirty and waiting again),
    // another deleted (dirty), two never indexed.
    REQUIRE(archive.store().index_search_backlog(4) == 4);
    db.execute("UPDATE entries SET search_text = '改过的标题' WHERE title = '韩正会见克里'");
    db.execute("DELETE FROM entries WHERE title = 'Climate talks resume'");
    REQUIRE(column(db, "SELECT id FROM search_backlog ORDER BY id") == std::vector<std::string>{"2", "5", "6"});
    REQUIRE(column(db, "SELECT id FROM search_dirty ORDER BY id") == std::vector<std::string>{"2", "3"});
    before = answers(db);
    CHECK(found(db, "改过的") == std::vector<std::string>{"韩正会见克里"});
    CHECK(found(db, "韩正").empty());
    CHECK(found(db, "talks").empty());
    chunks_before = column(db, "SELECT hex(postings) FROM search_chunks ORDER BY run, first_key");
    db.execute(std::string(feedd::test::back_to_schema_14_sql));
    db.execute(back_to_schema_13_sql);
  }
  {
    feedd::sqlite::Database old(database);
    REQUIRE(column(old, "SELECT id FROM entries WHERE search_indexed = 0 ORDER BY id") ==
            std::vector<std::string>{"2", "5", "6"});
  }

  auto archive = open_archive(dir);
  auto& db = archive.store().database();
  CHECK(column(db, "PRAGMA user_version") == std::vector<std::string>{std::to_string(feedd::Store::schema_version)});
  CHECK(column(db, "SELECT id FROM search_backlog ORDER BY id") == std::vector<std::string>{"2", "5", "6"});
  CHECK(column(db, "SELECT id FROM search_dirty ORDER BY id") == std::vector<std::string>{"2", "3"});
  CHECK(column(db, "SELECT hex(postings) FROM search_chunks ORDER BY run, first_key") == chunks_before);
  CHECK(column(db, "SELECT name FROM sqlite_schema WHERE name = 'entries_unindexed'").empty());
  CHECK(archive.store().search_backlog() == 3);
  CHECK(answers(db) == before);

  // The backlog is indexed as before, with the same answers.
  CHECK(archive.store().index_search_backlog(2) == 2);
  CHECK(archive.store().index_search_backlog(2) == 1);
  CHECK(archive.store().search_backlog() == 0);
  CHECK(answers(db) == before);
  CHECK(feedd::integrity_problems(db).empty());

  SUBCASE("a row stored after the upgrade waits in the backlog and is found meanwhile") {
    auto more = news();
    more.resize(1);
    more[0].identity = more[0].url = "https://e.com/news/late";
    more[0].title = "迟到的克里";
    ingest(archive, more);
    CHECK(column(db, "SELECT id FROM search_backlog") == std::vector<std::string>{"7"});
    CHECK(found(db, "迟到").size() == 1);
    CHECK(archive.store().index_search_backlog(10) == 1);
    CHECK(found(db, "迟到").size() == 1);
    CHECK(archive.store().search_backlog() == 0);
  }
  SUBCASE("an indexed row edited goes back to the backlog and is noted dirty once") {
    db.execute("UPDATE entries SET search_text = '又改了' WHERE id = 5");
    db.execute("UPDATE entries SET search_text = '再改一次' WHERE id = 5");
    CHECK(column(db, "SELECT id FROM search_backlog") == std::vector<std::string>{"5"});
    CHECK(column(db, "SELECT id FROM search_dirty ORDER BY id") == std::vector<std::string>{"2", "3", "5"});
    CHECK(found(db, "拜登").empty());
    CHECK(found(db, "又改").empty());
    CHECK(found(db, "再改") == std::vector<std::string>{"拜登寻求合作"});
    CHECK(archive.store().index_search_backlog(10) == 1);
    CHECK(found(db, "拜登").empty());
    CHECK(found(db, "再改") == std::vector<std::string>{"拜登寻求合作"});
  }
  SUBCASE("a row whose text is written again unchanged stays indexed") {
    db.execute("UPDATE entries SET search_text = search_text, title = title WHERE id = 1");
    CHECK(archive.store().search_backlog() == 0);
    CHECK(column(db, "SELECT id FROM search_dirty ORDER BY id") == std::vector<std::string>{"2", "3"});
  }
  SUBCASE("a row deleted before it was indexed leaves the backlog and is not noted dirty") {
    auto more = news();
    more.resize(1);
    more[0].identity = more[0].url = "https://e.com/news/gone";
    more[0].title = "很快删除";
    ingest(archive, more);
    REQUIRE(archive.store().search_backlog() == 1);
    db.execute("DELETE FROM entries WHERE title = '很快删除'");
    CHECK(archive.store().search_backlog() == 0);
    CHECK(column(db, "SELECT id FROM search_dirty ORDER BY id") == std::vector<std::string>{"2", "3"});
  }
  CHECK(feedd::integrity_problems(db).empty());
}

TEST_CASE("A row committed by a process killed before indexing it is found by its text and indexed by the next") {
  TempDir dir;
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The rows are committed, then the process dies at once: no index run,
    // no destructor, the WAL left as it is.
    int status = 1;
    try {
      auto archive = open_archive(dir);
      ingest(archive, news());
      status = archive.store().search_backlog() == 6 ? 0 : 2;
    } catch (...) {
      status = 3;
    }
    ::_exit(status);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  auto archive = open_archive(dir);
  auto& db = archive.store().database();
  CHECK(archive.store().search_backlog() == 6);
  const auto waiting = answers(db);
  CHECK(found(db, "克里抵达") == std::vector<std::string>{"克里抵达上海"});
  CHECK(found(db, "talks") == std::vector<std::string>{"Climate talks resume"});
  while (archive.store().index_search_backlog(4) > 0) {
  }
  CHECK(archive.store().search_backlog() == 0);
  CHECK(answers(db) == waiting);
  CHECK(feedd::integrity_problems(db).empty());
}
