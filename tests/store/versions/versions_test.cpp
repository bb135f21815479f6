// store/versions (the word diff, the update rule) tested directly, and the
// store's versions table: record_version, the archive applying the rule to
// an edited entry, and the 7 -> 8 migration from an old store.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/archive.h"
#include "store/search.h"
#include "store/store.h"
#include "store/versions/update_rule.h"
#include "store/versions/word_diff.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using feedd::DiffOp;
using feedd::DiffPiece;
using feedd::UpdateMode;
using feedd::UpdateRule;
using feedd::test::TempDir;

namespace {

std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  for (const auto token : feedd::diff_tokens(text)) out.emplace_back(token);
  return out;
}

std::string side(const std::vector<DiffPiece>& pieces, DiffOp left_out) {
  std::string text;
  for (const auto& piece : pieces) {
    if (piece.op != left_out) text += piece.text;
  }
  return text;
}

}  // namespace

TEST_CASE("Text is cut into words and spaces, and Chinese into characters") {
  CHECK(tokens("Kerry arrives, today") == std::vector<std::string>{"Kerry", " ", "arrives", ",", " ", "today"});
  CHECK(tokens("克里抵达上海") == std::vector<std::string>{"克", "里", "抵", "达", "上", "海"});
  CHECK(tokens("韩正：AI对话") == std::vector<std::string>{"韩", "正", "：", "AI", "对", "话"});
  CHECK(tokens("café über") == std::vector<std::string>{"café", " ", "über"});
  CHECK(tokens("").empty());
  CHECK(tokens("a\xff" "b") == std::vector<std::string>{"a", "\xff", "b"});
}

TEST_CASE("A word diff marks the words that changed and keeps both texts") {
  const auto pieces = feedd::word_diff("The minister said yes today", "The minister said no today");
  CHECK(pieces == std::vector<DiffPiece>{{DiffOp::same, "The minister said "},
                                         {DiffOp::removed, "yes"},
                                         {DiffOp::added, "no"},
                                         {DiffOp::same, " today"}});
  const auto inserted = feedd::word_diff("a c", "a b c");
  CHECK(side(inserted, DiffOp::added) == "a c");
  CHECK(side(inserted, DiffOp::removed) == "a b c");
  CHECK(inserted == std::vector<DiffPiece>{{DiffOp::same, "a "}, {DiffOp::added, "b "}, {DiffOp::same, "c"}});
  CHECK(feedd::word_diff("same", "same") == std::vector<DiffPiece>{{DiffOp::same, "same"}});
  CHECK(feedd::word_diff("", "new") == std::vector<DiffPiece>{{DiffOp::added, "new"}});
}

TEST_CASE("A Chinese edit is diffed character by character") {
  const auto pieces = feedd::word_diff("克里抵达上海", "克里离开上海");
  CHECK(pieces == std::vector<DiffPiece>{{DiffOp::same, "克里"},
                                         {DiffOp::removed, "抵达"},
                                         {DiffOp::added, "离开"},
                                         {DiffOp::same, "上海"}});
}

TEST_CASE("A diff of scattered edits is the shortest and rebuilds both texts") {
  std::string before;
  std::string after;
  for (int i = 0; i < 3000; ++i) {
    before += "word" + std::to_string(i) + " ";
    after += (i % 97 == 0 ? "edit" : "word") + std::to_string(i) + " ";
  }
  const auto pieces = feedd::word_diff(before, after);
  CHECK(side(pieces, DiffOp::added) == before);
  CHECK(side(pieces, DiffOp::removed) == after);
  int removed = 0;
  for (const auto& piece : pieces) removed += piece.op == DiffOp::removed ? 1 : 0;
  CHECK(removed == 31);  // one per edited word: i = 0, 97, ..., 2910
}

TEST_CASE("Texts rewritten past the edit limit are one removal and one addition") {
  std::string before = "a0";
  std::string after = "b0";
  for (std::size_t i = 1; i < feedd::max_diff_edits; ++i) {
    before += " a" + std::to_string(i);
    after += " b" + std::to_string(i);
  }
  // Every word differs and every space is common: 4,000 edits.
  const auto pieces = feedd::word_diff("start " + before + " end", "start " + after + " end");
  CHECK(pieces == std::vector<DiffPiece>{{DiffOp::same, "start "},
                                         {DiffOp::removed, before},
                                         {DiffOp::added, after},
                                         {DiffOp::same, " end"}});
}

TEST_CASE("The update rule: latest follows, first stays, never_shrink stays only for a version that lost too much") {
  const std::string article = "<p>" + std::string(400, 'x') + "</p>";
  const std::string notice = "<p>This article has been removed</p>";
  const std::string edited = "<p>" + std::string(380, 'y') + "</p>";
  CHECK(feedd::post_follows(UpdateRule{UpdateMode::latest, 0.5}, article, notice));
  CHECK_FALSE(feedd::post_follows(UpdateRule{UpdateMode::first, 0.5}, article, edited));
  CHECK_FALSE(feedd::post_follows(UpdateRule{UpdateMode::never_shrink, 0.5}, article, notice));
  CHECK(feedd::post_follows(UpdateRule{UpdateMode::never_shrink, 0.5}, article, edited));
  CHECK(feedd::post_follows(UpdateRule{UpdateMode::never_shrink, 0.5}, notice, article));  // growing is fine
  // The limit is a share of the text: 200 of 400 characters lost is exactly half.
  CHECK(feedd::post_follows(UpdateRule{UpdateMode::never_shrink, 0.5}, article, std::string(200, 'z')));
  CHECK_FALSE(feedd::post_follows(UpdateRule{UpdateMode::never_shrink, 0.5}, article, std::string(199, 'z')));
  // Markup is not text.
  CHECK(feedd::text_size("<div class=\"wrapper\"><p>克里</p></div>") == 2);
}

namespace {

feedd::IncomingEntry entry(std::int64_t timestamp_ms, std::string title, std::string content) {
  feedd::IncomingEntry incoming;
  incoming.identity = "https://example.org/a";
  incoming.url = "https://example.org/a";
  incoming.title = std::move(title);
  incoming.timestamp_ms = timestamp_ms;
  incoming.content = std::move(content);
  return incoming;
}

struct Ingested {
  std::vector<feedd::EntryVersion> versions;
  feedd::EntryRow row;
};

// The same article three times: stored, edited, replaced by a removal notice.
Ingested three_polls(UpdateMode mode) {
  TempDir dir;
  feedd::Archive archive(dir / "feedd.db", dir / "posts",
                         {feedd::SourcePresentation{"S", {"S"}, {"S"}, UpdateRule{mode, 0.5}}});
  const std::string article = "<p>Kerry arrived in Shanghai on Wednesday for talks on climate change.</p>";
  const std::string edited = "<p>Kerry arrived in Shanghai on Thursday for talks on climate change.</p>";
  const std::string notice = "<p>This article has been removed</p>";
  const auto poll = [&](std::int64_t at, const feedd::IncomingEntry& incoming) {
    archive.ingest("S", "https://example.org/feed", std::span(&incoming, 1), at, feedd::FetchReport{});
  };
  poll(1'000, entry(1'000, "Kerry arrives", article));
  poll(2'000, entry(2'000, "Kerry arrives", article));  // a poll that changes nothing
  poll(3'000, entry(3'000, "Kerry arrives in Shanghai", edited));
  poll(4'000, entry(4'000, "Removed", notice));
  auto row = archive.store().find_entry("https://example.org/a");
  REQUIRE(row.has_value());
  return Ingested{archive.store().versions_of(row->id), *row};
}

}  // namespace

TEST_CASE("Every edit is stored as a version whatever the update rule, and the post shows the rule's choice") {
  for (const auto mode : {UpdateMode::latest, UpdateMode::first, UpdateMode::never_shrink}) {
    CAPTURE(static_cast<int>(mode));
    const auto [versions, row] = three_polls(mode);
    REQUIRE(versions.size() == 3);
    CHECK(versions[0].number == 1);
    CHECK(versions[0].recorded_ms == 1'000);  // when first stored
    CHECK(versions[0].title == "Kerry arrives");
    CHECK(versions[1].recorded_ms == 3'000);
    CHECK(versions[1].title == "Kerry arrives in Shanghai");
    CHECK(versions[2].title == "Removed");
    CHECK(versions[2].origin == "feed");
    CHECK(row.timestamp_ms == 4'000);  // the row follows the feed's time either way, so no poll repeats the update
    switch (mode) {
      case UpdateMode::latest: CHECK(row.title == "Removed"); break;
      case UpdateMode::first: CHECK(row.title == "Kerry arrives"); break;
      case UpdateMode::never_shrink:
        CHECK(row.title == "Kerry arrives in Shanghai");
        CHECK(row.content == versions[1].content);
        break;
    }
  }
}

TEST_CASE("An entry that never changes has no stored version, its row standing for version 1") {
  TempDir dir;
  feedd::Store store(dir / "feedd.db");
  const auto source = store.source_id("S", "https://example.org/feed");
  feedd::EntryRow row;
  row.identity = "https://example.org/a";
  row.source_id = source;
  row.title = "T";
  row.content = "<p>c</p>";
  row.first_seen_ms = 5;
  row.post_path = "2021-01-01-T.md";
  store.insert_entry(row);
  CHECK(feedd::test::sqlite_count(dir / "feedd.db", "SELECT count(*) FROM entry_versions") == 0);
  const auto versions = store.versions_of(row.id);
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].recorded_ms == 5);
  // The same title and content again: nothing to keep.
  CHECK_FALSE(store.record_version(row.id, "feed", "T", "<p>c</p>", 9).recorded);
  // A change stores the row's text as version 1, then the change.
  const auto recorded = store.record_version(row.id, "page", "T", "<p>the whole article</p>", 9);
  CHECK(recorded.recorded);
  CHECK(recorded.number == 2);
  CHECK(store.versions_of(row.id).at(1).origin == "page");
  CHECK(feedd::test::sqlite_count(dir / "feedd.db", "SELECT count(*) FROM entry_versions") == 2);
  // Forgetting the entry takes its versions too.
  store.delete_entry(row.id);
  CHECK(feedd::test::sqlite_count(dir / "feedd.db", "SELECT count(*) FROM entry_versions") == 0);
}

TEST_CASE("A store of schema version 3 is migrated to versions keeping every row, each its entry's version 1") {
  TempDir dir;
  const auto database = dir / "feedd.db";
  fs::copy_file(fs::path(FEEDD_SOURCE_DIR) / "tests/data/store/feedd-v3.db", database);
  const std::string rows =
      "SELECT id, identity, source_id, url, guid, title, author, timestamp_ms, has_own_timestamp, first_seen_ms, "
      "date_ms, content, post_path, post_pending, raw_item, provisional, search_text, url_key FROM entries ORDER BY id";
  const auto before = feedd::test::sqlite_rows(database, rows);
  const auto sources_before = feedd::test::sqlite_rows(database, "SELECT * FROM sources ORDER BY id");
  const auto fetches_before = feedd::test::sqlite_rows(database, "SELECT * FROM fetches ORDER BY id");
  REQUIRE(feedd::test::sqlite_text(database, "PRAGMA user_version") == "3");
  REQUIRE(before.size() == 3);
  {
    feedd::Store store(database);
    for (const auto& row : before) {
      const auto versions = store.versions_of(std::stoll(row[0]));
      REQUIRE(versions.size() == 1);
      CHECK(versions[0].title == row[5]);
      CHECK(versions[0].content == row[11]);
      CHECK(versions[0].recorded_ms == std::stoll(row[9]));  // first_seen_ms
    }
  }
  CHECK(feedd::test::sqlite_text(database, "PRAGMA user_version") == std::to_string(feedd::Store::schema_version));
  CHECK(feedd::test::sqlite_rows(database, rows) == before);
  CHECK(feedd::test::sqlite_rows(database, "SELECT * FROM sources ORDER BY id") == sources_before);
  CHECK(feedd::test::sqlite_rows(database, "SELECT * FROM fetches ORDER BY id") == fetches_before);
  CHECK(feedd::test::sqlite_count(database, "SELECT count(*) FROM entry_versions") == 0);
}
