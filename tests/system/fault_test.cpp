// Faults survived, nothing lost: the real `feedd run` binary killed with
// SIGKILL at any moment, starved of its posts folder, its file size or its
// database lock, and kept busy with thousands of sources, against a loopback
// server whose feeds change between requests. After each ordeal the store is
// checked against everything the server ever sent.
//
// FEEDD_LONG_TESTS=1 runs the full-size versions (10 minutes under load).
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/post_format.h"
#include "tests/support/changing_feed.h"
#include "tests/support/eventually.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_config.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::ChangingFeed;
using feedd::test::ChildProcess;
using feedd::test::eventually;
using feedd::test::HttpTestServer;
using feedd::test::read_file;
using feedd::test::start_daemon;
using feedd::test::TempDir;
using feedd::test::TestDatabase;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;
using Clock = std::chrono::steady_clock;

namespace {

bool long_tests() {
  const char* value = std::getenv("FEEDD_LONG_TESTS");
  return value != nullptr && std::string(value) == "1";
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// ---- the store, read the way any other program would ----------------------

struct StoredEntry {
  std::string identity;
  std::string source;
  std::string url;
  std::string title;
  std::int64_t timestamp_ms = 0;
  std::int64_t date_ms = 0;
  std::string content;
  std::string post_path;
  bool pending = false;
};

std::vector<StoredEntry> stored_entries(const fs::path& database) {
  if (!fs::exists(database)) return {};
  TestDatabase db(database);
  std::vector<StoredEntry> result;
  for (const auto& row :
       db.rows("SELECT e.identity, s.name, e.url, e.title, e.timestamp_ms, e.date_ms, e.content, e.post_path, "
               "e.id IN (SELECT id FROM post_backlog) FROM entries e JOIN sources s ON s.id = e.source_id")) {
    if (row.size() != 9) return {};  // locked or mid-migration: try again later
    result.push_back({row[0], row[1], row[2], row[3], std::stoll(row[4]), std::stoll(row[5]), row[6], row[7],
                      row[8] != "0"});
  }
  return result;
}

// ---- the fixture: a server of changing feeds and a config naming them ----

struct Feeds {
  HttpTestServer server;
  std::vector<std::unique_ptr<ChangingFeed>> feeds;
  std::vector<std::string> names;

  Feeds(int count, ChangingFeed::Options options, std::chrono::milliseconds delay = 0ms) {
    for (int i = 0; i < count; ++i) {
      auto feed_options = options;
      feed_options.name = fmt::format("S{:04}", i);
      feed_options.seed = options.seed * 7919 + static_cast<std::uint32_t>(i);
      feeds.push_back(std::make_unique<ChangingFeed>(feed_options));
      names.push_back(feed_options.name);
      auto* feed = feeds.back().get();
      server.route("/" + feed_options.name + ".xml", [feed, delay](const TestRequest& request) {
        auto response = feed->answer(request);
        response.delay = delay;
        return response;
      });
    }
  }
  void settle() {
    for (auto& feed : feeds) feed->settle();
  }
  void set_chances(double add, double update) {
    for (auto& feed : feeds) feed->set_chances(add, update);
  }
  std::size_t served_count() const {
    std::size_t total = 0;
    for (const auto& feed : feeds) total += feed->served().size();
    return total;
  }
  int requests() const {
    int total = 0;
    for (const auto& feed : feeds) total += feed->requests();
    return total;
  }
};

// Each of `names` polled at SERVER/<name>.xml.
fs::path write_config(const TempDir& dir, const HttpTestServer& server, const std::vector<std::string>& names,
                      const std::string& sections) {
  std::string sources;
  for (const auto& name : names) sources += feedd::test::source_toml(name, server.url("/" + name + ".xml"));
  return feedd::test::write_test_config(dir, sections, sources);
}

fs::path write_config(const TempDir& dir, const Feeds& feeds, const std::string& sections) {
  return write_config(dir, feeds.server, feeds.names, sections);
}

// Every entry the feeds ever sent, at its latest revision, is stored once,
// with the right source, and no post is pending.
std::vector<std::string> store_mismatches(const fs::path& database, const Feeds& feeds) {
  std::vector<std::string> problems;
  std::map<std::string, StoredEntry> by_identity;
  for (auto& entry : stored_entries(database)) {
    const auto identity = entry.identity;
    if (!by_identity.emplace(identity, std::move(entry)).second) problems.push_back("stored twice: " + identity);
  }
  std::size_t expected = 0;
  for (std::size_t i = 0; i < feeds.feeds.size(); ++i) {
    for (const auto& entry : feeds.feeds[i]->served()) {
      ++expected;
      const auto found = by_identity.find(entry.link);
      if (found == by_identity.end()) {
        problems.push_back("missing: " + entry.link + " (" + entry.title + ")");
        continue;
      }
      const auto& row = found->second;
      if (row.source != feeds.names[i]) problems.push_back(entry.link + ": source " + row.source);
      if (row.title != entry.title) problems.push_back(entry.link + ": title \"" + row.title + "\", served \"" +
                                                       entry.title + "\"");
      if (row.timestamp_ms != entry.published_ms) problems.push_back(entry.link + ": stale timestamp");
      if (row.content != entry.body) problems.push_back(entry.link + ": content differs");
      if (row.pending) problems.push_back(entry.link + ": post still pending");
    }
  }
  if (by_identity.size() != expected) {
    problems.push_back(fmt::format("{} rows for {} entries served", by_identity.size(), expected));
  }
  return problems;
}

// What keeps the store from holding all the feeds sent: a feed never read,
// or an entry missing, stale or pending.
std::vector<std::string> catch_up_problems(const TempDir& dir, const Feeds& feeds) {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < feeds.feeds.size(); ++i) {
    if (feeds.feeds[i]->served().empty()) problems.push_back(feeds.names[i] + " never sent a document");
  }
  if (!problems.empty()) return problems;
  return store_mismatches(dir / "state/feedd.db", feeds);
}

// Every feed was read at least once and all it sent is stored.
bool all_stored(const TempDir& dir, const Feeds& feeds) { return catch_up_problems(dir, feeds).empty(); }

// The posts folder and the rows agree: each row's post file exists with the
// bytes a fresh render of the row gives, no two rows share a file, no post
// file lacks a row, and no temporary file is left.
std::vector<std::string> folder_mismatches(const fs::path& database, const fs::path& posts) {
  std::vector<std::string> problems;
  if (!fs::is_directory(posts)) return {"no posts folder: " + posts.string()};
  std::map<std::string, const StoredEntry*> owners;
  const auto entries = stored_entries(database);
  for (const auto& entry : entries) {
    if (!owners.emplace(entry.post_path, &entry).second) problems.push_back("post file shared: " + entry.post_path);
    const auto path = posts / entry.post_path;
    if (!fs::exists(path)) {
      problems.push_back("post file missing: " + entry.post_path);
      continue;
    }
    const std::vector<std::string> labels{entry.source};
    const std::string fresh = feedd::render_post(feedd::PostFields{entry.title, entry.timestamp_ms, entry.date_ms,
                                                                   entry.source, entry.url, labels, labels,
                                                                   entry.content});
    if (read_file(path) != fresh) problems.push_back("post file differs from a fresh render: " + entry.post_path);
  }
  for (const auto& item : fs::directory_iterator(posts)) {
    const auto name = item.path().filename().string();
    if (name.starts_with(".feedd-tmp-")) {
      problems.push_back("temporary file left: " + name);
    } else if (!owners.contains(name)) {
      problems.push_back("file without a row: " + name);
    }
  }
  return problems;
}

std::string first_lines(const std::vector<std::string>& lines, std::size_t count = 12) {
  std::string text;
  for (std::size_t i = 0; i < std::min(lines.size(), count); ++i) text += lines[i] + "\n";
  if (lines.size() > count) text += fmt::format("... and {} more\n", lines.size() - count);
  return text;
}

void check_archive(const TempDir& dir, const Feeds& feeds) {
  const auto database = dir / "state/feedd.db";
  {
    TestDatabase db(database);
    CHECK(db.text("PRAGMA integrity_check") == "ok");
    CHECK(db.text("PRAGMA foreign_key_check") == "");
  }
  const auto store = store_mismatches(database, feeds);
  const auto folder = folder_mismatches(database, dir / "posts");
  MESSAGE(fmt::format("{} entries served, {} rows stored, {} store and {} folder problem(s)", feeds.served_count(),
                      stored_entries(database).size(), store.size(), folder.size()));
  INFO(first_lines(store));
  INFO(first_lines(folder));
  CHECK(store.empty());
  CHECK(folder.empty());
}

// A daemon's log for a failure report: its start and its end, where a
// stall shows.
std::string log_ends(const std::string& log) {
  constexpr std::size_t head = 4000;
  constexpr std::size_t tail = 16000;
  if (log.size() <= head + tail) return log;
  return log.substr(0, head) + "\n[...]\n" + log.substr(log.size() - tail);
}

// Lets the feeds settle, waits until the running daemon has stored all of
// it, and stops it with SIGTERM.
void catch_up_and_stop(ChildProcess& daemon, const TempDir& dir, Feeds& feeds, std::chrono::milliseconds timeout) {
  feeds.settle();
  const auto started = Clock::now();
  const bool caught_up = eventually([&] { return all_stored(dir, feeds); }, timeout);
  MESSAGE(fmt::format("caught up: {} after {:.1f} s", caught_up, seconds_since(started)));
  if (!caught_up) {
    // Read now, not inside INFO: doctest evaluates INFO's expression while
    // it walks its list of contexts, and TestDatabase's own checks add to
    // that list (a use after free under ASan, then a hang).
    const std::string mismatches = first_lines(catch_up_problems(dir, feeds));
    const auto live = feedd::test::run_feedd({"sources", "--config", (dir / "feedd.toml").string()}, 30s);
    INFO(mismatches);
    INFO("feedd sources, from the running daemon:\n", live.out, live.err);
    INFO(log_ends(daemon.err()));
    CHECK(caught_up);
  }
  daemon.signal(SIGTERM);
  const auto status = daemon.wait(20s);
  INFO(daemon.err().substr(0, 20000));
  CHECK(status == 0);
}

// ---- watching the posts folder and the WAL for the moment to kill ---------

class FolderWatch {
 public:
  FolderWatch(const fs::path& folder, std::uint32_t mask) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(fd_ >= 0);
    REQUIRE(::inotify_add_watch(fd_, folder.c_str(), mask) >= 0);
  }
  ~FolderWatch() { ::close(fd_); }
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  void drain() {
    alignas(inotify_event) char buffer[16384];
    while (::read(fd_, buffer, sizeof buffer) > 0) {
    }
  }
  // Waits for the `occurrence`-th event whose file name satisfies `wanted`.
  bool wait_for(const std::function<bool(std::string_view)>& wanted, int occurrence, Clock::time_point deadline) {
    alignas(inotify_event) char buffer[16384];
    int seen = 0;
    while (Clock::now() < deadline) {
      const ssize_t size = ::read(fd_, buffer, sizeof buffer);
      if (size <= 0) {
        std::this_thread::sleep_for(200us);
        continue;
      }
      for (ssize_t offset = 0; offset < size;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        if (event->len > 0 && wanted(event->name) && ++seen >= occurrence) return true;
      }
    }
    return false;
  }

 private:
  int fd_ = -1;
};

// ---- a process's resources, from /proc ------------------------------------

struct FdCount {
  int sockets = 0;
  int others = 0;
  int control_sockets = 0;  // the daemon's listening control socket, apart from the sockets above
};

// "socket:[INODE]" of the Unix socket bound to `path` (from /proc/net/unix,
// whose last two columns are the inode and the path), or "".
std::string unix_socket_fd_target(const fs::path& path) {
  std::ifstream in("/proc/net/unix");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.ends_with(" " + path.string())) continue;
    const auto end = line.rfind(' ');
    const auto start = line.rfind(' ', end - 1);
    return "socket:[" + line.substr(start + 1, end - start - 1) + "]";
  }
  return "";
}

// Open fds of `pid`; a post being written in `posts` at that moment (its
// temporary file, the folder opened to sync it) is work, not a leak.
FdCount count_fds(pid_t pid, const fs::path& posts, const fs::path& control_socket) {
  FdCount count;
  const std::string control = unix_socket_fd_target(control_socket);
  std::error_code error;
  for (const auto& item : fs::directory_iterator(fmt::format("/proc/{}/fd", pid), error)) {
    std::error_code gone;
    const auto target = fs::read_symlink(item.path(), gone).string();
    if (gone) continue;  // closed between the listing and the look: not held
    if (target.starts_with(posts.string())) continue;
    if (!control.empty() && target == control) {
      ++count.control_sockets;
    } else if (target.starts_with("socket:")) {
      ++count.sockets;
    } else {
      ++count.others;
    }
  }
  return count;
}

long status_kib(pid_t pid, const std::string& field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

std::string fd_list(pid_t pid) {
  std::string list;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(fmt::format("/proc/{}/fd", pid), error)) {
    std::error_code gone;
    list += item.path().filename().string() + " -> " + fs::read_symlink(item.path(), gone).string() + "\n";
  }
  return list;
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("SIGKILL at random moments, during post writes and commits, loses nothing and duplicates nothing") {
  const int sources = 300;
  const int kills = long_tests() ? 100 : 30;
  TempDir dir;
  Feeds feeds(sources, ChangingFeed::Options{.initial_entries = 20, .window = 20, .add_chance = 0.1,
                                             .update_chance = 0.25, .seed = 11});
  const auto config = write_config(dir, feeds,
                                   "[fetch]\nconcurrency = 64\nper_host = 64\n"
                                   "[schedule]\nmin_interval = \"100ms\"\ninterval = \"300ms\"\nmax_backoff = \"1s\"\n");
  fs::create_directories(dir / "posts");
  fs::create_directories(dir / "state");
  FolderWatch posts_watch(dir / "posts", IN_CREATE | IN_MOVED_TO);
  FolderWatch state_watch(dir / "state", IN_MODIFY);

  enum Moment { at_random, temp_file_created, post_renamed, wal_written, moments };
  const char* moment_names[] = {"a random moment", "a temporary post file's creation", "a post file's rename",
                                "a WAL write"};
  std::mt19937 random(20240611);
  int hit[moments] = {};
  int tried[moments] = {};
  const auto started = Clock::now();
  for (int kill = 0; kill < kills; ++kill) {
    posts_watch.drain();
    state_watch.drain();
    auto daemon = start_daemon(config);
    // Every fifth kill comes at a rename again: the moment a post file is in
    // place and its row not yet committed is the one most likely to strand it.
    const auto moment = kill % 5 == 4 ? post_renamed : static_cast<Moment>(kill % 5);
    ++tried[moment];
    const auto deadline = Clock::now() + 6s;
    bool seen = false;
    switch (moment) {
      case at_random:
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 2500)(random)));
        seen = true;
        break;
      case temp_file_created:
        seen = posts_watch.wait_for([](std::string_view name) { return name.starts_with(".feedd-tmp-"); },
                                    std::uniform_int_distribution<int>(1, 60)(random), deadline);
        break;
      case post_renamed:
        seen = posts_watch.wait_for([](std::string_view name) { return name.ends_with(".md"); },
                                    std::uniform_int_distribution<int>(1, 60)(random), deadline);
        break;
      case wal_written:
        seen = state_watch.wait_for([](std::string_view name) { return name == "feedd.db-wal"; },
                                    std::uniform_int_distribution<int>(1, 300)(random), deadline);
        break;
      case moments:
        break;
    }
    daemon->signal(SIGKILL);
    const auto status = daemon->wait(10s);
    INFO("kill ", kill, " at ", moment_names[moment], "\n", daemon->err().substr(0, 20000));
    REQUIRE(status == 128 + SIGKILL);  // it was still running: it died of the kill, not before
    if (seen) ++hit[moment];
  }
  const double chaos_seconds = seconds_since(started);
  for (int moment = 0; moment < moments; ++moment) {
    MESSAGE(fmt::format("killed {} time(s) at {}", hit[moment], moment_names[moment]), " (", tried[moment],
            " tried)");
  }
  // Most kills must land where they were aimed, or the test proves little.
  CHECK(hit[temp_file_created] * 2 >= tried[temp_file_created]);
  CHECK(hit[post_renamed] * 2 >= tried[post_renamed]);
  CHECK(hit[wal_written] * 2 >= tried[wal_written]);

  // A final clean pass: the feeds stop changing and list everything they
  // ever sent, feedd catches up and stops on SIGTERM.
  const auto final_pass = Clock::now();
  auto daemon = start_daemon(config);
  // Generous: under ASan on a busy machine 300 sources take minutes.
  catch_up_and_stop(*daemon, dir, feeds, 180s);
  MESSAGE(fmt::format("{} kills in {:.1f} s; final pass {:.1f} s; {} requests served", kills, chaos_seconds,
                      seconds_since(final_pass), feeds.requests()));

  // A fresh read of every feed, validators ignored, changes nothing.
  for (auto& feed : feeds.feeds) feed->ignore_validators(true);
  const auto once_started = Clock::now();
  const auto once = feedd::test::run_feedd({"once", "--config", config.string()}, 120s);
  MESSAGE(fmt::format("feedd once over {} sources: {:.1f} s", sources, seconds_since(once_started)));
  INFO(once.err.substr(0, 20000));
  CHECK(once.exit_status == 0);
  CHECK(once.err.find("0 new, 0 updated; 0 post(s) written") != std::string::npos);

  check_archive(dir, feeds);
}

TEST_CASE("A posts folder that cannot be written keeps entries pending until it can, without a restart") {
  TempDir dir;
  Feeds feeds(4, ChangingFeed::Options{.initial_entries = 5, .window = 1000, .add_chance = 0.0,
                                       .update_chance = 0.0, .seed = 3});
  const auto config = write_config(dir, feeds, "[schedule]\nmin_interval = \"100ms\"\ninterval = \"300ms\"\nmax_backoff = \"1s\"\n");
  auto daemon = start_daemon(config);
  REQUIRE(eventually([&] { return all_stored(dir, feeds); }));

  // A file where the folder was: nothing can be created in it, even by root.
  write_file(dir / "posts.away", "not a folder\n");
  feedd::test::exchange_paths(dir / "posts.away", dir / "posts");
  const auto served_before = feeds.served_count();
  feeds.set_chances(0.5, 0.3);
  REQUIRE(eventually([&] { return daemon->err().find("kept for retry") != std::string::npos; }));
  CHECK(daemon->err().find("Not a directory") != std::string::npos);
  REQUIRE(eventually([&] {
    TestDatabase db(dir / "state/feedd.db");
    return std::stoi(db.text("SELECT count(*) FROM post_backlog")) >= 3;
  }));
  feeds.set_chances(0.0, 0.0);
  CHECK(feeds.served_count() > served_before);  // new entries came during the trouble
  CHECK_FALSE(daemon->wait(0ms).has_value());

  feedd::test::exchange_paths(dir / "posts.away", dir / "posts");
  fs::remove(dir / "posts.away");
  // The daemon writes what it owes by itself: no restart, and the feeds no
  // longer change, so no new poll result carries those entries again.
  const bool written = eventually(
      [&] {
        return all_stored(dir, feeds) && folder_mismatches(dir / "state/feedd.db", dir / "posts").empty();
      },
      10s);
  INFO(daemon->err().substr(0, 20000));
  CHECK(written);
  catch_up_and_stop(*daemon, dir, feeds, 10s);
  check_archive(dir, feeds);
}

TEST_CASE("A file size limit (ulimit -f) fails writes without killing feedd, and nothing is lost once lifted") {
  TempDir dir;
  Feeds feeds(4, ChangingFeed::Options{.initial_entries = 5, .window = 1000, .add_chance = 0.0,
                                       .update_chance = 0.0, .seed = 5});
  const auto config = write_config(dir, feeds, "[schedule]\nmin_interval = \"100ms\"\ninterval = \"300ms\"\nmax_backoff = \"1s\"\n");
  // SIGXFSZ ignored, as `trap '' XFSZ` in a service's wrapper does: writes
  // past the limit then fail with EFBIG instead of killing the process.
  // stderr goes through a pipe so that the log itself is not limited.
  ChildProcess wrapper({"/bin/bash", "-c", "trap '' XFSZ; \"$@\" 2>&1 | cat >&2; exit ${PIPESTATUS[0]}", "bash",
                        FEEDD_BINARY, "run", "--config", config.string()});
  REQUIRE(eventually([&] { return all_stored(dir, feeds); }));
  const pid_t pid = static_cast<pid_t>(std::stol(read_file(dir / "state/feedd.db.lock")));
  REQUIRE(pid > 0);

  rlimit before{};
  REQUIRE(::prlimit(pid, RLIMIT_FSIZE, nullptr, &before) == 0);
  const rlimit tiny{1024, before.rlim_max};
  REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &tiny, nullptr) == 0);
  const auto served_before = feeds.served_count();
  feeds.set_chances(0.5, 0.3);
  const auto troubled = feeds.requests();
  REQUIRE(eventually([&] { return feeds.requests() >= troubled + 20; }));
  if (!eventually([&] {
    const auto log = wrapper.err();
    // SQLite reports EFBIG as an I/O error; a post file as the errno.
    return log.find("disk I/O error") != std::string::npos || log.find("File too large") != std::string::npos;
  })) {
    INFO(wrapper.err().substr(0, 20000));
    CHECK(false);
  }
  feeds.set_chances(0.0, 0.0);
  CHECK(feeds.served_count() > served_before);
  CHECK(::kill(pid, 0) == 0);  // still alive

  REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &before, nullptr) == 0);
  feeds.settle();
  const bool caught_up = eventually(
      [&] {
        return all_stored(dir, feeds) && folder_mismatches(dir / "state/feedd.db", dir / "posts").empty();
      },
      15s);
  INFO(wrapper.err().substr(0, 20000));
  CHECK(caught_up);
  ::kill(pid, SIGTERM);
  CHECK(wrapper.wait(20s) == 0);
  check_archive(dir, feeds);
}

TEST_CASE("A database locked by another process delays storing, and nothing is lost once it is released") {
  TempDir dir;
  Feeds feeds(4, ChangingFeed::Options{.initial_entries = 5, .window = 1000, .add_chance = 0.0,
                                       .update_chance = 0.0, .seed = 7});
  const auto config = write_config(dir, feeds, "[schedule]\nmin_interval = \"100ms\"\ninterval = \"300ms\"\nmax_backoff = \"1s\"\n");
  auto daemon = start_daemon(config);
  REQUIRE(eventually([&] { return all_stored(dir, feeds); }));

  {
    TestDatabase other(dir / "state/feedd.db", true);
    REQUIRE(other.exec("BEGIN EXCLUSIVE") == SQLITE_OK);
    const auto served_before = feeds.served_count();
    feeds.set_chances(0.5, 0.3);
    // Longer than feedd's busy timeout (5 s), so its writes give up.
    REQUIRE(eventually([&] { return daemon->err().find("database is locked") != std::string::npos; }, 15s));
    feeds.set_chances(0.0, 0.0);
    CHECK(feeds.served_count() > served_before);
    CHECK_FALSE(daemon->wait(0ms).has_value());
    REQUIRE(other.exec("COMMIT") == SQLITE_OK);
  }
  catch_up_and_stop(*daemon, dir, feeds, 20s);
  check_archive(dir, feeds);
}

TEST_CASE("Under load: per-host limit kept, no fd leak over 10,000 polls, peak memory flat") {
  const bool full = long_tests();
  const int sources = 2000;
  const int per_host = 8;
  TempDir dir;
  Feeds feeds(sources,
              ChangingFeed::Options{.initial_entries = 3, .window = 3, .add_chance = 0.01, .update_chance = 0.01,
                                    .seed = 13},
              5ms);
  const auto config = write_config(
      dir, feeds,
      fmt::format("[fetch]\nconcurrency = 64\nper_host = {}\n[schedule]\nmin_interval = \"100ms\"\ninterval = \"1s\"\nmax_backoff = \"2s\"\n",
                  per_host));
  auto daemon = start_daemon(config);
  const pid_t pid = daemon->pid();

  // Phase one: every source polled once, and a little more.
  const auto started = Clock::now();
  REQUIRE(eventually(
      [&] {
        return std::all_of(feeds.feeds.begin(), feeds.feeds.end(), [](const auto& feed) { return feed->requests() >= 2; });
      },
      120s));
  const auto first_phase = full ? std::chrono::duration<double>(60s).count() : 0.0;
  while (seconds_since(started) < first_phase) std::this_thread::sleep_for(100ms);
  const int polls_before = feeds.requests();
  const FdCount fds_before = count_fds(pid, dir / "posts", dir / "state/feedd.db.sock");
  const long peak_before = status_kib(pid, "VmHWM");
  const std::string fd_list_before = fd_list(pid);

  // Phase two: 10,000 more polls (10 minutes of them with FEEDD_LONG_TESTS).
  const auto phase_two = Clock::now();
  const bool enough = eventually(
      [&] {
        return feeds.requests() >= polls_before + 10000 && (!full || seconds_since(started) >= 600.0);
      },
      full ? 900s : 120s);
  REQUIRE(enough);
  const int polls_after = feeds.requests();
  const FdCount fds_after = count_fds(pid, dir / "posts", dir / "state/feedd.db.sock");
  const long peak_after = status_kib(pid, "VmHWM");
  const long rss_after = status_kib(pid, "VmRSS");
  const int peak_requests = feeds.server.max_concurrent_requests();

  MESSAGE(fmt::format("{} polls ({} in phase two, {:.1f} s, {:.0f}/s); fds {}+{} sockets -> {}+{} sockets; "
                      "VmHWM {} KiB -> {} KiB (VmRSS {} KiB); peak concurrent requests {} (per_host {})",
                      polls_after, polls_after - polls_before, seconds_since(phase_two),
                      (polls_after - polls_before) / seconds_since(phase_two), fds_before.others,
                      fds_before.sockets, fds_after.others, fds_after.sockets, peak_before, peak_after, rss_after,
                      peak_requests, per_host));
  INFO("fds before:\n", fd_list_before, "fds after:\n", fd_list(pid));
  CHECK(peak_requests <= per_host);
  CHECK(peak_requests >= 2);  // the limit was reached for, not just never tested
  CHECK(fds_after.others == fds_before.others);
  // Idle keep-alive connections come and go, at most one per allowed
  // transfer; besides them, libcurl's wake-up socket pair.
  CHECK(fds_after.sockets <= per_host + 2);
  CHECK(fds_before.control_sockets == 1);
  CHECK(fds_after.control_sockets == 1);
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(static_cast<double>(peak_after) <= 1.10 * static_cast<double>(peak_before));
#endif
  CHECK_FALSE(daemon->wait(0ms).has_value());
  const auto stopping = Clock::now();
  daemon->signal(SIGTERM);
  const auto status = daemon->wait(60s);
  MESSAGE(fmt::format("stopped {:.1f} s after SIGTERM; {} source(s) left failing", seconds_since(stopping),
                      TestDatabase(dir / "state/feedd.db").text("SELECT count(*) FROM sources WHERE consecutive_failures > 0")));
  INFO(daemon->err().substr(daemon->err().size() > 5000 ? daemon->err().size() - 5000 : 0));
  CHECK(status == 0);
}

namespace {

std::string hostile_item(int i, const std::string& title, const std::string& body) {
  return fmt::format("<item><title>{}</title><link>https://news.example/h/{}</link>"
                     "<pubDate>Thu, 15 Apr 2021 13:{:02}:00 GMT</pubDate><description>{}</description></item>",
                     title, i, i, body);
}

std::string three_items() {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>h</title>";
  for (int i = 0; i < 3; ++i) {
    xml += hostile_item(i, fmt::format("item {}", i), fmt::format("body {} {}", i, std::string(400, 'z')));
  }
  return xml + "</channel></rss>";
}

fs::path write_plain_config(const TempDir& dir, const HttpTestServer& server, const std::vector<std::string>& names) {
  return write_config(dir, server, names, "[schedule]\nmin_interval = \"100ms\"\ninterval = \"300ms\"\nmax_backoff = \"1s\"\n");
}

std::map<std::string, StoredEntry> entries_of(const TempDir& dir, const std::string& source) {
  std::map<std::string, StoredEntry> result;  // by url
  for (auto& entry : stored_entries(dir / "state/feedd.db")) {
    if (entry.source == source) result[entry.url] = std::move(entry);
  }
  return result;
}

}  // namespace

TEST_CASE("Cut-off transfers and wrong or missing charsets never stop the daemon or the other sources") {
  TempDir dir;
  HttpTestServer server;
  const std::string whole = three_items();
  // The headers promise the whole body; half of it comes, then the server
  // closes the connection in good order.
  server.route("/cut.xml", [&](const TestRequest&) {
    TestResponse response{200, {{"Content-Type", "application/rss+xml"}}, whole};
    response.cut_body_at = whole.size() / 2;
    return response;
  });
  // GB18030 bytes for 中文标题.
  const std::string chinese_gb = "\xD6\xD0\xCE\xC4\xB1\xEA\xCC\xE2";
  const auto gb_feed = [&](const std::string& declaration, int i) {
    return declaration + "<rss version=\"2.0\"><channel><title>g</title>" + hostile_item(i, chinese_gb, "gb body") +
           "</channel></rss>";
  };
  // The document declares GB18030; the server claims UTF-8.
  server.serve("/wrong-charset.xml", gb_feed("<?xml version=\"1.0\" encoding=\"GB18030\"?>", 10),
               "application/rss+xml; charset=utf-8");
  // Nobody says what it is: read as UTF-8, the bad bytes become U+FFFD.
  server.serve("/missing-charset.xml", gb_feed("<?xml version=\"1.0\"?>", 11), "application/rss+xml");
  server.serve("/good.xml", whole);
  auto daemon = start_daemon(write_plain_config(dir, server, {"cut", "wrong-charset", "missing-charset", "good"}));

  const bool settled = eventually(
      [&] {
        return server.requests("/cut.xml") >= 2 && entries_of(dir, "good").size() == 3 &&
               entries_of(dir, "wrong-charset").size() == 1 && entries_of(dir, "missing-charset").size() == 1;
      },
      15s);
  const auto log = daemon->err();
  INFO(log.substr(0, 20000));
  REQUIRE(settled);
  CHECK(entries_of(dir, "cut").empty());
  CHECK(log.find("source cut (" + server.url("/cut.xml") + "): ") != std::string::npos);
  CHECK(entries_of(dir, "wrong-charset").begin()->second.title == "中文标题");
  const std::string missing = entries_of(dir, "missing-charset").begin()->second.title;
  CHECK(missing.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
  CHECK_FALSE(daemon->wait(0ms).has_value());
  daemon->signal(SIGTERM);
  CHECK(daemon->wait(20s) == 0);
  CHECK(folder_mismatches(dir / "state/feedd.db", dir / "posts").empty());
}

TEST_CASE("A document truncated inside an entry stores that entry whole once the whole document arrives") {
  TempDir dir;
  HttpTestServer server;
  const std::string whole = three_items();
  // A complete HTTP answer whose document stops in the middle of the last
  // entry's body, twice; then the whole document.
  std::atomic<int> requests{0};
  server.route("/truncated.xml", [&](const TestRequest&) {
    const bool cut = requests++ < 2;
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}},
                        cut ? whole.substr(0, whole.find("body 2") + 50) : whole};
  });
  auto daemon = start_daemon(write_plain_config(dir, server, {"truncated"}));
  const bool settled = eventually([&] { return requests >= 4 && entries_of(dir, "truncated").size() == 3; }, 15s);
  INFO(daemon->err().substr(0, 20000));
  REQUIRE(settled);
  // A cut-off body is not the article: every entry ends up as served whole.
  for (const auto& [url, entry] : entries_of(dir, "truncated")) {
    CHECK_MESSAGE(entry.content.size() > 400, url, " stored as \"", entry.content, "\"");
  }
  daemon->signal(SIGTERM);
  CHECK(daemon->wait(20s) == 0);
  CHECK(folder_mismatches(dir / "state/feedd.db", dir / "posts").empty());
}
