// feedd import-posts: the old script's posts adopted as they are, through
// the real binary over generated archives (bench/gen_old_posts.py), with
// feeds served over loopback HTTP. The reader itself is tested in
// tests/store/adopt/old_post_reader_test.cpp.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "daemon/runtime/instance_lock.h"
#include "store/archive.h"
#include "store/search_tokenizer.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tests/support/schema_6.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::test::HttpTestServer;
using feedd::test::ProcessResult;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::sqlite_count;
using feedd::test::sqlite_rows;
using feedd::test::TempDir;
using feedd::test::write_file;
using nlohmann::json;

namespace {

const fs::path source_dir = FEEDD_SOURCE_DIR;
constexpr const char* zaobao_seed = "seeds/posts/000_194e748a9a75e2e5.txt";
constexpr const char* voa_seed = "seeds/posts/004_5c912297c50d9bb3.txt";
constexpr const char* zaobao_name = "2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md";
constexpr const char* voa_name = "2021-04-15-克里抵达上海，拜登寻求美中合作的首次努力面临考验.md";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct Snapshot {
  std::string bytes;
  fs::file_time_type written;
  bool operator==(const Snapshot&) const = default;
};

// Every file's bytes and modification time: an import that wrote a file,
// even with the same bytes, shows.
std::map<std::string, Snapshot> snapshot(const fs::path& folder) {
  std::map<std::string, Snapshot> files;
  for (const auto& item : fs::directory_iterator(folder)) {
    if (!item.is_regular_file()) continue;
    files[item.path().filename().string()] = {read_file(item.path()), item.last_write_time()};
  }
  return files;
}

struct TestSource {
  std::string name;
  std::string url;
};

fs::path write_config(const TempDir& dir, const std::vector<TestSource>& sources) {
  std::string toml = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";
  for (const auto& source : sources) {
    toml += fmt::format("[[sources]]\nname = '''{}'''\nurl = \"{}\"\ncontent = \"raw\"\n", source.name, source.url);
  }
  const auto path = dir / "feedd.toml";
  write_file(path, toml);
  fs::create_directories(dir / "site/_posts");
  return path;
}

ProcessResult command(const std::string& name, const fs::path& config, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {name, "--config", config.string()};
  args.insert(args.end(), more.begin(), more.end());
  return run_feedd(args, std::chrono::seconds(300));
}

ProcessResult import_posts(const fs::path& config, const fs::path& dir, std::vector<std::string> more = {}) {
  more.insert(more.begin(), dir.string());
  return command("import-posts", config, more);
}

}  // namespace

TEST_CASE("10,000 old posts are adopted without a byte changed, a rerun imports nothing, and a poll writes "
          "nothing for them") {
  TempDir dir;
  HttpTestServer server;
  const fs::path posts = dir / "site/_posts";
  const fs::path feeds = dir / "feeds";
  const auto generated = feedd::test::run_process(
      {"/usr/bin/python3", (source_dir / "bench/gen_old_posts.py").string(), posts.string(), "10000", "--manifest",
       (dir / "manifest.json").string(), "--feeds", feeds.string()});
  REQUIRE(generated.exit_status == 0);
  const json manifest = json::parse(read_file(dir / "manifest.json"));
  const auto& importable = manifest["importable"];
  const std::size_t expected_imported = importable.size();
  const std::size_t duplicates = manifest["duplicates"].size();
  REQUIRE(expected_imported > 9000);
  REQUIRE(manifest["unreadable"].size() > 100);
  REQUIRE(duplicates > 100);

  std::vector<TestSource> sources;
  for (const auto& item : fs::directory_iterator(feeds)) {
    const std::string name = item.path().filename().string();
    server.serve("/" + name, read_file(item.path()));
    sources.push_back({name, server.url("/" + name)});
  }
  const auto config = write_config(dir, sources);
  // Where the one new article's post would go: a file that is not a post
  // must be left alone by the poll as by the import.
  const std::string in_the_way = "2023-06-20-一篇新文章.md";
  write_file(posts / in_the_way, "hand-written notes, no front matter\n");
  const std::size_t unreadable = manifest["unreadable"].size() + 1;
  const auto before = snapshot(posts);

  const auto first = import_posts(config, posts);
  INFO(first.err);
  CHECK(first.exit_status == 1);  // some files were unreadable
  CHECK(contains(first.out, "unreadable, left alone: " + in_the_way + ": no front matter"));
  CHECK(contains(first.out, fmt::format("import-posts: {} imported, 0 already known, {} unreadable, {} duplicate(s)\n",
                                        expected_imported, unreadable, duplicates)));
  CHECK(contains(first.err, "import-posts: 10004/10004"));
  for (const auto& name : manifest["unreadable"]) {
    CHECK(contains(first.out, "unreadable, left alone: " + name.get<std::string>() + ": "));
  }
  for (const auto& name : manifest["duplicates"]) {
    CHECK(contains(first.out, "duplicate: " + name.get<std::string>() + ": same URL as "));
  }
  CHECK(snapshot(posts) == before);

  const fs::path database = dir / "state/feedd.db";
  std::map<std::string, std::vector<std::string>> rows;  // post_path -> url, title, imported
  for (auto& row : sqlite_rows(database, "SELECT post_path, url, title, imported FROM entries")) {
    rows[row[0]] = {row[1], row[2], row[3]};
  }
  CHECK(rows.size() == expected_imported);
  for (const auto& [name, url] : importable.items()) {
    INFO(name);
    REQUIRE(rows.contains(name));
    CHECK(rows[name][0] == url.get<std::string>());
    CHECK(rows[name][1] == manifest["titles"][name].get<std::string>());
    CHECK(rows[name][2] == "1");
  }

  const auto second = import_posts(config, posts);
  CHECK(contains(second.out, fmt::format("import-posts: 0 imported, {} already known, {} unreadable, {} duplicate(s)\n",
                                         expected_imported, unreadable, duplicates)));
  CHECK(snapshot(posts) == before);
  CHECK(sqlite_count(database, "SELECT count(*) FROM entries") == static_cast<std::int64_t>(expected_imported));

  // The feeds carry 1,000 of the articles again, some with newer dates and
  // tracking parameters, and one article no post has.
  const auto poll = run_feedd({"once", "--config", config.string()}, std::chrono::seconds(300));
  INFO(poll.err);
  CHECK(poll.exit_status == 0);
  auto after = snapshot(posts);
  REQUIRE(after.size() == before.size() + 1);
  for (const auto& [name, file] : before) {
    INFO(name);
    REQUIRE(after.contains(name));
    CHECK(after[name] == file);
  }
  CHECK(sqlite_count(database, "SELECT count(*) FROM entries") == static_cast<std::int64_t>(expected_imported) + 1);
  CHECK(sqlite_count(database, "SELECT count(*) FROM entries WHERE url = "
                               "'https://www.zaobao.com/realtime/china/fresh-1' AND imported = 0 "
                               "AND post_path LIKE '2023-06-20-一篇新文章-%.md'") == 1);
}

TEST_CASE("Imported posts are searched, rebuilt, checked and forgotten like any post, and keep their bytes") {
  TempDir dir;
  const auto config = write_config(dir, {{"联合早报", "https://rsshub.app/zaobao/realtime/china"}});
  const fs::path posts = dir / "site/_posts";
  fs::copy_file(source_dir / zaobao_seed, posts / zaobao_name);
  fs::copy_file(source_dir / voa_seed, posts / voa_name);
  const std::string broken_name = "2021-04-16-Biden's plan.md";
  write_file(posts / broken_name,
             "---\nlayout: post\ntitle: \"Biden\\'s plan: talks\"\ndate: 2021-04-16T01:00:00.000Z\n"
             "author: 联合早报\nfrom: https://www.zaobao.com/news/plan\ntags: [ 联合早报 ]\n"
             "categories: [ 联合早报 ]\n---\n<!--1618534800000-->\n[Biden's plan: talks](https://www.zaobao.com/news/plan)\n"
             "------\n\n<div>\n<p>Climate plan text.</p>\n</div>\n");
  const auto before = snapshot(posts);

  const auto imported = import_posts(config, posts);
  INFO(imported.err);
  REQUIRE(imported.exit_status == 0);
  CHECK(contains(imported.out, "import-posts: 3 imported, 0 already known, 0 unreadable, 0 duplicate(s)\n"));
  const fs::path database = dir / "state/feedd.db";
  // 美国之音 is not configured: its row is made from the post's author:.
  CHECK(sqlite_rows(database, "SELECT name, url FROM sources ORDER BY name") ==
        feedd::test::SqliteTable{{"美国之音", ""}, {"联合早报", "https://rsshub.app/zaobao/realtime/china"}});

  SUBCASE("search finds them, by source too") {
    const auto found = command("search", config, {"--json", "克里"});
    INFO(found.err);
    REQUIRE(found.exit_status == 0);
    const json hits = json::parse(found.out);
    REQUIRE(hits.size() == 2);
    CHECK(hits[0]["title"] == "韩正：中国重视与美开展应对气候变化对话合作");
    CHECK(hits[0]["path"] == (posts / zaobao_name).string());
    CHECK(hits[1]["source"] == "美国之音");
    const auto by_source = command("search", config, {"--json", "--source", "联合早报", "plan"});
    CHECK(json::parse(by_source.out).size() == 1);
  }
  SUBCASE("rebuild leaves their bytes, --rewrite-imported writes feedd's format") {
    const auto rebuild = command("rebuild", config, {"--source", "联合早报"});
    INFO(rebuild.err);
    CHECK(rebuild.exit_status == 0);
    CHECK(contains(rebuild.out, "rebuild: 0 post(s) written, 0 already identical, 0 failed; 0 stray file(s); "
                                "2 imported post(s) left as they are, 0 missing\n"));
    CHECK(snapshot(posts) == before);

    const auto rewrite = command("rebuild", config, {"--rewrite-imported"});
    INFO(rewrite.err);
    CHECK(rewrite.exit_status == 0);
    // The seeds are feedd's format already; the broken title is not.
    CHECK(contains(rewrite.out, "rebuild: 1 post(s) written, 2 already identical, 0 failed"));
    CHECK(read_file(posts / zaobao_name) == read_file(source_dir / zaobao_seed));
    CHECK(read_file(posts / voa_name) == read_file(source_dir / voa_seed));
    CHECK(contains(read_file(posts / broken_name), "title: \"Biden's plan: talks\"\n"));
    CHECK(sqlite_count(database, "SELECT count(*) FROM entries WHERE imported = 0") == 1);
  }
  SUBCASE("check --store names a missing imported post; rebuild does not write it") {
    fs::remove(posts / voa_name);
    const auto check = command("check", config, {"--store"});
    CHECK(check.exit_status == 3);
    CHECK(contains(check.out, "missing: " + std::string(voa_name)));
    const auto rebuild = command("rebuild", config);
    CHECK(contains(rebuild.out, "imported post missing, not written (--rewrite-imported writes it in feedd's "
                                "format): " + std::string(voa_name)));
    CHECK_FALSE(fs::exists(posts / voa_name));
  }
  SUBCASE("forget removes one, and a new import leaves it out") {
    const auto forget = command("forget", config, {"https://www.zaobao.com/news/plan?utm_source=x"});
    INFO(forget.err);
    CHECK(forget.exit_status == 0);
    CHECK_FALSE(fs::exists(posts / broken_name));
    write_file(posts / broken_name, before.at(broken_name).bytes);  // the user puts it back
    const auto again = import_posts(config, posts);
    CHECK(contains(again.out, "import-posts: 0 imported, 2 already known, 0 unreadable, 0 duplicate(s), "
                              "1 forgotten (left out)\n"));
  }
  SUBCASE("--source files every post under one name") {
    for (const std::string suffix : {"", "-wal", "-shm"}) fs::remove(database.string() + suffix);
    const auto as_one = import_posts(config, posts, {"--source", "Old archive"});
    CHECK(as_one.exit_status == 0);
    CHECK(sqlite_count(database, "SELECT count(*) FROM entries JOIN sources ON sources.id = source_id "
                                 "WHERE sources.name = 'Old archive'") == 3);
  }
}

TEST_CASE("import-posts refuses a folder that is not the posts folder, and needs the store's lock") {
  TempDir dir;
  const auto config = write_config(dir, {});
  fs::create_directories(dir / "elsewhere");
  const auto refused = import_posts(config, dir / "elsewhere");
  CHECK(refused.exit_status == 2);
  CHECK(contains(refused.err, "is not the configured posts folder"));
  CHECK(import_posts(config, dir / "missing").exit_status == 2);
  CHECK(command("import-posts", config).exit_status == 2);

  // As `feedd run` holds it.
  std::string holder;
  fs::create_directories(dir / "state");
  const auto lock = feedd::InstanceLock::try_acquire(dir / "state/feedd.db.lock", holder);
  REQUIRE(lock);
  const auto locked = import_posts(config, dir / "site/_posts");
  CHECK(locked.exit_status == 4);
  CHECK(contains(locked.err, "stop it first"));
}

// ============================ migration ============================

TEST_CASE("A store of schema 5 moves to schema 6 keeping every row") {
  TempDir dir;
  const fs::path database = dir / "state/feedd.db";
  {
    feedd::Archive archive(database, dir / "site/_posts", {{"s", {"s"}, {"s"}}});
    std::vector<feedd::IncomingEntry> entries;
    for (int i = 0; i < 5; ++i) {
      feedd::IncomingEntry entry;
      entry.identity = entry.url = fmt::format("https://example.com/{}", i);
      entry.title = fmt::format("标题 {}", i);
      entry.timestamp_ms = 1618495142000 + i;
      entry.content = "<p>正文</p>";
      entry.raw_item = "<item/>";
      entries.push_back(entry);
    }
    archive.ingest("s", "https://example.com/feed", entries, 1618628200156, {});
    archive.store().remember_forgotten("https://example.com/gone", "https://example.com/gone", 1);
  }
  // Schema 5 is schema 6 without its one column, and without the tables of
  // the later steps (media, versions, removals, full articles): take them away again (with
  // feedd's tokenizer, which the search triggers need).
  {
    feedd::sqlite::Database db(database);
    feedd::register_bigram_tokenizer(db);
    db.execute(std::string(feedd::test::back_to_schema_6_sql));
    db.execute("ALTER TABLE entries DROP COLUMN imported; PRAGMA user_version = 5;");
  }
  REQUIRE(sqlite_count(database, "SELECT count(*) FROM pragma_table_info('entries') WHERE name = 'imported'") == 0);
  const std::string columns = "SELECT * FROM entries ORDER BY id";
  const auto entries_before = sqlite_rows(database, columns);
  const auto sources_before = sqlite_rows(database, "SELECT * FROM sources");
  const auto fetches_before = sqlite_rows(database, "SELECT * FROM fetches");
  const auto forgotten_before = sqlite_rows(database, "SELECT * FROM forgotten");
  REQUIRE(entries_before.size() == 5);

  { feedd::Store store(database); }
  CHECK(sqlite_count(database, "PRAGMA user_version") == feedd::Store::schema_version);
  CHECK(sqlite_count(database, "SELECT count(*) FROM page_contents") == 0);
  auto entries_after = sqlite_rows(database, columns);
  for (auto& row : entries_after) {
    CHECK(row.back() == "0");  // imported
    row.pop_back();
  }
  CHECK(entries_after == entries_before);
  CHECK(sqlite_rows(database, "SELECT * FROM sources") == sources_before);
  CHECK(sqlite_rows(database, "SELECT * FROM fetches") == fetches_before);
  CHECK(sqlite_rows(database, "SELECT * FROM forgotten") == forgotten_before);
}
