// store/full_text: both contents of an entry kept, its page's retry
// schedule, and carry_page_content, the one path from a page's article to
// an entry's content and post. A real SQLite file and posts folder.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/archive.h"
#include "store/full_text/page_contents.h"
#include "store/full_text/page_update.h"
#include "tests/support/schema_6.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::Archive;
using feedd::IncomingEntry;
using feedd::test::read_file;
using feedd::test::TempDir;
namespace full_text = feedd::full_text;

namespace {

constexpr std::int64_t fetched_ms = 1764547200000;  // 2025-12-01T00:00:00Z
constexpr std::int64_t hour_ms = 3600 * 1000;

IncomingEntry teaser(const std::string& url) {
  IncomingEntry incoming;
  incoming.identity = url;
  incoming.url = url;
  incoming.title = "标题";
  incoming.timestamp_ms = fetched_ms - hour_ms;
  incoming.content = "<p>摘要</p>";
  return incoming;
}

Archive open_archive(const TempDir& dir) { return Archive(dir / "feedd.db", dir / "_posts", {{"Src", {"t"}, {"c"}}}); }

std::string only_post(const TempDir& dir) {
  std::vector<fs::path> files;
  for (const auto& item : fs::directory_iterator(dir / "_posts")) files.push_back(item.path());
  REQUIRE(files.size() == 1);
  return read_file(files.front());
}

}  // namespace

TEST_CASE("New entries of one poll are recorded as due once and come back when due") {
  TempDir dir;
  auto archive = open_archive(dir);
  const std::vector<IncomingEntry> batch = {teaser("https://e.com/1"), teaser("https://e.com/2")};
  archive.ingest("Src", "https://e.com/feed", batch, fetched_ms, {});
  auto& store = archive.store();
  const std::int64_t source = store.source_id("Src", "https://e.com/feed");
  CHECK(full_text::add_new_pages(store, source, fetched_ms, fetched_ms) == 2);
  CHECK(full_text::add_new_pages(store, source, fetched_ms, fetched_ms) == 0);  // already recorded
  CHECK(full_text::add_new_pages(store, source, fetched_ms + 1, fetched_ms) == 0);  // not first seen then

  auto due = full_text::due_pages(store, source, fetched_ms, 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].page_url == "https://e.com/1");
  CHECK(due[0].feed_content == "<p>摘要</p>");

  full_text::record_page_failure(store, due[0].entry_id, 1, fetched_ms + hour_ms, "HTTP 404 Not Found", std::nullopt,
                                 std::nullopt);
  CHECK(full_text::due_pages(store, source, fetched_ms + hour_ms - 1, 10).size() == 1);
  CHECK(full_text::due_pages(store, source, fetched_ms + hour_ms, 10).size() == 2);
  const auto page = full_text::find_page_content(store, due[0].entry_id);
  REQUIRE(page.has_value());
  CHECK(page->attempts == 1);
  CHECK(page->last_error == "HTTP 404 Not Found");
  CHECK_FALSE(page->carries_page);
}

TEST_CASE("carry_page_content rewrites the row and the post and keeps the feed's content beside it") {
  TempDir dir;
  auto archive = open_archive(dir);
  archive.ingest("Src", "https://e.com/feed", std::vector<IncomingEntry>{teaser("https://e.com/1")}, fetched_ms, {});
  auto& store = archive.store();
  full_text::add_new_pages(store, store.source_id("Src", "https://e.com/feed"), fetched_ms, fetched_ms);
  const std::string before = only_post(dir);

  std::vector<std::string> errors;
  std::vector<fs::path> written;
  const std::string article = "<p>全文第一段。</p><p>全文第二段。</p>";
  CHECK(full_text::carry_page_content(archive, "https://e.com/1", article, fetched_ms, errors, &written));
  CHECK(errors.empty());
  CHECK(written.size() == 1);
  const auto row = store.find_entry("https://e.com/1");
  CHECK(row->content == article);
  CHECK_FALSE(row->post_pending);
  const std::string after = only_post(dir);
  CHECK(after == archive.render(*row));
  CHECK(after != before);
  const auto page = full_text::find_page_content(store, row->id);
  CHECK(page->carries_page);
  CHECK(page->feed_content == "<p>摘要</p>");
  CHECK_FALSE(page->next_attempt_ms.has_value());

  // Again with the same article: nothing to write.
  written.clear();
  CHECK(full_text::carry_page_content(archive, "https://e.com/1", article, fetched_ms, errors, &written));
  CHECK(written.empty());

  // Reprocess renormalises the feed item: the article stays, the new feed
  // content is kept beside it.
  CHECK(full_text::content_after_reprocess(store, row->id, "<p>新摘要</p>") == article);
  CHECK(full_text::find_page_content(store, row->id)->feed_content == "<p>新摘要</p>");
}

TEST_CASE("An entry with no page record keeps what reprocess makes of its feed item") {
  TempDir dir;
  auto archive = open_archive(dir);
  archive.ingest("Src", "u", std::vector<IncomingEntry>{teaser("https://e.com/1")}, fetched_ms, {});
  const auto row = archive.store().find_entry("https://e.com/1");
  CHECK(full_text::content_after_reprocess(archive.store(), row->id, "<p>x</p>") == "<p>x</p>");
}

TEST_CASE("A forgotten entry takes its page record with it") {
  TempDir dir;
  auto archive = open_archive(dir);
  archive.ingest("Src", "https://e.com/feed", std::vector<IncomingEntry>{teaser("https://e.com/1")}, fetched_ms, {});
  auto& store = archive.store();
  full_text::add_new_pages(store, store.source_id("Src", "https://e.com/feed"), fetched_ms, fetched_ms);
  const auto row = store.find_entry("https://e.com/1");
  store.delete_entry(row->id);
  CHECK_FALSE(full_text::find_page_content(store, row->id).has_value());
}

TEST_CASE("A store of schema 6 gains page_contents and keeps its entries") {
  TempDir dir;
  {
    auto archive = open_archive(dir);
    archive.ingest("Src", "u", std::vector<IncomingEntry>{teaser("https://e.com/1")}, fetched_ms, {});
  }
  {
    feedd::sqlite::Database db(dir / "feedd.db");
    db.execute(std::string(feedd::test::back_to_schema_6_sql));
  }
  feedd::Store store(dir / "feedd.db");
  CHECK(store.count_entries() == 1);
  auto version = store.database().prepare("PRAGMA user_version");
  REQUIRE(version.step());
  CHECK(version.column_int(0) == feedd::Store::schema_version);
  const auto row = store.find_entry("https://e.com/1");
  REQUIRE(row.has_value());
  CHECK_FALSE(full_text::find_page_content(store, row->id).has_value());
}
