// The machine's floor for issue 17's targets 1 and 4: how fast this disk and
// SQLite can make rows of feedd's size (and one post file per row) durable,
// with none of feedd's code in the way (BENCHMARKS.md, "The machine's floor
// for targets 1 and 4"; driven by bench/ingest_floor.sh).
//
//   ingest_floor [--db PATH] [--posts DIR] [--table entries|bare] [--journal wal|delete|...]
//                [--entries N] [--group G] [--content B] [--raw B] [--search B] [--post B] [--overlap]
//                [--nosync] [--autocheckpoint FRAMES] [--per-source K] [--temp-memory]
//
// Each group of G entries is one transaction (synchronous = FULL, as feedd
// opens its store) that inserts the rows and records their ids in
// post_backlog (schema 15's posts owed); then, with --posts, each entry's
// post is written as feedd does on ext4 without a journal (create a temp
// file, write, close; one syncfs; rename each into place; fsync the folder)
// and the group's backlog ids are deleted in the next group's transaction.
// --table bare appends to a table of the same columns with no index, no
// unique constraint, no trigger and no foreign key: the rows' bytes alone.
// --overlap writes a group's posts on a second thread while the next
// group's rows are inserted (still only after their own rows committed).
// --nosync flushes nothing (synchronous = OFF, no syncfs or fsync): not
// durable, the same work without the device's flushes, for comparison.
// --autocheckpoint 0 leaves every row in the WAL (durable there; copied
// into the database after the measured time, as a later pass would).
// --per-source K: entries per source in a row, as a poll brings them
// (1,000: bench/store_bench.sh's 10 x 1,000 rounds; 30: target 1's pass).
// --temp-memory keeps SQLite's statement journals (an INSERT that a unique
// index or trigger could abort saves the pages it changes) in memory instead
// of a file in /var/tmp; they only serve a statement's rollback, never a
// crash's recovery, so durability is the same.
// Without --db only the post files are written. Prints one line: the rate
// and the bytes this process sent to storage per entry (/proc/self/io).
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct Options {
  std::string database;
  std::string posts;
  std::string table = "entries";
  std::string journal = "wal";
  long entries = 30'000;
  long group = 1'000;
  std::size_t content = 7'000;
  std::size_t raw = 8'000;
  std::size_t search = 4'000;
  std::size_t post = 8'500;
  bool overlap = false;
  bool nosync = false;
  long autocheckpoint = 1000;
  long per_source = 1000;
  bool temp_memory = false;
};

[[noreturn]] void usage() {
  std::fputs(
      "usage: ingest_floor [--db PATH] [--posts DIR] [--table entries|bare] [--journal MODE] [--entries N]\n"
      "                    [--group G] [--content B] [--raw B] [--search B] [--post B] [--overlap] [--nosync]\n"
      "                    [--autocheckpoint FRAMES] [--per-source K] [--temp-memory]\n",
      stderr);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "--overlap" || name == "--nosync" || name == "--temp-memory") {
      (name == "--overlap" ? o.overlap : name == "--nosync" ? o.nosync : o.temp_memory) = true;
      continue;
    }
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    const auto size = [value] { return static_cast<std::size_t>(std::atol(value)); };
    if (name == "--db") o.database = value;
    else if (name == "--posts") o.posts = value;
    else if (name == "--table") o.table = value;
    else if (name == "--journal") o.journal = value;
    else if (name == "--entries") o.entries = std::atol(value);
    else if (name == "--group") o.group = std::atol(value);
    else if (name == "--content") o.content = size();
    else if (name == "--raw") o.raw = size();
    else if (name == "--search") o.search = size();
    else if (name == "--post") o.post = size();
    else if (name == "--autocheckpoint") o.autocheckpoint = std::atol(value);
    else if (name == "--per-source") o.per_source = std::atol(value);
    else usage();
  }
  if ((o.table != "entries" && o.table != "bare") || o.entries < 1 || o.group < 1 || o.per_source < 1) usage();
  if (o.database.empty() && o.posts.empty()) usage();
  return o;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " (" + path + ")");
}

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // close() reports write-back errors; the destructor's close cannot.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

void execute(sqlite3* db, const std::string& sql, const std::string& path) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "?";
    sqlite3_free(message);
    fail(sql + ": " + text, path);
  }
}

Statement prepare(sqlite3* db, const std::string& sql, const std::string& path) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
    fail(sql + ": " + sqlite3_errmsg(db), path);
  }
  return Statement(raw);
}

void step_done(sqlite3* db, sqlite3_stmt* statement, const std::string& path) {
  if (sqlite3_step(statement) != SQLITE_DONE) fail(std::string("step: ") + sqlite3_errmsg(db), path);
  sqlite3_reset(statement);
}

// Chinese text (3 bytes a character in UTF-8, as the corpus' bodies), cut
// at a character boundary so every column holds valid UTF-8.
std::string chinese(std::size_t bytes, std::mt19937& random) {
  static constexpr std::string_view characters = "北京周四宣布中国国家主席将出席法德气候峰会新政府高级官员访问";
  std::string text;
  text.reserve(bytes + 3);
  while (text.size() + 3 <= bytes) {
    const std::size_t at = (random() % (characters.size() / 3)) * 3;
    text.append(characters.substr(at, 3));
  }
  return text;
}

struct Row {
  std::string identity, url, title, url_key, post_path;
  long long source_id, timestamp_ms;
};

// Keys shaped as a fresh corpus' are (see the 1,000,000-row store): identity
// and URL a URL, url_key the title without punctuation (a random place in
// its index), the post named by date and title (the end of its index),
// K consecutive entries from each source (a poll; --per-source), the sources
// taken in turn from a random start among the store's 1,000, each source's
// timestamps past its stored ones (the end of its range in entries_by_source).
Row make_row(long n, long per_source, long long run, std::mt19937& random) {
  Row row;
  const std::string tag = std::to_string(run) + "-" + std::to_string(n);
  row.url = "http://127.0.0." + std::to_string(1 + n % 50) + ":8000/floor/" + tag + ".html";
  row.identity = row.url;
  row.url_key = chinese(36, random) + tag;
  row.title = row.url_key;
  row.post_path = "2026-12-06-" + row.title + ".md";
  row.source_id = 1 + (run + n / per_source) % 1000;
  row.timestamp_ms = 1'796'000'000'000LL + run % 1'000'000 + n;
  return row;
}

constexpr std::string_view columns =
    "(identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, date_ms,"
    " content, post_path, raw_item, search_text, url_key)";

void create_tables(sqlite3* db, const std::string& path) {
  // Schema 15 keeps the posts owed here; the 1,000,000-row store is at 14.
  execute(db, "CREATE TABLE IF NOT EXISTS post_backlog (id INTEGER PRIMARY KEY)", path);
  execute(db,
          "CREATE TABLE IF NOT EXISTS floor_bare (id INTEGER PRIMARY KEY, identity TEXT, source_id INTEGER,"
          " url TEXT, guid TEXT, title TEXT, author TEXT, timestamp_ms INTEGER, has_own_timestamp INTEGER,"
          " first_seen_ms INTEGER, date_ms INTEGER, content TEXT, post_path TEXT, raw_item TEXT,"
          " search_text TEXT, url_key TEXT)",
          path);
}

Db open_store(const Options& o) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(o.database.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) fail("cannot open", o.database);
  execute(db.get(), "PRAGMA journal_mode = " + o.journal, o.database);
  execute(db.get(), o.nosync ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = FULL", o.database);
  execute(db.get(), "PRAGMA foreign_keys = ON", o.database);
  if (o.temp_memory) execute(db.get(), "PRAGMA temp_store = MEMORY", o.database);
  execute(db.get(), "PRAGMA wal_autocheckpoint = " + std::to_string(o.autocheckpoint), o.database);
  // What feedd's writer takes for a store of 512 MiB or more.
  execute(db.get(), "PRAGMA cache_size = -16384", o.database);
  create_tables(db.get(), o.database);
  return db;
}

// write_bytes counts pages when dirtied; cancelled_write_bytes takes back
// those of files truncated or deleted before write-back (SQLite's statement
// journals, a rollback journal), so the difference is what reached storage.
struct Io {
  long long wchar = 0, write_bytes = 0, cancelled = 0;
};

Io read_io() {
  std::ifstream in("/proc/self/io");
  Io io;
  std::string key;
  long long value = 0;
  while (in >> key >> value) {
    if (key == "wchar:") io.wchar = value;
    if (key == "write_bytes:") io.write_bytes = value;
    if (key == "cancelled_write_bytes:") io.cancelled = value;
  }
  return io;
}

// One group's posts made durable the way feedd's AtomicBatch does on a local
// file system without a journal (Sync::whole_file_system).
void write_posts(const std::string& folder, const std::vector<std::string>& names, const std::string& body,
                 bool sync) {
  std::vector<std::string> temps;
  temps.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    temps.push_back(folder + "/.tmp-" + std::to_string(::getpid()) + "-" + names[i]);
    Fd fd(::open(temps.back().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail("cannot create", temps.back());
    if (::write(fd.get(), body.data(), body.size()) != static_cast<ssize_t>(body.size())) {
      fail("cannot write", temps.back());
    }
    if (fd.close() != 0) fail("cannot close", temps.back());
  }
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) fail("cannot open", folder);
  if (sync && ::syncfs(dir.get()) != 0) fail("cannot syncfs", folder);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (::rename(temps[i].c_str(), (folder + "/" + names[i]).c_str()) != 0) fail("cannot rename", temps[i]);
  }
  if (sync && ::fsync(dir.get()) != 0) fail("cannot fsync", folder);
}

class Ingest {
 public:
  Ingest(const Options& o, sqlite3* db) : o_(o), db_(db), random_(12345) {
    const long long now = std::chrono::system_clock::now().time_since_epoch().count();
    run_ = now / 1000;
    content_ = chinese(o.content, random_);
    raw_ = chinese(o.raw, random_);
    search_ = chinese(o.search, random_);
    post_ = chinese(o.post, random_);
    if (db_ == nullptr) return;
    const std::string table = o.table == "bare" ? "floor_bare" : "entries";
    insert_ = prepare(db_, "INSERT INTO " + table + " " + std::string(columns) +
                               " VALUES (?1, ?2, ?3, ?3, ?4, '', ?5, 1, ?5, ?5, ?6, ?7, ?8, ?9, ?10)",
                      o.database);
    owe_ = prepare(db_, "INSERT INTO post_backlog (id) VALUES (?1)", o.database);
    paid_ = prepare(db_, "DELETE FROM post_backlog WHERE id = ?1", o.database);
  }

  void run() {
    std::thread posts;
    std::vector<long long> paid;  // ids whose posts are durable, cleared in the next transaction
    std::vector<long long> posting;
    for (long first = 0; first < o_.entries; first += o_.group) {
      const long last = std::min(o_.entries, first + o_.group);
      std::vector<std::string> names;
      std::vector<long long> ids;
      if (db_ != nullptr) execute(db_, "BEGIN", o_.database);
      for (long n = first; n < last; ++n) {
        const Row row = make_row(n, o_.per_source, run_, random_);
        names.push_back(row.post_path);
        if (db_ != nullptr) ids.push_back(insert(row));
      }
      if (posts.joinable()) {
        posts.join();
        paid.insert(paid.end(), posting.begin(), posting.end());
      }
      if (!posts_error_.empty()) throw std::runtime_error(posts_error_);
      if (db_ != nullptr) {
        clear(paid);
        execute(db_, "COMMIT", o_.database);
      }
      if (o_.posts.empty()) continue;
      posting = std::move(ids);
      posts = std::thread([this, names = std::move(names)] {
        try {
          write_posts(o_.posts, names, post_, !o_.nosync);
        } catch (const std::exception& error) {
          posts_error_ = error.what();
        }
      });
      if (!o_.overlap) {
        posts.join();
        paid.insert(paid.end(), posting.begin(), posting.end());
        posting.clear();
      }
    }
    if (posts.joinable()) {
      posts.join();
      paid.insert(paid.end(), posting.begin(), posting.end());
    }
    if (!posts_error_.empty()) throw std::runtime_error(posts_error_);
    if (db_ != nullptr && !paid.empty()) {
      execute(db_, "BEGIN", o_.database);
      clear(paid);
      execute(db_, "COMMIT", o_.database);
    }
  }

 private:
  long long insert(const Row& row) {
    sqlite3_stmt* s = insert_.get();
    sqlite3_bind_text(s, 1, row.identity.data(), static_cast<int>(row.identity.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, row.source_id);
    sqlite3_bind_text(s, 3, row.url.data(), static_cast<int>(row.url.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row.title.data(), static_cast<int>(row.title.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, row.timestamp_ms);
    sqlite3_bind_text(s, 6, content_.data(), static_cast<int>(content_.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 7, row.post_path.data(), static_cast<int>(row.post_path.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 8, raw_.data(), static_cast<int>(raw_.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 9, search_.data(), static_cast<int>(search_.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 10, row.url_key.data(), static_cast<int>(row.url_key.size()), SQLITE_STATIC);
    step_done(db_, s, o_.database);
    const long long id = sqlite3_last_insert_rowid(db_);
    if (o_.posts.empty()) return id;
    sqlite3_bind_int64(owe_.get(), 1, id);
    step_done(db_, owe_.get(), o_.database);
    return id;
  }

  void clear(std::vector<long long>& paid) {
    for (const long long id : paid) {
      sqlite3_bind_int64(paid_.get(), 1, id);
      step_done(db_, paid_.get(), o_.database);
    }
    paid.clear();
  }

  const Options& o_;
  sqlite3* db_;
  std::mt19937 random_;
  long long run_ = 0;
  std::string content_, raw_, search_, post_;
  Statement insert_, owe_, paid_;
  std::string posts_error_;  // set by the posts thread, read after its join
};

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  Db db = o.database.empty() ? Db() : open_store(o);
  Ingest ingest(o, db.get());
  const Io before = read_io();
  const auto start = std::chrono::steady_clock::now();
  ingest.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Io after = read_io();
  const double per_entry = 1.0 / static_cast<double>(o.entries);
  const long long stored = (after.write_bytes - after.cancelled) - (before.write_bytes - before.cancelled);
  std::printf("entries %ld group %ld seconds %.3f rate %.0f wchar_per_entry %.0f stored_bytes_per_entry %.0f\n",
              o.entries, o.group, seconds, static_cast<double>(o.entries) / seconds,
              static_cast<double>(after.wchar - before.wchar) * per_entry, static_cast<double>(stored) * per_entry);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "ingest_floor: %s\n", error.what());
  return 1;
}
