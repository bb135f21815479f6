// WalCheckpointer against real SQLite files: the writer's commits past its
// threshold are copied into the database file by the other thread, SQLite's
// own inline checkpoints come back when it is gone, and nothing committed is
// lost while the two connections work side by side, nor when the process is
// killed while the other thread writes into the database file.
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <string>
#include <thread>

#include "store/checkpoint/wal_checkpointer.h"
#include "store/sqlite.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::WalCheckpointer;
using feedd::sqlite::Database;
using feedd::test::TempDir;

namespace {

constexpr int threshold = 100;  // frames

Database open_writer(const fs::path& path) {
  Database db(path);
  db.execute("PRAGMA journal_mode = WAL");
  db.execute("PRAGMA synchronous = FULL");
  db.execute("PRAGMA wal_autocheckpoint = " + std::to_string(threshold));
  db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  return db;
}

// One commit per row, each a page or more of the WAL.
void commit_rows(Database& db, int count) {
  auto insert = db.prepare("INSERT INTO rows (body) VALUES (?1)");
  for (int i = 0; i < count; ++i) {
    db.execute("BEGIN");
    insert.bind(1, std::string(3000, static_cast<char>('a' + i % 26))).run();
    db.execute("COMMIT");
  }
}

std::int64_t single_int(Database& db, const std::string& sql) {
  auto query = db.prepare(sql);
  REQUIRE(query.step());
  return query.column_int(0);
}

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace

TEST_CASE("The writer's commits past its threshold are checkpointed by the other thread") {
  TempDir dir;
  const fs::path path = dir / "feedd.db";
  Database writer = open_writer(path);
  const auto size_before = fs::file_size(path);
  {
    WalCheckpointer checkpointer(writer);
    // SQLite's own hook, the one that checkpoints inside the commit, is off.
    CHECK(single_int(writer, "PRAGMA wal_autocheckpoint") == 0);
    commit_rows(writer, 3 * threshold);
    REQUIRE(eventually([&] { return checkpointer.checkpoints_done() > 0; }));
    // The rows reached the database file itself, not only the WAL.
    CHECK(fs::file_size(path) > size_before + 100 * 4096);
  }
  CHECK(single_int(writer, "PRAGMA wal_autocheckpoint") == threshold);
}

TEST_CASE("One commit past the inline bound is still checkpointed by the idle thread, not inside the commit") {
  TempDir dir;
  const fs::path path = dir / "feedd.db";
  Database writer = open_writer(path);
  WalCheckpointer checkpointer(writer);
  // One transaction of more frames than the bound, as a group of 1,000
  // entries into a large store commits.
  auto insert = writer.prepare("INSERT INTO rows (body) VALUES (?1)");
  writer.execute("BEGIN");
  for (int i = 0; i < 3 * WalCheckpointer::inline_after * threshold; ++i) {
    insert.bind(1, std::string(3000, 'x')).run();
  }
  writer.execute("COMMIT");
  CHECK(eventually([&] { return checkpointer.checkpoints_done() > 0; }));
}

TEST_CASE("Nothing committed is lost while the other thread checkpoints beside the writer") {
  TempDir dir;
  const fs::path path = dir / "feedd.db";
  {
    Database writer = open_writer(path);
    WalCheckpointer checkpointer(writer);
    commit_rows(writer, 10 * threshold);
    CHECK(eventually([&] { return checkpointer.checkpoints_done() > 0; }));
  }
  Database reader(path);
  CHECK(single_int(reader, "SELECT count(*) FROM rows") == 10 * threshold);
  auto check = reader.prepare("PRAGMA integrity_check");
  REQUIRE(check.step());
  CHECK(check.column_text(0) == "ok");
}

TEST_CASE("A writer without automatic checkpoints is left as it is") {
  TempDir dir;
  Database writer = open_writer(dir / "feedd.db");
  writer.execute("PRAGMA wal_autocheckpoint = 0");
  {
    WalCheckpointer checkpointer(writer);
    commit_rows(writer, 3 * threshold);
    CHECK(checkpointer.checkpoints_done() == 0);
  }
  CHECK(single_int(writer, "PRAGMA wal_autocheckpoint") == 0);
  Database memory(":memory:");
  WalCheckpointer in_memory(memory);
  CHECK(in_memory.checkpoints_done() == 0);
}

namespace {

// In a child process: commits one row at a time for ever, and writes the
// number of rows stored to `reported` once each commit has returned.
[[noreturn]] void commit_until_killed(const fs::path& path, int reported) {
  int status = 0;
  try {
    Database writer = open_writer(path);
    WalCheckpointer checkpointer(writer);
    auto insert = writer.prepare("INSERT INTO rows (body) VALUES (?1)");
    auto count = writer.prepare("SELECT count(*) FROM rows");
    for (;;) {
      writer.execute("BEGIN");
      insert.bind(1, std::string(3000, 'k')).run();
      writer.execute("COMMIT");
      count.step();
      const std::int64_t rows = count.column_int(0);
      count.reset();
      if (::write(reported, &rows, sizeof rows) != sizeof rows) break;
    }
  } catch (...) {
    status = 2;
  }
  ::_exit(status);
}

}  // namespace

TEST_CASE("A process killed while the other thread writes into the database file loses no committed row") {
  TempDir dir;
  const fs::path path = dir / "feedd.db";
  { open_writer(path); }
  for (int kill = 0; kill < 5; ++kill) {
    const int watch = ::inotify_init1(IN_CLOEXEC);
    REQUIRE(watch >= 0);
    // Only a checkpoint writes into the database file itself; commits go to the WAL.
    REQUIRE(::inotify_add_watch(watch, path.c_str(), IN_MODIFY) >= 0);
    int reports[2];
    REQUIRE(::pipe(reports) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(reports[0]);
      commit_until_killed(path, reports[1]);
    }
    ::close(reports[1]);
    pollfd modified{watch, POLLIN, 0};
    const bool checkpointing = ::poll(&modified, 1, 20'000) == 1;
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::close(watch);
    std::int64_t committed = 0;
    for (std::int64_t rows = 0; ::read(reports[0], &rows, sizeof rows) == sizeof rows;) committed = rows;
    ::close(reports[0]);
    INFO("kill ", kill, " after ", committed, " rows reported committed");
    CHECK(checkpointing);
    CHECK(WIFSIGNALED(status));
    Database reader(path);
    CHECK(single_int(reader, "SELECT count(*) FROM rows") >= committed);
    auto check = reader.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.column_text(0) == "ok");
  }
}
