// The archive against a real SQLite file and a real posts folder.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "store/archive.h"
#include "store/atomic_file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::Archive;
using feedd::IncomingEntry;
using feedd::test::read_file;
using feedd::test::TempDir;

namespace {

constexpr std::int64_t fetched_ms = 1618628200156;  // 2021-04-17T02:56:40.156Z

IncomingEntry entry(std::string identity, std::string title, std::optional<std::int64_t> timestamp) {
  IncomingEntry incoming;
  incoming.identity = identity;
  incoming.url = identity;
  incoming.title = std::move(title);
  incoming.timestamp_ms = timestamp;
  incoming.content = "<p>body</p>";
  return incoming;
}

std::vector<fs::path> files_in(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& item : fs::directory_iterator(folder)) files.push_back(item.path());
  std::sort(files.begin(), files.end());
  return files;
}

Archive open_archive(const TempDir& dir) {
  return Archive(dir / "db/feedd.db", dir / "_posts", {{"Src", {"t1", "t2"}, {"c"}}});
}

}  // namespace

TEST_CASE("A new entry becomes a row and a post whose date is clamped to the fetch time") {
  TempDir dir;
  auto archive = open_archive(dir);
  const std::vector<IncomingEntry> batch = {entry("https://e.com/1", "Future", fetched_ms + 3600000)};
  const auto outcome = archive.ingest("Src", "https://e.com/feed", batch, fetched_ms, {});
  CHECK(outcome.new_entries == 1);
  CHECK(outcome.posts_written == 1);
  const auto files = files_in(dir / "_posts");
  REQUIRE(files.size() == 1);
  const auto post = read_file(files[0]);
  CHECK(post.find("date: 2021-04-17T02:56:40.156Z\n") != std::string::npos);
  CHECK(post.find("<!--" + std::to_string(fetched_ms + 3600000) + "-->") != std::string::npos);
  CHECK(post.find("tags: [ t1, t2 ]\n") != std::string::npos);
  CHECK(archive.store().count_entries() == 1);
}

TEST_CASE("An entry without a timestamp keeps the time it was first seen") {
  TempDir dir;
  auto archive = open_archive(dir);
  const std::vector<IncomingEntry> batch = {entry("https://e.com/1", "Undated", std::nullopt)};
  archive.ingest("Src", "u", batch, fetched_ms, {});
  const auto later = archive.ingest("Src", "u", batch, fetched_ms + 60000, {});
  CHECK(later.unchanged_entries == 1);
  CHECK(later.posts_written == 0);
  CHECK(archive.store().find_entry("https://e.com/1")->timestamp_ms == fetched_ms);
}

TEST_CASE("Posts that cannot be written are kept as pending rows and written by a later repair") {
  // A file where the folder should be fails for root too, unlike chmod.
  TempDir dir;
  auto archive = open_archive(dir);
  fs::remove_all(dir / "_posts");
  feedd::test::write_file(dir / "_posts", "not a folder");

  const std::vector<IncomingEntry> batch = {entry("https://e.com/1", "Kept", fetched_ms)};
  const auto outcome = archive.ingest("Src", "u", batch, fetched_ms, {});
  CHECK(outcome.new_entries == 1);
  CHECK(outcome.posts_written == 0);
  REQUIRE(outcome.post_errors.size() == 1);
  CHECK(outcome.post_errors[0].find("_posts") != std::string::npos);
  CHECK(archive.store().find_entry("https://e.com/1")->post_pending);

  fs::remove(dir / "_posts");
  fs::create_directories(dir / "_posts");
  CHECK(archive.repair_pending_posts().written == 1);
  CHECK(files_in(dir / "_posts").size() == 1);
  CHECK_FALSE(archive.store().find_entry("https://e.com/1")->post_pending);
  CHECK(archive.repair_pending_posts().written == 0);
}

TEST_CASE("Temporary files of an interrupted batch are swept and never left by a finished one") {
  TempDir dir;
  auto archive = open_archive(dir);
  feedd::test::write_file(dir / "_posts" / (std::string(feedd::AtomicBatch::temp_prefix) + "123-0"), "torn");
  CHECK(archive.sweep_temp_files() == 1);
  const std::vector<IncomingEntry> batch = {entry("https://e.com/1", "One", fetched_ms)};
  archive.ingest("Src", "u", batch, fetched_ms, {});
  for (const auto& file : files_in(dir / "_posts")) {
    CHECK_FALSE(file.filename().string().starts_with(feedd::AtomicBatch::temp_prefix));
  }
  {
    feedd::AtomicBatch abandoned(dir / "_posts");
    abandoned.stage("never.md", "x");
  }
  CHECK_FALSE(fs::exists(dir / "_posts/never.md"));
  CHECK(files_in(dir / "_posts").size() == 1);
}

TEST_CASE("A database of a newer schema is refused rather than damaged") {
  TempDir dir;
  fs::create_directories(dir / "db");
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open((dir / "db/feedd.db").c_str(), &raw) == SQLITE_OK);
    sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  CHECK_THROWS_WITH_AS(open_archive(dir), doctest::Contains("schema version 99"), feedd::sqlite::SqliteError);
}

TEST_CASE("A post file name that is not a single component is refused") {
  TempDir dir;
  feedd::AtomicBatch batch(dir.path());
  CHECK_THROWS(batch.stage("../escape.md", "x"));
  CHECK_THROWS(batch.stage("..", "x"));
  CHECK_THROWS(batch.stage("", "x"));
}

TEST_CASE("Every sync method replaces files atomically, and a file that fails part-way is never renamed into place") {
  TempDir dir;
  using Sync = feedd::AtomicBatch::Sync;
  for (const auto sync : {Sync::each_file, Sync::batched, Sync::whole_file_system}) {
    const std::string method = sync == Sync::each_file ? "each" : sync == Sync::batched ? "batched" : "syncfs";
    INFO("sync: " << method);
    const auto folder = dir / method;
    fs::create_directories(folder);
    feedd::test::write_file(folder / "kept.md", "old");
    {
      // More files than a batch keeps open at once.
      feedd::AtomicBatch batch(folder, sync);
      for (int i = 0; i < 300; ++i) batch.stage("post-" + std::to_string(i) + ".md", std::string(100 + i, 'x'));
      batch.stage("kept.md", "new");
      batch.commit();
    }
    auto files = files_in(folder);
    CHECK(files.size() == 301);
    CHECK(feedd::test::read_file(folder / "kept.md") == "new");
    CHECK(feedd::test::read_file(folder / "post-299.md") == std::string(399, 'x'));

    // A write cut short (here by the file size limit, as with a full disk)
    // fails its stage(); committing the rest of the batch must not publish
    // the torn file under its target name.
    feedd::AtomicBatch batch(folder, sync);
    batch.stage("before.md", "complete");
    const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
    rlimit small = saved;
    small.rlim_cur = 4096;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    CHECK_THROWS_AS(batch.stage("torn.md", std::string(10000, 'y')), std::system_error);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
    std::signal(SIGXFSZ, previous_handler);
    batch.stage("after.md", "complete");
    batch.commit();
    CHECK_FALSE(fs::exists(folder / "torn.md"));
    CHECK(feedd::test::read_file(folder / "before.md") == "complete");
    CHECK(feedd::test::read_file(folder / "after.md") == "complete");
    for (const auto& file : files_in(folder)) {
      CHECK_FALSE(file.filename().string().starts_with(feedd::AtomicBatch::temp_prefix));
    }
  }
}

TEST_CASE("Old poll records are pruned in windows of ids, and one with a skewed clock stops nothing") {
  TempDir dir;
  auto archive = open_archive(dir);
  auto& store = archive.store();
  const std::int64_t source = store.source_id("Src", "u");
  // In insertion (id) order; 5000 was recorded by a clock that ran ahead.
  for (const std::int64_t started : {10, 20, 5000, 30, 40, 50, 200, 300}) {
    store.record_fetch(feedd::FetchRow{source, started, 1, 200, 10, 0, 0, 0, ""});
  }
  const auto remaining = [&] {
    std::vector<std::int64_t> started;
    auto query = store.database().prepare("SELECT started_ms FROM fetches ORDER BY id");
    while (query.step()) started.push_back(query.column_int(0));
    return started;
  };
  const auto window = store.prune_fetches(0, 100, 3);  // ids 1-3: 10, 20, 5000
  CHECK(window.deleted == 2);
  CHECK(window.last_id == 3);
  CHECK(window.last_is_young);
  CHECK(remaining() == std::vector<std::int64_t>{5000, 30, 40, 50, 200, 300});
  // The whole walk goes past the record from the future.
  CHECK(archive.prune_fetch_history(100) == 3);
  CHECK(remaining() == std::vector<std::int64_t>{5000, 200, 300});
  CHECK(archive.prune_fetch_history(100) == 0);
  CHECK(archive.prune_fetch_history(6000) == 3);
  CHECK(remaining().empty());
  CHECK(archive.prune_fetch_history(6000) == 0);
}

TEST_CASE("A source's row keeps its validators and schedule while its URL stays, and starts afresh when it changes") {
  TempDir dir;
  auto archive = open_archive(dir);
  auto& store = archive.store();
  const std::int64_t id = store.source_id("Src", "https://a.example/feed");
  store.save_validators(id, {"https://a.example/moved", "\"v1\"", "Sat, 17 Apr 2021 02:56:40 GMT"});
  feedd::SourceSchedule failing;
  failing.next_poll_ms = 5000;
  failing.consecutive_failures = 2;
  failing.state = "failing";
  failing.last_error = "HTTP 503";
  failing.last_error_ms = 4000;
  store.save_schedule(id, failing);
  // A refused write in between (the statements are prepared once and
  // reused): the next ones still run.
  store.database().execute(
      "CREATE TEMP TRIGGER refuse_gone BEFORE UPDATE OF state ON sources WHEN new.state = 'gone' "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  feedd::SourceSchedule gone = failing;
  gone.state = "gone";
  CHECK_THROWS(store.save_schedule(id, gone));
  CHECK(store.source_id("Src", "https://a.example/feed") == id);
  auto kept = store.source_state("Src");
  REQUIRE(kept);
  CHECK(kept->polled_url == "https://a.example/moved");
  CHECK(kept->etag == "\"v1\"");
  CHECK(kept->state == "failing");
  CHECK(kept->consecutive_failures == 2);
  CHECK(kept->next_poll_ms == 5000);
  CHECK(kept->last_error == "HTTP 503");
  feedd::SourceSchedule ok;
  ok.next_poll_ms = 9000;
  ok.last_success_ms = 8000;
  store.save_schedule(id, ok);
  CHECK(store.source_state("Src")->last_error == "HTTP 503");  // the last error is kept beside a success
  CHECK(store.source_state("Src")->last_success_ms == 8000);
  // A new URL: what belonged to the old one is gone.
  CHECK(store.source_id("Src", "https://b.example/feed") == id);
  const auto fresh = store.source_state("Src");
  REQUIRE(fresh);
  CHECK(fresh->url == "https://b.example/feed");
  CHECK(fresh->polled_url.empty());
  CHECK(fresh->etag.empty());
  CHECK(fresh->last_modified.empty());
  CHECK(fresh->state == "ok");
  CHECK(fresh->consecutive_failures == 0);
  CHECK_FALSE(fresh->next_poll_ms);
  CHECK_FALSE(store.source_state("Other"));
}
