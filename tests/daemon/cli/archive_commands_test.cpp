// The archive as a tool: search, sources, stats, rebuild, reprocess, OPML,
// forget and check --store, through the real binary where the output is the
// contract, and through the store's API where the index is.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/opml.h"
#include "config/opml_settings.h"
#include "daemon/cli/output/progress.h"
#include "daemon/cli/output/terminal.h"
#include "store/archive.h"
#include "store/archive_report.h"
#include "store/search.h"
#include "store/search_query.h"
#include "store/search_tokenizer.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/schema_6.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::Archive;
using feedd::IncomingEntry;
using feedd::test::HttpTestServer;
using feedd::test::ProcessResult;
using feedd::test::read_file;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::write_file;
using feedd::test::xml_escape;
using nlohmann::json;

namespace {

const fs::path source_dir = FEEDD_SOURCE_DIR;
constexpr const char* pinned_now = "2021-04-17T02:56:40.156Z";
constexpr std::int64_t fetched_ms = 1618628200156;  // pinned_now
constexpr std::int64_t hour_ms = 3'600'000;

// ---- helpers: a config, a store filled in-process, the binary ----

struct TestSource {
  std::string name;
  std::string url;
  std::string extra{};  // more TOML lines
};

fs::path write_config(const TempDir& dir, const std::vector<TestSource>& sources) {
  std::string toml = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";
  for (const auto& source : sources) {
    toml += fmt::format("[[sources]]\nname = '''{}'''\nurl = \"{}\"\n{}\n", source.name, source.url, source.extra);
  }
  const auto path = dir / "feedd.toml";
  write_file(path, toml);
  return path;
}

std::vector<feedd::SourcePresentation> presentations(const std::vector<TestSource>& sources) {
  std::vector<feedd::SourcePresentation> result;
  for (const auto& source : sources) result.push_back({source.name, {source.name}, {source.name}});
  return result;
}

Archive open_archive(const TempDir& dir, const std::vector<TestSource>& sources) {
  return Archive(dir / "state/feedd.db", dir / "site/_posts", presentations(sources));
}

IncomingEntry entry(const std::string& url, const std::string& title, std::int64_t timestamp_ms,
                    const std::string& content) {
  IncomingEntry incoming;
  incoming.identity = url;
  incoming.url = url;
  incoming.title = title;
  incoming.timestamp_ms = timestamp_ms;
  incoming.content = content;
  return incoming;
}

void ingest(Archive& archive, const TestSource& source, const std::vector<IncomingEntry>& entries,
            std::int64_t at_ms = fetched_ms) {
  archive.ingest(source.name, source.url, entries, at_ms, {});
}

ProcessResult feedd_with(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env) {
  args.insert(args.begin(), FEEDD_BINARY);
  return feedd::test::run_process(std::move(args), std::chrono::seconds(60), std::move(env));
}

ProcessResult command(const std::string& name, const fs::path& config, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {name, "--config", config.string()};
  args.insert(args.end(), more.begin(), more.end());
  return run_feedd(args);
}

std::vector<std::string> titles_of(const std::vector<feedd::SearchHit>& hits) {
  std::vector<std::string> titles;
  for (const auto& hit : hits) titles.push_back(hit.title);
  return titles;
}

std::vector<std::string> search_titles(Archive& archive, const std::string& query) {
  feedd::SearchRequest request;
  request.query = query;
  return titles_of(feedd::search(archive.store().database(), request));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::map<std::string, std::string> posts_by_name(const fs::path& folder) {
  std::map<std::string, std::string> posts;
  if (!fs::exists(folder)) return posts;
  for (const auto& item : fs::directory_iterator(folder)) posts[item.path().filename().string()] = read_file(item.path());
  return posts;
}

// ---- helpers: RSS served over HTTP, for the end-to-end cases ----

struct TestItem {
  std::string title;
  std::string link;
  std::string description;
  std::string pub_date = "Thu, 15 Apr 2021 13:59:02 GMT";
};

std::string rss(const std::vector<TestItem>& items) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>";
  for (const auto& item : items) {
    xml += "<item><title>" + xml_escape(item.title) + "</title><link>" + xml_escape(item.link) + "</link><pubDate>" +
           item.pub_date + "</pubDate><description><![CDATA[" + item.description + "]]></description></item>\n";
  }
  return xml + "</channel></rss>\n";
}

ProcessResult once(const fs::path& config) { return run_feedd({"once", "--config", config.string(), "--now", pinned_now}); }

// ---- helpers: raw SQLite, to compare a store before and after ----

using Table = feedd::test::SqliteTable;

Table dump(const fs::path& database, const std::string& sql) { return feedd::test::sqlite_rows(database, sql); }

const std::vector<TestSource> news = {{"美国之音", "https://feedx.net/rss/mgzy1.xml"},
                                      {"联合早报", "https://rsshub.app/zaobao/realtime/china"}};

// Three entries an hour apart: Chinese, English and both.
void fill_news(Archive& archive) {
  ingest(archive, news[0],
         {entry("https://www.voachinese.com/a/1.html", "克里抵达上海，拜登寻求美中合作", fetched_ms - 3 * hour_ms,
                "<p>美国气候特使<b>克里</b>抵达上海。</p>"),
          entry("https://www.voachinese.com/a/2.html", "Climate talks resume", fetched_ms - 2 * hour_ms,
                "<p>Kerry met Xie in <em>Shanghai</em>; AI was not discussed.</p><script>var hidden = 1;</script>")});
  ingest(archive, news[1],
         {entry("https://www.zaobao.com/story/3", "韩正：中国重视应对气候变化对话合作", fetched_ms - hour_ms,
                "<div>韩正会见克里。China welcomes the US back to the Paris Agreement.</div>")});
}

}  // namespace

// ============================ migration ============================

TEST_CASE("A store of schema version 1 upgrades in place without losing a row") {
  TempDir dir;
  const auto database = dir / "state/feedd.db";
  fs::create_directories(database.parent_path());
  fs::copy_file(source_dir / "tests/data/store/feedd-v1.db", database);
  const std::string v1_entries =
      "SELECT id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, "
      "date_ms, content, post_path, post_pending FROM entries ORDER BY id";
  const Table entries_before = dump(database, v1_entries);
  const Table sources_before = dump(database, "SELECT * FROM sources ORDER BY id");
  const Table fetches_before = dump(database, "SELECT * FROM fetches ORDER BY id");
  REQUIRE(dump(database, "PRAGMA user_version")[0][0] == "1");
  REQUIRE(entries_before.size() == 3);

  {
    feedd::Store store(database);
    CHECK(feedd::integrity_problems(store.database()).empty());
    feedd::SearchRequest request;
    for (const std::string query : {"克", "克里", "克里抵达", "巴黎", "AI", "Xie Zhenhua"}) {
      request.query = query;
      INFO(query);
      CHECK(feedd::search(store.database(), request).size() >= 1);
    }
    request.query = "hidden";  // inside <script>: markup and scripts are not text
    CHECK(feedd::search(store.database(), request).empty());
  }

  CHECK(dump(database, "PRAGMA user_version")[0][0] == std::to_string(feedd::Store::schema_version));
  CHECK(dump(database, v1_entries) == entries_before);
  CHECK(dump(database, "SELECT * FROM sources ORDER BY id") == sources_before);
  CHECK(dump(database, "SELECT * FROM fetches ORDER BY id") == fetches_before);
  CHECK(dump(database, "SELECT count(*) FROM entries WHERE raw_item = '' AND search_text != ''")[0][0] == "3");
}

TEST_CASE("A store of schema version 3 keeps every row and rebuilds its search index as one index") {
  TempDir dir;
  const auto database = dir / "state/feedd.db";
  fs::create_directories(database.parent_path());
  fs::copy_file(source_dir / "tests/data/store/feedd-v3.db", database);
  const std::string rows =
      "SELECT id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, "
      "date_ms, content, post_path, post_pending, raw_item, provisional, search_text, url_key FROM entries ORDER BY id";
  const Table entries_before = dump(database, rows);
  const Table sources_before = dump(database, "SELECT * FROM sources ORDER BY id");
  const Table fetches_before = dump(database, "SELECT * FROM fetches ORDER BY id");
  REQUIRE(dump(database, "PRAGMA user_version")[0][0] == "3");
  REQUIRE(dump(database, "SELECT count(*) FROM entries WHERE search_indexed")[0][0] == "3");

  const auto finds_each = [](feedd::Store& store) {
    feedd::SearchRequest request;
    for (const std::string query : {"克", "克里", "克里抵达", "巴黎协定", "AI", "Xie Zhenhua", "克里 OR AI", "克 -韩正"}) {
      request.query = query;
      INFO(query);
      CHECK(feedd::search(store.database(), request).size() >= 1);
    }
    request.query = "hidden";
    CHECK(feedd::search(store.database(), request).empty());
  };
  {
    feedd::Store store(database);
    // Every row waits for the new index and is found by its text meanwhile.
    CHECK(store.search_backlog() == 3);
    finds_each(store);
    while (store.index_search_backlog(2) > 0) {
    }
    CHECK(store.search_backlog() == 0);
    finds_each(store);
    CHECK(feedd::integrity_problems(store.database()).empty());
  }

  CHECK(dump(database, "PRAGMA user_version")[0][0] == std::to_string(feedd::Store::schema_version));
  CHECK(dump(database, rows) == entries_before);
  CHECK(dump(database, "SELECT * FROM sources ORDER BY id") == sources_before);
  CHECK(dump(database, "SELECT * FROM fetches ORDER BY id") == fetches_before);
  CHECK(dump(database, "SELECT count(*) FROM sqlite_schema WHERE name IN ('entries_text', 'entries_short')")[0][0] ==
        "0");
  // The same step made the publish hook's list (store/lists/unpublished.h).
  CHECK(dump(database, "SELECT count(*) FROM unpublished")[0][0] == "0");
}

// ============================ search ============================

// The same answers whether a row is still waiting for the search index
// (found by its text) or already in it (found through FTS5).
void check_search_answers(feedd::Archive& archive) {
  const std::string kerry_zh = "克里抵达上海，拜登寻求美中合作";
  const std::string talks = "Climate talks resume";
  const std::string han = "韩正：中国重视应对气候变化对话合作";

  CHECK(search_titles(archive, "克") == std::vector<std::string>{han, kerry_zh});
  CHECK(search_titles(archive, "克里") == std::vector<std::string>{han, kerry_zh});
  CHECK(search_titles(archive, "气候") == std::vector<std::string>{han, kerry_zh});
  CHECK(search_titles(archive, "克里抵达") == std::vector<std::string>{kerry_zh});
  CHECK(search_titles(archive, "上海") == std::vector<std::string>{kerry_zh});
  CHECK(search_titles(archive, "韩") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "AI") == std::vector<std::string>{talks});
  CHECK(search_titles(archive, "ai") == std::vector<std::string>{talks});
  CHECK(search_titles(archive, "X") == std::vector<std::string>{talks});  // a lone letter: Xie
  CHECK(search_titles(archive, "shanghai") == std::vector<std::string>{talks});
  CHECK(search_titles(archive, "\"Paris Agreement\"") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "Paris Agreement") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "Agreement Paris") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "\"Agreement Paris\"").empty());

  // Markup and scripts are not searched, only the text people read.
  CHECK(search_titles(archive, "hidden").empty());
  CHECK(search_titles(archive, "<em>").empty());
  CHECK(search_titles(archive, "script").empty());
  CHECK(search_titles(archive, "<p>").empty());
  // A term at the very end of the text is found.
  CHECK(search_titles(archive, "t.") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "。") == std::vector<std::string>{han, kerry_zh});
  // OR, NOT, - and parentheses combine terms of any length.
  CHECK(search_titles(archive, "克里 OR AI") == std::vector<std::string>{han, talks, kerry_zh});
  CHECK(search_titles(archive, "克里 -上海") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "克里 NOT 上海") == std::vector<std::string>{han});
  CHECK(search_titles(archive, "(上海 OR Paris) 克") == std::vector<std::string>{han, kerry_zh});
  CHECK(search_titles(archive, "NOT 克") == std::vector<std::string>{talks});
  // Characters FTS5 would read as syntax are searched as text.
  for (const std::string query : {"a*b", "title:x", "NEAR(a b)", "{x}", "a^b", "\"a\" + \"b\"", "COVID-19", "x:"}) {
    INFO(query);
    CHECK_NOTHROW(search_titles(archive, query));
  }
}

int unindexed_rows(feedd::Archive& archive) {
  return static_cast<int>(archive.store().search_backlog());
}

TEST_CASE("Search finds one-, two- and three-or-more-character terms, Chinese and English, newest first") {
  TempDir dir;
  auto archive = open_archive(dir, news);
  fill_news(archive);
  SUBCASE("rows stored but not yet indexed, found by their text") {
    REQUIRE(unindexed_rows(archive) == 3);
    check_search_answers(archive);
  }
  SUBCASE("rows in the search indexes, found through them") {
    CHECK(archive.store().index_search_backlog(2) == 2);
    CHECK(archive.store().index_search_backlog(2) == 1);
    CHECK(archive.store().index_search_backlog(2) == 0);
    REQUIRE(unindexed_rows(archive) == 0);
    check_search_answers(archive);
    CHECK(feedd::integrity_problems(archive.store().database()).empty());
  }
  SUBCASE("some rows indexed and some not") {
    archive.store().index_search_backlog(1);
    REQUIRE(unindexed_rows(archive) == 2);
    check_search_answers(archive);
  }
  SUBCASE("rows in the search index through runs read on another connection") {
    feedd::sqlite::Database reader(archive.store().database().path());
    auto first = feedd::Store::prepare_search_run(reader, 0, 2);
    CHECK(first.ids.size() == 2);
    CHECK(archive.store().write_search_run(first) == 2);
    auto rest = feedd::Store::prepare_search_run(reader, first.last_id(), 2);
    CHECK(archive.store().write_search_run(rest) == 1);
    auto none = feedd::Store::prepare_search_run(reader, rest.last_id(), 2);
    CHECK(none.ids.empty());
    REQUIRE(unindexed_rows(archive) == 0);
    check_search_answers(archive);
    CHECK(feedd::integrity_problems(archive.store().database()).empty());
  }
}

TEST_CASE("A search run read on another connection is not written when one of its rows changed meanwhile") {
  TempDir dir;
  auto archive = open_archive(dir, news);
  fill_news(archive);
  feedd::sqlite::Database reader(archive.store().database().path());
  auto run = feedd::Store::prepare_search_run(reader, 0, 10);
  REQUIRE(run.ids.size() == 3);
  SUBCASE("its text was edited") {
    archive.store().database().execute(
        "UPDATE entries SET search_text = 'Climate talks end' WHERE title = 'Climate talks resume'");
    CHECK(archive.store().write_search_run(run) == 0);
    CHECK(unindexed_rows(archive) == 3);
    CHECK(search_titles(archive, "resume").empty());
    CHECK(search_titles(archive, "end") == std::vector<std::string>{"Climate talks resume"});
  }
  SUBCASE("the writer indexed it first") {
    CHECK(archive.store().index_search_backlog(1) == 1);
    CHECK(archive.store().write_search_run(run) == 0);
    CHECK(unindexed_rows(archive) == 2);
  }
  SUBCASE("it was deleted") {
    archive.store().database().execute("DELETE FROM entries WHERE title = 'Climate talks resume'");
    CHECK(archive.store().write_search_run(run) == 0);
    CHECK(unindexed_rows(archive) == 2);
  }
  // Whatever was left is indexed by the writer's own batches.
  while (archive.store().index_search_backlog(10) > 0) {
  }
  CHECK(unindexed_rows(archive) == 0);
  CHECK(feedd::integrity_problems(archive.store().database()).empty());
}

TEST_CASE("Search text made ahead of the writer is used only for the title and content it was made from") {
  const std::string content = "<p>克里抵达<b>上海</b></p><script>hidden()</script>";
  const auto prepared = feedd::prepare_search_text("Kerry", content);
  CHECK(prepared.text == feedd::searchable_text("Kerry", content));
  CHECK(feedd::searchable_text(prepared, "Kerry", content) == prepared.text);
  CHECK(feedd::searchable_text(prepared, "Kerry", "<p>韩正</p>") == feedd::searchable_text("Kerry", "<p>韩正</p>"));
  CHECK(feedd::searchable_text(prepared, "Han", content) == feedd::searchable_text("Han", content));
  CHECK(feedd::searchable_text(feedd::PreparedSearchText{}, "Han", content) == feedd::searchable_text("Han", content));
}

// One index of characters and bigrams answers every term length; a term of
// three or more characters is the AND of its bigrams there, so a row that
// holds each bigram apart must be ruled out by its text.
void check_term_lengths(feedd::Archive& archive) {
  const std::string arrival = "克里抵达上海";   // oldest
  const std::string apart = "分开的字";         // every bigram of 克里抵达, never together
  const std::string mixed = "Mixed 文字";       // newest
  const auto titles = [&](const std::string& query) {
    INFO(query);
    return search_titles(archive, query);
  };
  using Titles = std::vector<std::string>;
  CHECK(titles("克") == Titles{apart, arrival});
  CHECK(titles("抵达") == Titles{apart, arrival});
  CHECK(titles("克里抵达") == Titles{arrival});
  CHECK(titles("里抵达") == Titles{apart, arrival});
  CHECK(titles("里抵达上海") == Titles{arrival});
  CHECK(titles("特使克里抵达上海。") == Titles{arrival});
  CHECK(titles("抵达克里").empty());
  // Latin and Chinese in one term, and across a space inside a phrase.
  CHECK(titles("mixed中文") == Titles{mixed});
  CHECK(titles("中文TEXT") == Titles{mixed});
  CHECK(titles("d中") == Titles{mixed});
  CHECK(titles("\"Xi Jinping\"") == Titles{apart});
  CHECK(titles("\"Jinping met\"") == Titles{apart});
  CHECK(titles("\"met Jinping\"").empty());
  CHECK(titles("\"g m\"") == Titles{apart});
  CHECK(titles("KERRY") == Titles{apart});
  CHECK(titles("Kerry 里抵") == Titles{apart});
  // OR and NOT over terms of each length.
  CHECK(titles("克里抵达 OR 文字") == Titles{mixed, arrival});
  CHECK(titles("抵达 -克里抵达") == Titles{apart});
  CHECK(titles("抵达 NOT 上海") == Titles{apart});
  CHECK(titles("NOT 中文") == Titles{apart, arrival});
  CHECK(titles("(克里抵达 OR mixed中文) -上") == Titles{mixed});
}

TEST_CASE("Terms of one, two and three or more characters find the same rows indexed or not") {
  TempDir dir;
  auto archive = open_archive(dir, news);
  ingest(archive, news[0],
         {entry("https://www.voachinese.com/a/11.html", "克里抵达上海", fetched_ms - 3 * hour_ms,
                "<p>美国气候特使克里抵达上海。</p>"),
          entry("https://www.voachinese.com/a/12.html", "分开的字", fetched_ms - 2 * hour_ms,
                "<p>克里。里抵达北京 Xi Jinping met Kerry</p>")});
  ingest(archive, news[1],
         {entry("https://www.zaobao.com/story/13", "Mixed 文字", fetched_ms - hour_ms,
                "<p>mixed中文text</p>")});
  SUBCASE("not indexed yet") {
    REQUIRE(unindexed_rows(archive) == 3);
    check_term_lengths(archive);
  }
  SUBCASE("indexed") {
    archive.store().index_search_backlog(10);
    REQUIRE(unindexed_rows(archive) == 0);
    check_term_lengths(archive);
    CHECK(feedd::integrity_problems(archive.store().database()).empty());
  }
}

TEST_CASE("The search index follows updates and forget, for short and long terms") {
  TempDir dir;
  const auto config = write_config(dir, news);
  // Indexed before the update: the update must take the old text out of the
  // indexes. Not indexed: the row is read as it is now.
  bool index_first = false;
  SUBCASE("rows indexed before the update") { index_first = true; }
  SUBCASE("rows not indexed yet") {}
  {
    auto archive = open_archive(dir, news);
    fill_news(archive);
    if (index_first) archive.store().index_search_backlog(100);
    // A newer version of the Kerry story replaces its text.
    ingest(archive, news[0],
           {entry("https://www.voachinese.com/a/1.html", "克里离开上海", fetched_ms, "<p>特使前往北京。</p>")});
    CHECK(unindexed_rows(archive) == (index_first ? 1 : 3));
    CHECK(feedd::integrity_problems(archive.store().database()).empty());
    CHECK(search_titles(archive, "抵达").empty());
    CHECK(search_titles(archive, "克里抵达").empty());
    CHECK(search_titles(archive, "北京") == std::vector<std::string>{"克里离开上海"});
    CHECK(search_titles(archive, "离") == std::vector<std::string>{"克里离开上海"});
    CHECK(search_titles(archive, "前往北京") == std::vector<std::string>{"克里离开上海"});
  }

  const auto forget = command("forget", config, {"https://WWW.voachinese.com/a/1.html?utm_source=rss#top"});
  INFO(forget.err);
  CHECK(forget.exit_status == 0);
  CHECK(contains(forget.out, "克里离开上海"));
  auto archive = open_archive(dir, news);
  for (const std::string query : {"离", "北京", "前往北京"}) {
    INFO(query);
    CHECK(search_titles(archive, query).empty());
  }
  CHECK(search_titles(archive, "克里").size() == 1);  // the Zaobao story stays
  CHECK(feedd::integrity_problems(archive.store().database()).empty());
  CHECK_FALSE(fs::exists(dir / "site/_posts" / "2021-04-17-克里离开上海.md"));
  CHECK(posts_by_name(dir / "site/_posts").size() == 2);

  const auto unknown = command("forget", config, {"https://www.voachinese.com/a/1.html"});
  CHECK(unknown.exit_status == 2);
  CHECK(contains(unknown.err, "no entry has the URL https://www.voachinese.com/a/1.html"));

  // A takedown survives the feed still carrying the entry, even with a
  // newer timestamp.
  ingest(archive, news[0],
         {entry("https://www.voachinese.com/a/1.html", "克里离开上海", fetched_ms + hour_ms, "<p>又回来了</p>")});
  CHECK(search_titles(archive, "离").empty());
  CHECK(posts_by_name(dir / "site/_posts").size() == 2);
  archive.store().index_search_backlog(100);
  CHECK(unindexed_rows(archive) == 0);
  CHECK(search_titles(archive, "离").empty());
  CHECK(search_titles(archive, "克里").size() == 1);
  CHECK(feedd::integrity_problems(archive.store().database()).empty());
}

TEST_CASE("A row edited after it was indexed is not found by the grams it lost once indexed again") {
  TempDir dir;
  auto archive = open_archive(dir, news);
  fill_news(archive);
  archive.store().index_search_backlog(100);
  ingest(archive, news[0],
         {entry("https://www.voachinese.com/a/1.html", "克里离开上海", fetched_ms, "<p>特使前往北京。</p>")});
  archive.store().index_search_backlog(100);
  CHECK(unindexed_rows(archive) == 0);
  // Its old grams stay in the older run; its text decides.
  CHECK(search_titles(archive, "抵").empty());
  CHECK(search_titles(archive, "抵达").empty());
  CHECK(search_titles(archive, "克里抵达").empty());
  CHECK(search_titles(archive, "上海") == std::vector<std::string>{"克里离开上海"});
  CHECK(search_titles(archive, "离") == std::vector<std::string>{"克里离开上海"});
  CHECK(search_titles(archive, "前往北京") == std::vector<std::string>{"克里离开上海"});
  CHECK(search_titles(archive, "-抵 克里").size() == 2);
  feedd::SearchRequest request;
  request.query = "抵 OR 离";
  CHECK(feedd::count_matches(archive.store().database(), request) == 1);
}

TEST_CASE("search_dirty stays bounded over cycles of new and edited entries and search stays exact") {
  TempDir dir;
  auto archive = open_archive(dir, news);
  const std::vector<std::string> words{"春天", "夏日", "秋风", "冬雪", "晨光", "夜色", "山川", "河流", "星辰", "云海"};
  std::map<int, std::string> word_of;  // what each row's title says now
  auto version = [&](int i, std::size_t cycle) {
    const std::string& word = words[cycle];
    word_of[i] = word;
    // A later date with each revision: what makes a changed entry an edit.
    const std::int64_t dated = fetched_ms - 100'000'000 + static_cast<std::int64_t>(cycle) * 1'000'000 + i;
    return entry(fmt::format("https://e.com/rolling/{}", i), fmt::format("第{}条 {}", i, word), dated,
                 fmt::format("<p>编号{}号 {}</p>", i, word));
  };
  const auto database = dir / "state/feedd.db";
  for (std::size_t cycle = 0; cycle < words.size(); ++cycle) {
    // Each cycle, 20 new entries, and the 20 of the cycle before edited.
    std::vector<IncomingEntry> polled;
    const int first = static_cast<int>(cycle) * 20;
    for (int i = first; i < first + 20; ++i) polled.push_back(version(i, cycle));
    for (int i = std::max(0, first - 20); i < first; ++i) polled.push_back(version(i, cycle));
    ingest(archive, news[0], polled);
    while (archive.store().index_search_backlog(1000) > 0) {
    }
    INFO("cycle " << cycle);
    // Without emptying, every edited row stays noted: 20 more each cycle.
    CHECK(std::stoi(dump(database, "SELECT count(*) FROM search_dirty")[0][0]) < 64);
    CHECK(unindexed_rows(archive) == 0);
    for (std::size_t w = 0; w <= cycle; ++w) {
      feedd::SearchRequest request;
      request.query = words[w];
      const auto expected = std::count_if(word_of.begin(), word_of.end(), [&](const auto& row) { return row.second == words[w]; });
      CHECK_MESSAGE(feedd::count_matches(archive.store().database(), request) == expected, words[w]);
    }
  }
  CHECK(feedd::integrity_problems(archive.store().database()).empty());
}

TEST_CASE("Rows indexed one at a time are merged into fewer runs and found the same") {
  TempDir dir;
  auto archive = open_archive(dir, news);
  std::vector<IncomingEntry> many;
  for (int i = 0; i < 70; ++i) {
    many.push_back(entry(fmt::format("https://e.com/{}", i), fmt::format("第{}条 item{}", i, i),
                         fetched_ms - (i % 7) * hour_ms, fmt::format("<p>编号{}号 common</p>", i)));
  }
  ingest(archive, news[0], many);
  while (archive.store().index_search_backlog(1) > 0) {
  }
  // 70 runs of one row: levels of 8 merge, so far fewer remain.
  CHECK(dump(dir / "state/feedd.db", "SELECT count(*) FROM search_runs")[0][0] == "7");  // 1 of level 2, 6 of level 0
  CHECK(feedd::integrity_problems(archive.store().database()).empty());
  for (int i = 0; i < 70; ++i) {
    const std::string term = fmt::format("item{}", i);
    std::size_t expected = 0;  // item1 is also in item10 ... item19
    for (int j = 0; j < 70; ++j) expected += fmt::format("item{}", j).starts_with(term) ? 1 : 0;
    INFO(term);
    CHECK(search_titles(archive, term).size() == expected);
  }
  feedd::SearchRequest request;
  request.query = "common";
  request.limit = 100;
  CHECK(feedd::search(archive.store().database(), request).size() == 70);
  request.query = "号 common";
  CHECK(feedd::count_matches(archive.store().database(), request) == 70);
}

TEST_CASE("A store of schema 6 with its FTS5 index keeps every row and rebuilds the search index as feedd's own") {
  TempDir dir;
  const auto database = dir / "state/feedd.db";
  {
    auto archive = open_archive(dir, news);
    fill_news(archive);
  }
  // Schema 6 as it was: schema 5's FTS5 index and triggers, every row in it.
  {
    feedd::sqlite::Database db(database);
    feedd::register_bigram_tokenizer(db);
    db.execute(std::string(feedd::test::back_to_schema_6_sql));
    db.execute(R"sql(
      CREATE VIRTUAL TABLE entries_search USING fts5(
        search_text, content='entries_indexed', content_rowid='id', tokenize='feedd_bigram unigrams',
        detail='none', columnsize=0);
      CREATE TRIGGER entries_search_delete AFTER DELETE ON entries WHEN old.search_indexed BEGIN
        INSERT INTO entries_search(entries_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
      END;
      CREATE TRIGGER entries_search_update AFTER UPDATE OF search_text, search_indexed ON entries
      WHEN old.search_indexed AND (NOT new.search_indexed OR old.search_text != new.search_text) BEGIN
        INSERT INTO entries_search(entries_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        UPDATE entries SET search_indexed = 0 WHERE id = new.id AND search_indexed;
      END;
      UPDATE entries SET search_indexed = 1;
      INSERT INTO entries_search(entries_search) VALUES ('rebuild');
    )sql");
  }
  const std::string rows =
      "SELECT id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, "
      "date_ms, content, post_path, post_pending, raw_item, provisional, search_text, url_key, imported "
      "FROM entries ORDER BY id";
  const Table entries_before = dump(database, rows);
  const Table sources_before = dump(database, "SELECT * FROM sources ORDER BY id");
  REQUIRE(dump(database, "PRAGMA user_version")[0][0] == "6");
  REQUIRE(entries_before.size() == 3);
  {
    auto archive = open_archive(dir, news);
    // Every row waits for the new index and is found by its text meanwhile.
    CHECK(unindexed_rows(archive) == 3);
    check_search_answers(archive);
    while (archive.store().index_search_backlog(2) > 0) {
    }
    CHECK(unindexed_rows(archive) == 0);
    check_search_answers(archive);
    CHECK(feedd::integrity_problems(archive.store().database()).empty());
  }
  CHECK(dump(database, "PRAGMA user_version")[0][0] == std::to_string(feedd::Store::schema_version));
  CHECK(dump(database, rows) == entries_before);
  CHECK(dump(database, "SELECT * FROM sources ORDER BY id") == sources_before);
  CHECK(dump(database, "SELECT count(*) FROM sqlite_schema WHERE name = 'entries_search'")[0][0] == "0");
  CHECK(dump(database, "SELECT count(*) FROM search_runs")[0][0] == "2");
}

TEST_CASE("Query syntax errors are reported with their place, never as crashes") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"\"unterminated", "unterminated quote (at character 1)"},
      {"a OR", "OR must be followed by a term (at character 3)"},
      {"OR a", "OR must have a term on each side (at character 1)"},
      {"(克里", "\"(\" is never closed (at character 1)"},
      {"克里)", "\")\" without a matching \"(\" (at character 3)"},
      {"()", "empty parentheses (at character 1)"},
      {"a - b", "\"-\" must be followed by what to exclude, as in -sport (at character 3)"},
      {"a NOT", "NOT must be followed by what to exclude (at character 3)"},
      {"\"\"", "empty phrase \"\" (at character 1)"},
      {"   ", "the query is empty (at character 1)"},
  };
  for (const auto& [query, message] : bad) {
    INFO(query);
    CHECK_THROWS_WITH_AS(feedd::compile_search(query, 1), message.c_str(), feedd::SearchSyntaxError);
  }
  std::string many;
  for (int i = 0; i < 40; ++i) many += "term ";
  CHECK_THROWS_AS(feedd::compile_search(many, 1), feedd::SearchSyntaxError);

  TempDir dir;
  const auto config = write_config(dir, news);
  { open_archive(dir, news); }
  const auto run = command("search", config, {"(克里"});
  CHECK(run.exit_status == 2);
  CHECK(run.err == "feedd search: query \"(克里\": \"(\" is never closed (at character 1)\n");
}

TEST_CASE("search prints blocks for people and an array of title, source, date, url and path for scripts") {
  TempDir dir;
  const auto config = write_config(dir, news);
  {
    auto archive = open_archive(dir, news);
    fill_news(archive);
  }
  const auto posts = (dir / "site/_posts").string();

  const auto people = command("search", config, {"克里"});
  INFO(people.err);
  REQUIRE(people.exit_status == 0);
  CHECK(people.out ==
        "2021-04-17 01:56  联合早报  韩正：中国重视应对气候变化对话合作\n"
        "    https://www.zaobao.com/story/3\n"
        "    " + posts + "/2021-04-17-韩正：中国重视应对气候变化对话合作.md\n"
        "2021-04-16 23:56  美国之音  克里抵达上海，拜登寻求美中合作\n"
        "    https://www.voachinese.com/a/1.html\n"
        "    " + posts + "/2021-04-16-克里抵达上海，拜登寻求美中合作.md\n");
  CHECK(people.err == "2 matches, newest first\n");
  // The total, not the number shown, and before the results.
  const auto limited = command("search", config, {"--limit", "1", "克"});
  CHECK(limited.err == "1 of 2 matches, newest first (--limit shows more)\n");
  CHECK(command("search", config, {"克里抵达"}).err == "1 match, newest first\n");
  CHECK(command("search", config, {"nothing-like-this"}).err == "no matches\n");

  const auto scripts = command("search", config, {"--json", "气候"});
  REQUIRE(scripts.exit_status == 0);
  const auto hits = json::parse(scripts.out);
  REQUIRE(hits.is_array());
  REQUIRE(hits.size() == 2);
  CHECK(hits[0] == json{{"title", "韩正：中国重视应对气候变化对话合作"},
                        {"source", "联合早报"},
                        {"date", "2021-04-17T01:56:40.156Z"},
                        {"url", "https://www.zaobao.com/story/3"},
                        {"path", posts + "/2021-04-17-韩正：中国重视应对气候变化对话合作.md"}});
  CHECK(hits[1]["source"] == "美国之音");

  SUBCASE("the query may span several words and start with an exclusion after --") {
    const auto words = command("search", config, {"--json", "Paris", "Agreement"});
    CHECK(json::parse(words.out).size() == 1);
    const auto excluded = command("search", config, {"--json", "--", "-克里"});
    INFO(excluded.err);
    CHECK(json::parse(excluded.out).size() == 1);
  }
  SUBCASE("--source, --since, --until and --limit narrow the results") {
    CHECK(json::parse(command("search", config, {"--json", "--source", "美国之音", "克"}).out).size() == 1);
    CHECK(json::parse(command("search", config, {"--json", "--limit", "1", "克"}).out).size() == 1);
    CHECK(json::parse(command("search", config, {"--json", "--since", "2021-04-17", "克"}).out).size() == 1);
    CHECK(json::parse(command("search", config, {"--json", "--until", "2021-04-16", "克"}).out).size() == 1);
    CHECK(json::parse(command("search", config, {"--json", "--since", "2021-04-17T01:00:00Z", "克"}).out).size() ==
          1);
    CHECK(json::parse(command("search", config, {"--json", "--until", "2021-04-15", "克"}).out).empty());
  }
  SUBCASE("bad options are reported as such") {
    CHECK(command("search", config, {"--limit", "0", "x"}).exit_status == 2);
    CHECK(command("search", config, {"--since", "yesterday", "x"}).exit_status == 2);
    const auto unknown = command("search", config, {"--source", "Nobody", "x"});
    CHECK(unknown.exit_status == 2);
    CHECK(contains(unknown.err, "no source named \"Nobody\""));
    CHECK(command("search", config).exit_status == 2);
  }
}

// ============================ sources, stats ============================

TEST_CASE("sources shows each source's health in a table that fits the terminal and as JSON") {
  TempDir dir;
  std::vector<TestSource> sources = news;
  sources.push_back({"A name far too long to fit in its column at all", "https://long.example.com/feed.xml"});
  sources.push_back({"Paused", "https://paused.example.com/rss", "enabled = false"});
  const auto config = write_config(dir, sources);
  {
    auto archive = open_archive(dir, sources);
    fill_news(archive);
    auto& store = archive.store();
    store.save_validators(store.source_id(news[0].name, news[0].url),
                          {"https://www.voachinese.com/api/moved", "", ""});
    feedd::SourceSchedule failing;
    failing.state = "failing";
    failing.consecutive_failures = 3;
    failing.next_poll_ms = fetched_ms + hour_ms;
    failing.last_error = "HTTP 503 from https://rsshub.app/zaobao/realtime/china";
    failing.last_error_ms = fetched_ms;
    store.save_schedule(store.source_id(news[1].name, news[1].url), failing);
    // An error a later success cleared is not shown under state ok.
    feedd::SourceSchedule earlier;
    earlier.state = "failing";
    earlier.consecutive_failures = 1;
    earlier.last_error = "HTTP 500 an hour before";
    earlier.last_error_ms = fetched_ms - hour_ms;
    store.save_schedule(store.source_id(news[0].name, news[0].url), earlier);
    feedd::SourceSchedule ok;
    ok.last_success_ms = fetched_ms;
    ok.next_poll_ms = fetched_ms + hour_ms / 4;
    store.save_schedule(store.source_id(news[0].name, news[0].url), ok);
    archive.ingest("Gone from the config", "https://old.example.org/feed", {}, fetched_ms, {});
    // What the store planned for a source no longer configured: nothing
    // polls it, so no next poll is shown.
    feedd::SourceSchedule planned;
    planned.next_poll_ms = fetched_ms + hour_ms;
    store.save_schedule(store.source_id("Gone from the config", "https://old.example.org/feed"), planned);
  }

  const auto table = feedd_with({"sources", "--config", config.string(), "--now", pinned_now}, {{"COLUMNS", "100"}});
  INFO(table.out);
  REQUIRE(table.exit_status == 0);
  const auto lines = lines_of(table.out);
  REQUIRE(lines.size() == 12);
  // NAME is 24 columns here; 美国之音 is four characters and eight columns.
  const std::vector<std::string> expected = {
      "NAME" + std::string(22, ' ') + "STATE     LAST OK   FAILS  NEXT POLL  ENTRIES    POSTS",
      "美国之音" + std::string(18, ' ') + "ok        <1m ago       0  in 15m           2        2",
      "    https://www.voachinese.com/api/moved",
      "联合早报" + std::string(18, ' ') + "failing   never         3  in 1h            1        1",
      "    https://rsshub.app/zaobao/realtime/china",
      "    last error <1m ago: HTTP 503 from https://rsshub.app/zaobao/realtime/china",
      "A name far too long to …  new       never         0  -                0        0",
      "    https://long.example.com/feed.xml",
      "Paused" + std::string(20, ' ') + "disabled  never         0  -                0        0",
      "    https://paused.example.com/rss",
      "Gone from the config      removed   never         0  -                0        0",
      "    https://old.example.org/feed",
  };
  CHECK(lines == expected);

  const auto narrow = feedd_with({"sources", "--config", config.string()}, {{"COLUMNS", "60"}});
  const auto narrow_lines = lines_of(narrow.out);
  for (const auto& line : narrow_lines) CHECK(feedd::display_width(line) <= 60);
  CHECK(narrow_lines[1].starts_with("美国之音  ok"));
  CHECK(narrow_lines[6].starts_with("A name …  new"));  // NAME gave way first
  CHECK(contains(narrow.out, "    last error "));

  const auto scripts = command("sources", config, {"--json"});
  REQUIRE(scripts.exit_status == 0);
  const auto array = json::parse(scripts.out);
  REQUIRE(array.size() == 5);
  CHECK(array[0] == json{{"name", "美国之音"},
                         {"url", "https://www.voachinese.com/api/moved"},
                         {"state", "ok"},
                         {"last_success", "2021-04-17T02:56:40.156Z"},
                         {"last_error", nullptr},
                         {"last_error_at", nullptr},
                         {"consecutive_failures", 0},
                         {"next_poll", "2021-04-17T03:11:40.156Z"},
                         {"entries", 2},
                         {"posts", 2}});
  CHECK(array[1]["state"] == "failing");
  CHECK(array[1]["last_error"] == "HTTP 503 from https://rsshub.app/zaobao/realtime/china");
  CHECK(array[1]["consecutive_failures"] == 3);
  CHECK(array[3]["state"] == "disabled");
  CHECK(array[4]["name"] == "Gone from the config");
  CHECK(array[4]["state"] == "removed");
  CHECK(array[4]["next_poll"] == nullptr);
}

TEST_CASE("stats counts totals and entries per day for the last 30 days") {
  TempDir dir;
  const auto config = write_config(dir, news);
  {
    auto archive = open_archive(dir, news);
    fill_news(archive);
    ingest(archive, news[1],
           {entry("https://www.zaobao.com/story/old", "旧闻", fetched_ms - 40 * 24 * hour_ms, "<p>x</p>"),
            entry("https://www.zaobao.com/story/week", "一周前", fetched_ms - 7 * 24 * hour_ms, "<p>x</p>")});
    archive.store().index_search_backlog(3);  // two of five left for the idle writer
  }
  const auto scripts = command("stats", config, {"--json", "--now", pinned_now});
  INFO(scripts.err);
  REQUIRE(scripts.exit_status == 0);
  const auto stats = json::parse(scripts.out);
  CHECK(stats["sources"] == 2);
  CHECK(stats["entries"] == 5);
  CHECK(stats["posts_pending"] == 0);
  CHECK(stats["search_backlog"] == 2);
  CHECK(stats["fetches"] == 3);
  CHECK(stats["failed_fetches"] == 0);
  CHECK(stats["oldest_post"] == "2021-03-08T02:56:40.156Z");
  CHECK(stats["newest_post"] == "2021-04-17T01:56:40.156Z");
  REQUIRE(stats["days"].size() == 30);
  CHECK(stats["days"][0] == json{{"date", "2021-03-19"}, {"entries", 0}});
  CHECK(stats["days"][22] == json{{"date", "2021-04-10"}, {"entries", 1}});
  CHECK(stats["days"][28] == json{{"date", "2021-04-16"}, {"entries", 1}});
  CHECK(stats["days"][29] == json{{"date", "2021-04-17"}, {"entries", 2}});

  const auto people = command("stats", config, {"--now", pinned_now});
  REQUIRE(people.exit_status == 0);
  CHECK(contains(people.out, "entries:   5 (0 post(s) pending, 2 waiting for the search index)\n"));
  CHECK(contains(people.out, "fetches:   3 (0 failed)\n"));
  CHECK(contains(people.out, "2021-04-17       2  " + std::string(40, '#') + "\n"));
  CHECK(contains(people.out, "2021-04-16       1  " + std::string(20, '#') + "\n"));
  CHECK(contains(people.out, "2021-03-19       0\n"));
}

// ============================ rebuild, reprocess, check --store ============================

TEST_CASE("rebuild writes back the posts ingestion wrote, byte for byte, and lists strays without deleting them") {
  TempDir dir;
  HttpTestServer server;
  server.serve("/rss/mgzy1.xml", read_file(source_dir / "seeds/feeds/voa-feedx.xml"));
  server.serve("/zaobao/realtime/china", read_file(source_dir / "seeds/feeds/zaobao-rsshub.xml"));
  server.serve("/odd.xml", rss({{"He said \"hi\" \\ bye: 中文 / ../x", "https://example.com/odd?a=1&b=2", "<p>a</p>"},
                                {"Same title", "https://example.com/1", "<p>one</p>"},
                                {"Same title", "https://example.com/2", "<p>two</p>"}}));
  const auto config = write_config(dir, {{"美国之音", server.url("/rss/mgzy1.xml"), "content = \"raw\""},
                                         {"联合早报", server.url("/zaobao/realtime/china"), "content = \"raw\""},
                                         {"Odd: \"name\"", server.url("/odd.xml"), "tags = [\"x\", \"y z\"]"}});
  const auto first = once(config);
  INFO(first.err);
  REQUIRE(first.exit_status == 0);
  const auto posts_dir = dir / "site/_posts";
  const auto written = posts_by_name(posts_dir);
  REQUIRE(written.size() == 5);

  fs::remove_all(posts_dir);
  fs::create_directories(posts_dir);
  write_file(posts_dir / "2020-01-01-hand-written.md", "---\ntitle: mine\n---\n");
  write_file(posts_dir / "notes.txt", "not a post");

  const auto rebuild = command("rebuild", config);
  INFO(rebuild.err);
  REQUIRE(rebuild.exit_status == 0);
  CHECK(rebuild.out ==
        "stray, no row points to it (not deleted): 2020-01-01-hand-written.md\n"
        "rebuild: 5 post(s) written, 0 already identical, 0 failed; 1 stray file(s)\n");
  CHECK(contains(rebuild.err, "rebuild: 5/5 in "));  // the plain progress line, not a bar
  CHECK_FALSE(contains(rebuild.err, "\x1b["));
  auto rebuilt = posts_by_name(posts_dir);
  CHECK(rebuilt.erase("2020-01-01-hand-written.md") == 1);
  CHECK(rebuilt.erase("notes.txt") == 1);
  CHECK(rebuilt == written);
  CHECK(read_file(posts_dir / "2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md") ==
        read_file(source_dir / "seeds/posts/000_194e748a9a75e2e5.txt"));

  SUBCASE("and a second rebuild leaves every file alone") {
    const auto before = fs::last_write_time(posts_dir / "2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md");
    const auto again = command("rebuild", config, {"--source", "联合早报"});
    CHECK(again.exit_status == 0);
    CHECK(contains(again.out, "rebuild: 0 post(s) written, 1 already identical, 0 failed"));
    CHECK(fs::last_write_time(posts_dir / "2021-04-17-韩正：中国重视与美开展应对气候变化对话合作.md") == before);
  }
  SUBCASE("and check --store then finds every post in place") {
    const auto check = command("check", config, {"--store"});
    INFO(check.out);
    CHECK(check.exit_status == 0);
    CHECK(contains(check.out, "integrity ok, search indexes ok"));
    CHECK(contains(check.out, "5 row(s), 5 post(s) in place, 0 pending, 0 missing"));
  }
}

TEST_CASE("check --store names the posts that are missing") {
  TempDir dir;
  const auto config = write_config(dir, news);
  {
    auto archive = open_archive(dir, news);
    fill_news(archive);
  }
  fs::remove(dir / "site/_posts/2021-04-17-韩正：中国重视应对气候变化对话合作.md");
  const auto check = command("check", config, {"--store"});
  CHECK(check.exit_status == 3);
  CHECK(contains(check.out, "3 row(s), 2 post(s) in place, 0 pending, 1 missing"));
  CHECK(contains(check.out, "missing: 2021-04-17-韩正：中国重视应对气候变化对话合作.md (row 3: 韩正"));
  CHECK(command("rebuild", config).exit_status == 0);
  CHECK(command("check", config, {"--store"}).exit_status == 0);
}

TEST_CASE("reprocess applies a changed content setting to stored items and counts the posts that changed") {
  TempDir dir;
  HttpTestServer server;
  const std::string body = "<p>要闻 keep</p><div class=\"ad\">广告 ADVERT</div><script>track()</script>";
  server.serve("/a.xml", rss({{"Story one", "https://example.com/1", body},
                              {"Story two", "https://example.com/2", "<p>plain 文字</p>"}}));
  const std::vector<TestSource> raw = {{"A", server.url("/a.xml"), "content = \"raw\""}};
  const auto config = write_config(dir, raw);
  REQUIRE(once(config).exit_status == 0);
  const auto posts_dir = dir / "site/_posts";
  const auto before = posts_by_name(posts_dir);
  REQUIRE(before.size() == 2);
  CHECK(contains(before.at("2021-04-15-Story one.md"), "ADVERT"));
  CHECK(json::parse(command("search", config, {"--json", "ADVERT"}).out).size() == 1);

  SUBCASE("with the settings unchanged nothing is rewritten") {
    const auto same = command("reprocess", config);
    INFO(same.err);
    CHECK(same.exit_status == 0);
    CHECK(contains(same.out, "reprocess: 0 post(s) changed, 2 unchanged"));
    CHECK(posts_by_name(posts_dir) == before);
  }
  SUBCASE("sanitize with a remove rule rewrites only the post it changes") {
    write_config(dir, {{"A", server.url("/a.xml"), "content = \"sanitize\"\nremove = [\".ad\"]"}});
    const auto run = command("reprocess", config);
    INFO(run.err);
    CHECK(run.exit_status == 0);
    CHECK(contains(run.out, "reprocess: 1 post(s) changed, 1 unchanged"));
    const auto after = posts_by_name(posts_dir);
    REQUIRE(after.size() == 2);
    CHECK_FALSE(contains(after.at("2021-04-15-Story one.md"), "ADVERT"));
    CHECK_FALSE(contains(after.at("2021-04-15-Story one.md"), "track()"));
    CHECK(contains(after.at("2021-04-15-Story one.md"), "要闻 keep"));
    CHECK(after.at("2021-04-15-Story two.md") == before.at("2021-04-15-Story two.md"));
    // The row and the index follow the post: the changed row was taken out
    // of the indexes and put back before reprocess ended.
    CHECK(feedd::test::sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM search_backlog") == 0);
    CHECK(json::parse(command("search", config, {"--json", "ADVERT"}).out).empty());
    CHECK(json::parse(command("search", config, {"--json", "要闻"}).out).size() == 1);
    // And rebuild now writes what reprocess wrote.
    CHECK(contains(command("rebuild", config).out, "0 post(s) written, 2 already identical"));
    CHECK(contains(command("reprocess", config).out, "reprocess: 0 post(s) changed, 2 unchanged"));
  }
}

TEST_CASE("reprocess skips rows stored without a raw item and says so") {
  TempDir dir;
  const auto config = write_config(dir, news);
  {
    auto archive = open_archive(dir, news);
    fill_news(archive);  // IncomingEntry without raw_item, like rows from schema 1
  }
  const auto run = command("reprocess", config, {"--source", "联合早报"});
  INFO(run.err);
  CHECK(run.exit_status == 0);
  CHECK(contains(run.out, "reprocess: 0 post(s) changed, 0 unchanged; skipped 1 without a raw item"));
  CHECK(command("reprocess", config, {"--source", "Nobody"}).exit_status == 2);
}

// ============================ OPML ============================

namespace {

// Runs import-opml on `opml` with a config of no sources (written to
// dir/empty.toml): that config and what import printed.
std::pair<fs::path, feedd::test::ProcessResult> import_into_empty_config(const TempDir& dir, const fs::path& opml) {
  const auto empty = dir / "empty.toml";
  write_file(empty, "[storage]\ndatabase = \"db\"\nposts_dir = \"posts\"\n");
  return {empty, run_feedd({"import-opml", "--config", empty.string(), opml.string()})};
}

}  // namespace

TEST_CASE("export-opml then import-opml gives back the same sources") {
  TempDir dir;
  const auto config = write_config(
      dir, {{"美国之音", "https://feedx.net/rss/mgzy1.xml"},
            {"Tech & \"Stuff\"", "https://example.com/a?x=1&y=2", "categories = [\"Tech\", \"Linux <Kernel>\"]"},
            {"Back\\slash", "https://example.com/b", "categories = [\"Tech\"]\ntags = [\"t1\", \"中文\"]"},
            {"联合早报", "https://rsshub.app/zaobao/realtime/china", "categories = [\"新闻\"]"}});
  const auto exported = command("export-opml", config);
  REQUIRE(exported.exit_status == 0);
  CHECK(exported.out.starts_with(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\" xmlns:feedd=\"urn:feedd:opml:1\">"));
  CHECK(contains(exported.out, "xmlUrl=\"https://example.com/a?x=1&amp;y=2\""));
  const auto opml = dir / "exported.opml";
  write_file(opml, exported.out);

  const auto import_run = import_into_empty_config(dir, opml);
  const auto& empty = import_run.first;
  const auto& imported = import_run.second;
  INFO(imported.out);
  REQUIRE(imported.exit_status == 0);
  const auto original = feedd::config::load_config(config);
  const auto again = feedd::config::parse_config(read_file(empty) + imported.out, empty);
  REQUIRE(again.sources.size() == original.sources.size());
  std::map<std::string, const feedd::config::Source*> by_name;
  for (const auto& source : again.sources) by_name[source.name] = &source;
  for (const auto& source : original.sources) {
    INFO(source.name);
    REQUIRE(by_name.contains(source.name));
    CHECK(by_name[source.name]->url == source.url);
    CHECK(by_name[source.name]->categories == source.categories);
    CHECK(by_name[source.name]->tags == source.tags);
  }

  const auto into_same = command("import-opml", config, {opml.string()});
  CHECK(contains(into_same.out, "# 0 source(s) imported from exported.opml\n"));
  CHECK(contains(into_same.err, "0 source(s) to append"));
}

TEST_CASE("export-opml then import-opml is lossless: timezone, interval, content, remove, enabled, tags and "
          "categories travel in feedd's namespace") {
  TempDir dir;
  const auto config = write_config(
      dir, {{"Raw", "https://example.com/raw.xml",
             "content = \"raw\"\ntimezone = \"Asia/Shanghai\"\ninterval = \"1h30m\"\nenabled = false"},
            {"Cut", "https://example.com/cut.xml",
             "remove = [\"section#imu\", \"[data-x^=a]\", \".subscribe\"]\ntags = [\"a,b\", \"c/d\", \"Cut\"]\n"
             "categories = [\"x/y\", \"Tech\"]"},
            {"Plain", "https://example.com/plain.xml", "categories = []\ntags = []"}});
  const auto exported = command("export-opml", config);
  REQUIRE(exported.exit_status == 0);
  CHECK(contains(exported.out, "feedd:content=\"raw\""));
  const auto opml = dir / "exported.opml";
  write_file(opml, exported.out);

  const auto import_run = import_into_empty_config(dir, opml);
  const auto& empty = import_run.first;
  const auto& imported = import_run.second;
  INFO(imported.out);
  REQUIRE(imported.exit_status == 0);

  const auto original = feedd::config::load_config(config);
  const auto again = feedd::config::parse_config(read_file(empty) + imported.out, empty);
  REQUIRE(again.sources.size() == original.sources.size());
  for (std::size_t i = 0; i < original.sources.size(); ++i) {
    const auto& before = original.sources[i];
    const auto& after = again.sources[i];
    INFO(before.name);
    CHECK(after.name == before.name);
    CHECK(after.url == before.url);
    CHECK(after.tags == before.tags);
    CHECK(after.categories == before.categories);
    CHECK(after.content == before.content);
    CHECK(after.enabled == before.enabled);
    CHECK(after.timezone == before.timezone);
    CHECK(after.interval == before.interval);
    CHECK(after.remove == before.remove);
  }
  // And a second round gives the same document.
  write_file(empty, read_file(empty) + imported.out);
  CHECK(run_feedd({"export-opml", "--config", empty.string()}).out == exported.out);
}

TEST_CASE("export-opml then import-opml carries every other source key as written but never a cookie or headers") {
  TempDir dir;
  const auto config = write_config(
      dir, {{"Archived", "https://example.com/feed.xml",
             "urls = [\"https://example.com/feed.xml\", \"https://mirror.example.net/feed.xml\"]\n"
             "full_text = { selector = \"article .body\", remove = [\".ad\", \"[id^=dfp]\"] }\n"
             "media = \"local\"\nmedia_max_file = \"2MiB\"\nwatch = \"7d\"\narchive_org = true\n"
             "removed_notice = true\nupdate = \"never_shrink\"\nenclosures = true\nallow_private = true\n"
             "proxy = \"socks5h://127.0.0.1:1080\"\nuser_agent = \"feedd \\\"test\\\" 中文 \\\\ & <x>\"\n"
             "cookie = \"session=SeCrEt\"\nheaders = { X-Api-Key = \"K3Y\", Referer = \"https://example.com/\" }"},
            {"Listing", "https://example.org/news/",
             "kind = \"html\"\nhtml = { item = \"ul.news > li\", link = \"a\", date = \"time\", "
             "date_format = \"%Y/%m/%d\" }"}});
  const auto exported = command("export-opml", config);
  INFO(exported.err);
  REQUIRE(exported.exit_status == 0);
  CHECK(!contains(exported.out, "SeCrEt"));
  CHECK(!contains(exported.out, "K3Y"));
  CHECK(contains(exported.out, "feedd:watch=\"&quot;7d&quot;\""));
  const auto opml = dir / "exported.opml";
  write_file(opml, exported.out);

  const auto import_run = import_into_empty_config(dir, opml);
  const auto& empty = import_run.first;
  const auto& imported = import_run.second;
  INFO(exported.out);
  INFO(imported.out);
  REQUIRE(imported.exit_status == 0);
  const auto original = feedd::config::load_config(config);
  const auto again = feedd::config::parse_config(read_file(empty) + imported.out, empty);
  REQUIRE(again.sources.size() == 2);
  const auto& archived = again.sources[0];
  CHECK(archived.urls == original.sources[0].urls);
  CHECK(archived.full_text.selector == original.sources[0].full_text.selector);
  CHECK(archived.full_text.remove == original.sources[0].full_text.remove);
  CHECK(archived.media == feedd::config::MediaMode::local);
  CHECK(archived.media_max_file == 2u << 20);
  CHECK(archived.watch == original.sources[0].watch);
  CHECK(archived.archive_org);
  CHECK(archived.removed_notice);
  CHECK(archived.update == feedd::config::UpdateMode::never_shrink);
  CHECK(archived.enclosures);
  CHECK(archived.allow_private);
  CHECK(archived.fetch.proxy == "socks5h://127.0.0.1:1080");
  CHECK(archived.fetch.user_agent == "feedd \"test\" 中文 \\ & <x>");
  CHECK(archived.fetch.cookie.empty());
  CHECK(archived.fetch.headers.empty());
  const auto& listing = again.sources[1];
  CHECK(listing.kind == feedd::config::SourceKind::html);
  CHECK(listing.html.item == "ul.news > li");
  CHECK(listing.html.date_format == "%Y/%m/%d");
  // The secrets aside, every key is the same, and a second round gives the
  // same document.
  const auto before = feedd::config::other_settings(read_file(config));
  const auto after = feedd::config::other_settings(read_file(empty) + imported.out);
  REQUIRE(before.size() == 2);
  REQUIRE(after.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) CHECK(after[i] == before[i]);
  write_file(empty, read_file(empty) + imported.out);
  CHECK(run_feedd({"export-opml", "--config", empty.string()}).out == exported.out);
}

TEST_CASE("A hostile feedd attribute in OPML cannot add lines or keys to the imported TOML") {
  TempDir dir;
  const auto opml = dir / "hostile.opml";
  write_file(opml,
             "<?xml version=\"1.0\"?><opml version=\"2.0\" xmlns:feedd=\"urn:feedd:opml:1\"><body>"
             "<outline type=\"rss\" text=\"H\" xmlUrl=\"https://example.com/h.xml\" "
             "feedd:watch='\"7d\"&#10;[publish]&#10;command = [\"/bin/evil\"]' feedd:bad.key='1' "
             "feedd:archive_org='true'/></body></opml>");
  const auto import_run = import_into_empty_config(dir, opml);
  INFO(import_run.second.out);
  REQUIRE(import_run.second.exit_status == 0);
  CHECK(!contains(import_run.second.out, "evil"));
  CHECK(!contains(import_run.second.out, "bad"));
  CHECK(contains(import_run.second.out, "archive_org = true\n"));
  const auto again = feedd::config::parse_config(read_file(import_run.first) + import_run.second.out, import_run.first);
  REQUIRE(again.sources.size() == 1);
  CHECK(again.publish.command.empty());
}

TEST_CASE("An OPML export from another reader, with nested folders and odd characters, becomes valid TOML") {
  TempDir dir;
  const auto config = write_config(dir, {{"美国之音", "https://feedx.net/rss/mgzy1.xml"}});
  const auto opml = source_dir / "tests/data/opml/reader-export-nested.opml";
  const auto run = command("import-opml", config, {opml.string()});
  INFO(run.out);
  INFO(run.err);
  REQUIRE(run.exit_status == 0);
  CHECK(contains(run.out, "# skipped, already configured: https://feedx.net/rss/mgzy1.xml (美国之音)\n"));
  CHECK(contains(run.out, "# skipped, listed again in the same file: "
                          "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml?utm_source=inoreader (BBC again)\n"));
  CHECK(contains(run.out, "# skipped, not an http(s) URL: itpc://podcasts.example.com/show.xml (A podcast)\n"));

  const auto merged = feedd::config::parse_config(read_file(config) + run.out, config);
  std::map<std::string, feedd::config::Source> by_name;
  for (const auto& source : merged.sources) by_name[source.name] = source;
  REQUIRE(merged.sources.size() == 11);
  using Strings = std::vector<std::string>;
  const auto& news_folder = by_name.at("联合早报 - 中国");
  CHECK(news_folder.url == "https://rsshub.app/zaobao/realtime/china");
  CHECK(news_folder.categories == Strings{"新闻 & 时事"});
  CHECK(news_folder.tags == Strings{"联合早报 - 中国"});
  CHECK(by_name.at("明報 \"即時新聞\"").categories == Strings{"新闻 & 时事", "港澳台"});
  CHECK(by_name.at("端傳媒 Initium\\Media").categories == Strings{"新闻 & 时事", "港澳台"});
  CHECK(by_name.at("Hacker News: Front Page").url == "https://hnrss.org/frontpage?points=100&comments=50");
  CHECK(by_name.at("LWN.net").url == "http://lwn.net/headlines/rss");
  CHECK(by_name.at("Ars Technica (all)").url == "https://feeds.arstechnica.com/arstechnica/index");
  CHECK(by_name.at("😀 Emoji <Blog>").categories == Strings{"Tech"});
  CHECK(by_name.at("https://untitled.example.org/rss").url == "https://untitled.example.org/rss");
  CHECK(by_name.at("美国之音 (2)").url == "https://www.voachinese.com/api/zyrqyevtqo");
  CHECK(by_name.at("美国之音 (2)").tags == Strings{"voa", "中文"});
  CHECK(by_name.at("美国之音 (2)").categories == Strings{"美国之音 (2)"});
  CHECK(contains(run.err, "10 source(s) to append"));
}

TEST_CASE("A file that is not OPML is refused with its name") {
  TempDir dir;
  const auto config = write_config(dir, news);
  write_file(dir / "broken.opml", "<opml><body><outline text=\"x\"></body>");
  const auto broken = command("import-opml", config, {(dir / "broken.opml").string()});
  CHECK(broken.exit_status == 2);
  CHECK(contains(broken.err, (dir / "broken.opml").string() + ":1: not well-formed XML"));
  write_file(dir / "rss.xml", "<rss><channel/></rss>");
  CHECK(contains(command("import-opml", config, {(dir / "rss.xml").string()}).err, "not OPML"));
  CHECK(command("import-opml", config, {(dir / "missing.opml").string()}).exit_status == 2);
}

TEST_CASE("TOML strings written for imported names read back exactly") {
  for (const std::string text : {"plain", "quote \" and \\ backslash", "中文 😀", "a'b'''c", "#not a comment"}) {
    INFO(text);
    const auto parsed = feedd::config::parse_config("[storage]\ndatabase = \"d\"\nposts_dir = \"p\"\n[[sources]]\nname = " +
                                                        feedd::config::toml_string(text) +
                                                        "\nurl = \"https://example.com/\"\n",
                                                    "test.toml");
    REQUIRE(parsed.sources.size() == 1);
    CHECK(parsed.sources[0].name == text);
  }
  // The config refuses control characters in names, but the escapes are TOML's.
  CHECK(feedd::config::toml_string("tab\there\x7f") == "\"tab\\there\\u007F\"");
}

// ============================ terminal, progress, help ============================

TEST_CASE("CJK characters take two columns and text cut to a width ends in an ellipsis") {
  CHECK(feedd::display_width("abc") == 3);
  CHECK(feedd::display_width("美国之音") == 8);
  CHECK(feedd::display_width("ＡＢ") == 4);        // fullwidth Latin
  CHECK(feedd::display_width("e\u0301") == 1);      // a combining accent takes no column
  CHECK(feedd::display_width("🎉") == 2);
  CHECK(feedd::fit_width("美国之音", 8) == "美国之音");
  CHECK(feedd::fit_width("美国之音", 7) == "美国之…");
  CHECK(feedd::fit_width("美国之音", 6) == "美国…");
  CHECK(feedd::fit_width("abcdef", 4) == "abc…");
  CHECK(feedd::fit_width("a\nb\x1b[31m", 10) == "a b [31m");  // no escape reaches the terminal
  CHECK(feedd::pad_width("联合", 6) == "联合  ");
  CHECK(feedd::pad_width("12", 5, feedd::Align::right) == "   12");
}

TEST_CASE("Progress draws a bar on a terminal and prints plain periodic lines elsewhere") {
  using Clock = feedd::Progress::Clock;
  Clock::time_point now{};
  const auto capture = [&](bool terminal) {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    {
      feedd::Progress::Options options;
      options.out = file;
      options.terminal = terminal;
      options.columns = 60;
      options.now = [&now] { return now; };
      feedd::Progress progress("rebuild", 100, options);
      for (int i = 0; i < 100; ++i) {
        now += std::chrono::milliseconds(100);
        progress.advance();
      }
    }
    std::rewind(file);
    std::string text;
    for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) text += static_cast<char>(c);
    std::fclose(file);
    return text;
  };
  const std::string plain = capture(false);
  CHECK(plain ==
        "rebuild: 50/100  10/s  ETA 0:05 (50%)\n"
        "rebuild: 100/100  10/s (100%)\n"
        "rebuild: 100/100 in 10.0s\n");
  const std::string bar = capture(true);
  CHECK(contains(bar, "\r\x1b[Krebuild ["));
  CHECK(contains(bar, "] 50/100  10/s  ETA 0:05"));
  CHECK(bar.ends_with("\r\x1b[Krebuild: 100/100 in 10.0s\n"));
}

TEST_CASE("Every archive command explains itself with --help") {
  const std::map<std::string, std::vector<std::string>> expected = {
      {"search", {"QUERY...", "--source NAME", "--since DATE", "--until DATE", "--limit N", "--json"}},
      {"sources", {"--json", "state"}},
      {"stats", {"--json", "30 days"}},
      {"rebuild", {"--source NAME", "byte for byte", "stray"}},
      {"reprocess", {"--source NAME", "raw item"}},
      {"import-opml", {"FILE", "[[sources]]"}},
      {"export-opml", {"OPML 2.0"}},
      {"forget", {"URL", "canonical", "--undo", "does not bring it back", "feedd forgotten"}},
      {"forgotten", {"--json", "forget --undo"}},
      {"check", {"--store"}},
  };
  const auto main_help = run_feedd({"--help"});
  for (const auto& [name, words] : expected) {
    INFO(name);
    CHECK(contains(main_help.out, "  " + name + " "));
    const auto help = run_feedd({name, "--help"});
    CHECK(help.exit_status == 0);
    for (const auto& word : words) CHECK(contains(help.out, word));
  }
}
