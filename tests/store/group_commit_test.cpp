// Group commit (Archive::ingest_group) against a real SQLite file and a real
// posts folder: several polls in one transaction and one post batch, each
// recorded as if stored alone, and a crash at either side of the post sync
// loses nothing and doubles nothing.
#include <sys/wait.h>
#include <unistd.h>

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
using feedd::GroupedPoll;
using feedd::IncomingEntry;
using feedd::test::read_file;
using feedd::test::TempDir;

namespace {

constexpr std::int64_t fetched_ms = 1618628200156;  // 2021-04-17T02:56:40.156Z

IncomingEntry entry(const std::string& identity, std::string title, std::int64_t timestamp) {
  IncomingEntry incoming;
  incoming.identity = identity;
  incoming.url = identity;
  incoming.title = std::move(title);
  incoming.timestamp_ms = timestamp;
  incoming.content = "<p>body of " + identity + "</p>";
  return incoming;
}

std::vector<IncomingEntry> feed_of(const std::string& source, int count) {
  std::vector<IncomingEntry> entries;
  for (int i = 0; i < count; ++i) {
    entries.push_back(entry("https://e.com/" + source + "/" + std::to_string(i), source + " 条目 " + std::to_string(i),
                            fetched_ms - i * 1000));
  }
  return entries;
}

std::vector<std::string> post_names(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& item : fs::directory_iterator(folder)) names.push_back(item.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Archive open_archive(const TempDir& dir) {
  std::vector<feedd::SourcePresentation> sources;
  for (const char* name : {"A", "B", "C", "D"}) sources.push_back({name, {name}, {name}});
  return Archive(dir / "db/feedd.db", dir / "_posts", sources);
}

GroupedPoll entries_poll(const std::string& source, std::span<const IncomingEntry> entries) {
  GroupedPoll poll;
  poll.kind = GroupedPoll::Kind::entries;
  poll.source_name = source;
  poll.source_url = "https://e.com/" + source + ".xml";
  poll.entries = entries;
  poll.fetched_ms = fetched_ms;
  poll.fetch = {fetched_ms, 120, 200, 4096, ""};
  poll.validators = {"", "\"etag-" + source + "\"", ""};
  poll.outcome.skip_written_paths = false;
  return poll;
}

GroupedPoll bare_poll(const std::string& source, GroupedPoll::Kind kind, long status, std::string error) {
  GroupedPoll poll;
  poll.kind = kind;
  poll.source_name = source;
  poll.source_url = "https://e.com/" + source + ".xml";
  poll.fetched_ms = fetched_ms;
  poll.fetch = {fetched_ms, 80, status, 0, std::move(error)};
  return poll;
}

std::int64_t count(Archive& archive, const std::string& sql) {
  auto query = archive.store().database().prepare(sql);
  query.step();
  return query.column_int(0);
}

// One poll record of `source`: status, new, unchanged, error.
std::string fetch_record(Archive& archive, const std::string& source) {
  auto query = archive.store().database().prepare(
      "SELECT http_status, new_entries, unchanged_entries, coalesce(error, '') FROM fetches "
      "JOIN sources ON sources.id = fetches.source_id WHERE sources.name = ?1");
  query.bind(1, source);
  std::string records;
  while (query.step()) {
    records += std::to_string(query.column_int(0)) + " " + std::to_string(query.column_int(1)) + " " +
               std::to_string(query.column_int(2)) + " " + query.column_text(3) + ";";
  }
  return records;
}

}  // namespace

TEST_CASE("Several sources in one group each get their own poll record validators and posts") {
  TempDir dir;
  auto archive = open_archive(dir);
  const auto a = feed_of("A", 30);
  const auto c = feed_of("C", 40);
  std::vector<GroupedPoll> group = {entries_poll("A", a),
                                    bare_poll("B", GroupedPoll::Kind::not_modified, 304, ""),
                                    entries_poll("C", c),
                                    bare_poll("D", GroupedPoll::Kind::failure, 503, "HTTP 503")};
  archive.ingest_group(group);

  for (const auto& poll : group) CHECK(poll.error.empty());
  CHECK(group[0].outcome.new_entries == 30);
  CHECK(group[0].outcome.posts_written == 30);
  CHECK(group[0].outcome.written_paths.size() == 30);
  CHECK(group[2].outcome.new_entries == 40);
  CHECK(group[2].outcome.posts_written == 40);
  CHECK(group[0].outcome.post_errors.empty());
  CHECK(fetch_record(archive, "A") == "200 30 0 ;");
  CHECK(fetch_record(archive, "B") == "304 0 0 ;");
  CHECK(fetch_record(archive, "C") == "200 40 0 ;");
  CHECK(fetch_record(archive, "D") == "503 0 0 HTTP 503;");
  CHECK(archive.store().source_state("A")->etag == "\"etag-A\"");
  CHECK(archive.store().source_state("C")->etag == "\"etag-C\"");
  REQUIRE(archive.store().source_state("B"));
  CHECK(archive.store().source_state("B")->etag.empty());
  CHECK(post_names(dir / "_posts").size() == 70);
  for (const auto& path : group[2].outcome.written_paths) CHECK(fs::exists(path));

  // The posts are in place; their marks wait for the next group.
  CHECK(archive.deferred_marks() == 70);
  CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 70);

  // The next group clears them in its own transaction, and an entry seen
  // again is unchanged: nothing is written twice.
  std::vector<GroupedPoll> again = {entries_poll("A", a)};
  archive.ingest_group(again);
  CHECK(again[0].outcome.unchanged_entries == 30);
  CHECK(again[0].outcome.posts_written == 0);
  CHECK(archive.deferred_marks() == 0);
  CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 0);
  CHECK(fetch_record(archive, "A") == "200 30 0 ;200 0 30 ;");
  CHECK(post_names(dir / "_posts").size() == 70);
}

TEST_CASE("A poll that fails inside a group takes back only its own rows and record") {
  TempDir dir;
  auto archive = open_archive(dir);
  // A fault injected into one source's poll record, after its rows are stored.
  archive.store().database().execute(
      "CREATE TEMP TRIGGER fail_b BEFORE INSERT ON fetches "
      "WHEN NEW.source_id = (SELECT id FROM sources WHERE name = 'B') BEGIN SELECT RAISE(ABORT, 'injected'); END");
  const auto a = feed_of("A", 5);
  const auto b = feed_of("B", 7);
  const auto c = feed_of("C", 3);
  std::vector<GroupedPoll> group = {entries_poll("A", a), entries_poll("B", b), entries_poll("C", c)};
  archive.ingest_group(group);

  CHECK(group[0].error.empty());
  CHECK(group[1].error.find("injected") != std::string::npos);
  CHECK(group[2].error.empty());
  CHECK(group[1].outcome.posts_written == 0);
  CHECK(count(archive, "SELECT count(*) FROM entries") == 8);
  CHECK(count(archive, "SELECT count(*) FROM entries WHERE url LIKE 'https://e.com/B/%'") == 0);
  // Its validators were never saved (its source row, made in its savepoint, is gone too).
  const auto b_state = archive.store().source_state("B");
  CHECK((!b_state || b_state->etag.empty()));
  CHECK(fetch_record(archive, "A") == "200 5 0 ;");
  CHECK(fetch_record(archive, "C") == "200 3 0 ;");
  CHECK(post_names(dir / "_posts").size() == 8);
  archive.clear_deferred_marks();
  CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 0);
}

TEST_CASE("A poll whose error ends the whole transaction fails every poll of the group naming the cause") {
  TempDir dir;
  auto archive = open_archive(dir);
  // As a full disk or an I/O error does: SQLite rolls the whole transaction
  // back, not only the poll's savepoint.
  archive.store().database().execute(
      "CREATE TEMP TRIGGER end_group_at_b BEFORE INSERT ON fetches "
      "WHEN NEW.source_id = (SELECT id FROM sources WHERE name = 'B') BEGIN SELECT RAISE(ROLLBACK, 'injected'); END");
  const auto a = feed_of("A", 5);
  const auto b = feed_of("B", 7);
  const auto c = feed_of("C", 3);
  std::vector<GroupedPoll> group = {entries_poll("A", a), entries_poll("B", b), entries_poll("C", c)};
  archive.ingest_group(group);

  CHECK(group[1].error.find("injected") != std::string::npos);
  for (const std::size_t other : {std::size_t{0}, std::size_t{2}}) {
    INFO(group[other].error);
    CHECK(group[other].error.find("the group's transaction was rolled back when source B's rows failed") !=
          std::string::npos);
    CHECK(group[other].error.find("injected") != std::string::npos);
  }
  // Nothing stored, not even the poll after the failure (it would have run
  // outside any transaction), and no post without its row.
  CHECK(count(archive, "SELECT count(*) FROM entries") == 0);
  CHECK(count(archive, "SELECT count(*) FROM fetches") == 0);
  CHECK(post_names(dir / "_posts").empty());

  // The same polls again, once the cause is gone: each stored once.
  archive.store().database().execute("DROP TRIGGER end_group_at_b");
  std::vector<GroupedPoll> again = {entries_poll("A", a), entries_poll("B", b), entries_poll("C", c)};
  archive.ingest_group(again);
  for (const auto& poll : again) CHECK(poll.error.empty());
  CHECK(count(archive, "SELECT count(*) FROM entries") == 15);
  CHECK(post_names(dir / "_posts").size() == 15);
}

TEST_CASE("A group whose posts cannot be written keeps every row pending and the next start writes each post once") {
  TempDir dir;
  const auto a = feed_of("A", 12);
  const auto b = feed_of("B", 9);
  {
    auto archive = open_archive(dir);
    // The crash between the group's commit and its post sync, as the disk
    // sees it: rows committed, no post in place.
    fs::remove_all(dir / "_posts");
    feedd::test::write_file(dir / "_posts", "not a folder");
    std::vector<GroupedPoll> group = {entries_poll("A", a), entries_poll("B", b)};
    archive.ingest_group(group);
    CHECK(group[0].error.empty());
    CHECK(group[0].outcome.new_entries == 12);
    CHECK(group[0].outcome.posts_written == 0);
    CHECK(group[0].outcome.post_errors.size() == 12);
    CHECK(group[1].outcome.post_errors.size() == 9);
    CHECK(archive.deferred_marks() == 0);
    CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 21);
  }
  fs::remove(dir / "_posts");
  fs::create_directories(dir / "_posts");
  auto archive = open_archive(dir);
  CHECK(archive.repair_pending_posts().written == 21);
  CHECK(post_names(dir / "_posts").size() == 21);
  std::vector<GroupedPoll> again = {entries_poll("A", a), entries_poll("B", b)};
  archive.ingest_group(again);
  CHECK(again[0].outcome.unchanged_entries == 12);
  CHECK(again[1].outcome.unchanged_entries == 9);
  CHECK(post_names(dir / "_posts").size() == 21);
}

TEST_CASE("A process killed after a group's posts are in place but before its marks are cleared loses and doubles nothing") {
  TempDir dir;
  const auto a = feed_of("A", 20);
  const auto b = feed_of("B", 15);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child stores one group and dies at once: no destructor, no
    // clearing of the marks the group deferred.
    int status = 1;
    try {
      auto archive = open_archive(dir);
      std::vector<GroupedPoll> group = {entries_poll("A", a), entries_poll("B", b)};
      archive.ingest_group(group);
      status = group[0].error.empty() && group[1].error.empty() && archive.deferred_marks() == 35 ? 0 : 2;
    } catch (...) {
      status = 3;
    }
    ::_exit(status);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  const auto before = post_names(dir / "_posts");
  REQUIRE(before.size() == 35);
  std::vector<std::string> bytes;
  for (const auto& name : before) bytes.push_back(read_file(dir / "_posts" / name));

  // One post cut short, as a power cut after the rename could leave it.
  feedd::test::write_file(dir / "_posts" / before[0], bytes[0].substr(0, bytes[0].size() / 2));

  auto archive = open_archive(dir);
  CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 35);
  // What the next start does: the posts found in place as stored, kept
  // (synced, not written again), the cut one written again, every mark cleared.
  const auto repair = archive.repair_pending_posts();
  CHECK(repair.written == 1);
  CHECK(repair.already_in_place == 34);
  CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 0);
  CHECK(post_names(dir / "_posts") == before);
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(read_file(dir / "_posts" / before[i]) == bytes[i]);
  std::vector<GroupedPoll> again = {entries_poll("B", b), entries_poll("A", a)};
  archive.ingest_group(again);
  CHECK(again[0].outcome.unchanged_entries == 15);
  CHECK(again[1].outcome.unchanged_entries == 20);
  CHECK(post_names(dir / "_posts") == before);
}

TEST_CASE("An entry two polls of one group carry is one row and one post showing the later version") {
  TempDir dir;
  auto archive = open_archive(dir);
  const std::vector<IncomingEntry> first = {entry("https://e.com/shared", "Shared", fetched_ms - 5000)};
  std::vector<IncomingEntry> second = {entry("https://e.com/shared", "Shared", fetched_ms)};
  second[0].content = "<p>edited</p>";
  std::vector<GroupedPoll> group = {entries_poll("A", first), entries_poll("B", second)};
  archive.ingest_group(group);
  CHECK(group[0].outcome.new_entries == 1);
  CHECK(group[1].outcome.updated_entries == 1);
  const auto names = post_names(dir / "_posts");
  REQUIRE(names.size() == 1);
  CHECK(read_file(dir / "_posts" / names[0]).find("<p>edited</p>") != std::string::npos);
  CHECK(count(archive, "SELECT count(*) FROM entries") == 1);
}

TEST_CASE("A group large enough to stage its posts on another thread writes each poll's posts and only theirs") {
  TempDir dir;
  auto archive = open_archive(dir);
  archive.store().database().execute(
      "CREATE TEMP TRIGGER fail_b BEFORE INSERT ON fetches "
      "WHEN NEW.source_id = (SELECT id FROM sources WHERE name = 'B') BEGIN SELECT RAISE(ABORT, 'injected'); END");
  const auto a = feed_of("A", 40);
  const auto b = feed_of("B", 45);
  const auto c = feed_of("C", 50);
  std::vector<GroupedPoll> group = {entries_poll("A", a), entries_poll("B", b), entries_poll("C", c)};
  archive.ingest_group(group);
  CHECK(group[0].outcome.posts_written == 40);
  CHECK(group[1].error.find("injected") != std::string::npos);
  CHECK(group[1].outcome.posts_written == 0);
  CHECK(group[2].outcome.posts_written == 50);
  CHECK(group[0].outcome.written_paths.size() == 40);
  CHECK(group[2].outcome.written_paths.size() == 50);
  const auto names = post_names(dir / "_posts");
  CHECK(names.size() == 90);
  for (const auto& name : names) CHECK_FALSE(name.starts_with(feedd::AtomicBatch::temp_prefix));
  CHECK(read_file(group[2].outcome.written_paths.back()).find("body of https://e.com/C/49") != std::string::npos);

  // Posts that fail on that thread are charged to their own poll.
  TempDir other;
  auto broken = open_archive(other);
  fs::remove_all(other / "_posts");
  feedd::test::write_file(other / "_posts", "not a folder");
  std::vector<GroupedPoll> failing = {entries_poll("A", a), entries_poll("C", c)};
  broken.ingest_group(failing);
  CHECK(failing[0].outcome.post_errors.size() == 40);
  CHECK(failing[1].outcome.post_errors.size() == 50);
  CHECK(failing[0].outcome.posts_written == 0);
  CHECK(count(broken, "SELECT count(*) FROM post_backlog") == 90);
}

TEST_CASE("A group of one poll that fails stores nothing of it, keeps the last group's posts, and stores it next time") {
  TempDir dir;
  auto archive = open_archive(dir);
  const auto a = feed_of("A", 5);
  std::vector<GroupedPoll> first = {entries_poll("A", a)};
  archive.ingest_group(first);
  REQUIRE(first[0].error.empty());
  // Alone in its group, the poll has no savepoint of its own: its failure
  // rolls the group's transaction back.
  archive.store().database().execute(
      "CREATE TEMP TRIGGER fail_b BEFORE INSERT ON fetches "
      "WHEN NEW.source_id = (SELECT id FROM sources WHERE name = 'B') BEGIN SELECT RAISE(ABORT, 'injected'); END");
  const auto b = feed_of("B", 7);
  std::vector<GroupedPoll> failing = {entries_poll("B", b)};
  archive.ingest_group(failing);
  CHECK(failing[0].error.find("injected") != std::string::npos);
  CHECK(failing[0].error.find("the group's transaction was rolled back") == std::string::npos);
  CHECK(failing[0].outcome.posts_written == 0);
  CHECK(count(archive, "SELECT count(*) FROM entries") == 5);
  CHECK(count(archive, "SELECT count(*) FROM fetches") == 1);
  CHECK(post_names(dir / "_posts").size() == 5);
  archive.clear_deferred_marks();
  CHECK(count(archive, "SELECT count(*) FROM post_backlog") == 0);

  archive.store().database().execute("DROP TRIGGER fail_b");
  std::vector<GroupedPoll> again = {entries_poll("B", b)};
  archive.ingest_group(again);
  CHECK(again[0].error.empty());
  CHECK(again[0].outcome.posts_written == 7);
  CHECK(fetch_record(archive, "B") == "200 7 0 ;");
  CHECK(post_names(dir / "_posts").size() == 12);
}
