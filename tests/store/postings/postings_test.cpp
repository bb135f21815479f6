// store/postings tested directly: the grams of a text, a batch turned into
// sorted lists, the chunk format read back, and runs merged, each against a
// plain model (std::map of gram -> ids) of the same rows.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/postings/grams.h"
#include "store/postings/id_set.h"
#include "store/postings/posting_batch.h"
#include "store/postings/posting_chunk.h"

using namespace feedd::postings;

namespace {

std::vector<std::string> grams_of(std::string_view text) {
  std::vector<std::string> out;
  for_each_gram(text, [&](GramKey key) { out.push_back(gram_text(key)); });
  return out;
}

using Model = std::map<GramKey, std::set<std::int64_t>>;

void add_to_model(Model& model, std::int64_t id, std::string_view text) {
  for_each_gram(text, [&](GramKey key) { model[key].insert(id); });
}

// A run written through ChunkWriter, as the chunks the store would keep.
struct Run {
  std::vector<std::string> chunks;
};

Run write_run(PostingBatch& batch) {
  Run run;
  ChunkWriter writer([&run](GramKey, std::string_view chunk) { run.chunks.emplace_back(chunk); });
  for (const auto& list : batch.lists()) writer.add(list.key, list.ids);
  writer.finish();
  return run;
}

Model read_run(const Run& run) {
  Model model;
  for (const auto& chunk : run.chunks) {
    ChunkReader reader(chunk);
    StoredList list;
    while (reader.next(list)) for_each_id(list, [&](std::int64_t id) { model[list.key].insert(id); });
  }
  return model;
}

std::string random_text(std::mt19937& random, int characters) {
  static const std::vector<std::string> alphabet = {"中", "国", "克", "里", "气", "候", "A", "b", " ", "é", "😀", "\n"};
  std::string text;
  for (int i = 0; i < characters; ++i) text += alphabet[random() % alphabet.size()];
  return text;
}

}  // namespace

TEST_CASE("A text's grams are its characters and the pairs within each run of non-spaces, ASCII folded") {
  CHECK(grams_of("克里 AI") == std::vector<std::string>{"克", "克里", "里", "a", "ai", "i"});
  CHECK(grams_of(std::string_view("É\tx\0y", 6)) == std::vector<std::string>{"É", "x", "y"});  // NUL is a space; É is not ASCII
  CHECK(grams_of("😀😀") == std::vector<std::string>{"😀", "😀😀", "😀"});  // 8 bytes: the widest gram
  CHECK(gram_key("克里") == gram_key("克里"));
  CHECK(gram_key("AI") == gram_key("ai"));
  CHECK(gram_text(gram_key("Ai")) == "ai");
  // Keys order as the grams' bytes do, a shorter gram before its extensions.
  CHECK(gram_key("a") < gram_key("ab"));
  CHECK(gram_key("ab") < gram_key("b"));
  CHECK(gram_key("z") < gram_key("克"));
}

TEST_CASE("A batch's lists, chunked and read back, are the rows that hold each gram") {
  std::mt19937 random(17);
  PostingBatch batch;
  Model model;
  for (std::int64_t id = 3; id < 600; id += 1 + static_cast<std::int64_t>(random() % 3)) {
    const std::string text = random_text(random, static_cast<int>(random() % 2000));
    batch.add(id, text);
    add_to_model(model, id, text);
  }
  const Run run = write_run(batch);
  CHECK(run.chunks.size() > 1);
  CHECK(read_run(run) == model);
  for (const auto& [key, ids] : model) {
    INFO(gram_text(key));
    // A lookup: the last chunk that starts at or before the key.
    std::optional<StoredList> found;
    for (const auto& chunk : run.chunks) {
      StoredList first;
      ChunkReader(chunk).next(first);
      if (first.key <= key) found = find_in_chunk(chunk, key);
    }
    REQUIRE(found.has_value());
    CHECK(found->count == ids.size());
    CHECK(found->first == *ids.begin());
    CHECK(found->last == *ids.rbegin());
  }
  CHECK_FALSE(find_in_chunk(run.chunks.front(), gram_key("鑫")).has_value());
}

TEST_CASE("Merged runs hold every id of every run once, whether their ids overlap or follow each other") {
  std::mt19937 random(42);
  Model model;
  std::vector<Run> runs;
  // Runs in id order, then one that indexes some rows again (edited rows).
  std::int64_t id = 1;
  for (int r = 0; r < 5; ++r) {
    PostingBatch batch;
    for (int row = 0; row < 40; ++row, id += 1 + static_cast<std::int64_t>(random() % 5)) {
      const std::string text = random_text(random, 50);
      batch.add(id, text);
      add_to_model(model, id, text);
    }
    runs.push_back(write_run(batch));
  }
  PostingBatch again;
  for (const std::int64_t edited : {std::int64_t{2}, std::int64_t{50}, std::int64_t{51}, id - 1}) {
    const std::string text = random_text(random, 50);
    again.add(edited, text);
    add_to_model(model, edited, text);
  }
  runs.push_back(write_run(again));

  std::vector<std::unique_ptr<ListStream>> streams;
  std::vector<std::size_t> next(runs.size(), 0);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    streams.push_back(std::make_unique<ListStream>([&runs, &next, r](std::string& chunk) {
      if (next[r] == runs[r].chunks.size()) return false;
      chunk = runs[r].chunks[next[r]++];
      return true;
    }));
  }
  Run merged;
  ChunkWriter writer([&merged](GramKey, std::string_view chunk) { merged.chunks.emplace_back(chunk); });
  merge_runs(streams, writer);
  CHECK(read_run(merged) == model);
}

TEST_CASE("An id set tests, unites, intersects and subtracts") {
  IdSet a;
  IdSet b;
  for (std::int64_t id : {1, 64, 65, 1000}) a.insert(id);
  for (std::int64_t id : {64, 1000, 5000}) b.insert(id);
  CHECK(a.contains(65));
  CHECK_FALSE(a.contains(66));
  CHECK_FALSE(a.contains(-1));
  IdSet both = a;
  both.intersect(b);
  CHECK(both.size() == 2);
  IdSet either = a;
  either.unite(b);
  CHECK(either.size() == 5);
  IdSet only = a;
  only.subtract(b);
  std::vector<std::int64_t> left;
  only.for_each([&](std::int64_t id) { left.push_back(id); });
  CHECK(left == std::vector<std::int64_t>{1, 65});
}
