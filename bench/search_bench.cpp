// Search latency over a large archive: builds (or reuses) a store of N
// synthetic news entries through Store, the same write path feedd uses, so
// rows reach the search backlog as ingest leaves them; then times
// feedd::search for one-, two- and three-or-more-character queries, common
// and rare, and prints a Markdown table (median and worst of the runs).
//
//   cmake -B build-bench -DFEEDD_BUILD_BENCH=ON && cmake --build build-bench --target search_bench
//   build-bench/bench/search_bench [--entries 100000] [--runs 21] [--index-batch 1000]
//                                  [--db /tmp/feedd-search-bench.db]
// Indexing prints its CPU time per entry and the tables' sizes. --reindex 1
// empties the search index of a reused store first, to time indexing again;
// --pipeline 1 indexes as a pass does (read on one connection, written on
// the writer's) and prints each side's CPU.
//
// The text is generated, deterministically: characters drawn with a Zipf
// law over 4,000 CJK ideographs (those of the seed articles first), grouped
// into a Zipf-distributed vocabulary of 50,000 one- to four-character words,
// with some English words and punctuation; titles of 10-30 characters,
// bodies of 300-1,500 in <p> paragraphs (~2.7 KB of text per entry). The
// most common "words" then appear in nearly every entry, which is harder for
// the index than real news, where few terms are that common.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "store/archive_report.h"
#include "store/post_format.h"
#include "store/search.h"
#include "store/store.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  int entries = 100'000;
  int runs = 21;
  int batch = 1000;  // rows per indexing transaction, as `feedd once` catches up
  bool reindex = false;  // --reindex 1: drop the search index of a reused store and build it again
  // --pipeline 1: index as `once` and the daemon do while polls run (SearchIndexer): each batch
  // read and built on a connection of its own, then checked and written on the writer's
  bool pipeline = false;
  fs::path database = fs::temp_directory_path() / "feedd-search-bench.db";
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    if (name == "--entries") {
      options.entries = std::atoi(argv[i + 1]);
    } else if (name == "--runs") {
      options.runs = std::atoi(argv[i + 1]);
    } else if (name == "--index-batch") {
      options.batch = std::atoi(argv[i + 1]);
    } else if (name == "--reindex") {
      options.reindex = std::atoi(argv[i + 1]) != 0;
    } else if (name == "--pipeline") {
      options.pipeline = std::atoi(argv[i + 1]) != 0;
    } else if (name == "--db") {
      options.database = argv[i + 1];
    } else {
      fmt::print(stderr, "usage: search_bench [--entries N] [--runs R] [--index-batch B] [--reindex 1] [--pipeline 1] "
                          "[--db PATH]\n");
      std::exit(2);
    }
  }
  return options;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string utf8(char32_t c) {
  std::string out;
  if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  }
  out += static_cast<char>(0x80 | (c & 0x3F));
  return out;
}

// A Zipf law over `n` ranks: rank i (0-based) has weight 1 / (i + 1)^s.
std::discrete_distribution<int> zipf(int n, double s) {
  std::vector<double> weights(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) weights[static_cast<std::size_t>(i)] = 1.0 / std::pow(i + 1.0, s);
  return std::discrete_distribution<int>(weights.begin(), weights.end());
}

class Corpus {
 public:
  explicit Corpus(std::mt19937& random) : random_(random) {
    std::vector<std::string> characters = seed_characters();
    std::vector<char32_t> others;
    for (char32_t c = 0x4E00; c <= 0x9FA5; ++c) others.push_back(c);
    std::shuffle(others.begin(), others.end(), random_);
    const std::set<std::string> seen(characters.begin(), characters.end());
    for (const char32_t c : others) {
      if (characters.size() >= 4000) break;
      if (!seen.contains(utf8(c))) characters.push_back(utf8(c));
    }
    auto character = zipf(static_cast<int>(characters.size()), 1.0);
    std::uniform_int_distribution<int> length(1, 4);
    // Common two- and three-character words at the top of the vocabulary.
    words_ = {"中国", "美国", "气候", "合作", "克里", "上海", "拜登", "变化", "国家主席", "气候变化"};
    while (words_.size() < 50'000) {
      std::string word;
      for (int i = length(random_); i > 0; --i) word += characters[static_cast<std::size_t>(character(random_))];
      words_.push_back(word);
    }
    word_ = zipf(static_cast<int>(words_.size()), 0.9);
  }

  // About `characters` characters of text.
  std::string text(int characters) {
    static const std::vector<std::string> english = {"the", "climate", "talks", "in", "Shanghai", "US", "China",
                                                     "AI", "said", "president", "Kerry", "Biden", "cooperation"};
    static const std::vector<std::string> punctuation = {"，", "。", "、", "；", "："};
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    std::string out;
    int count = 0;
    while (count < characters) {
      const double roll = chance(random_);
      if (roll < 0.03) {
        const auto& word = english[random_() % english.size()];
        out += " " + word + " ";
        count += static_cast<int>(word.size()) + 2;
      } else if (roll < 0.08) {
        out += punctuation[random_() % punctuation.size()];
        ++count;
      } else {
        const auto& word = words_[static_cast<std::size_t>(word_(random_))];
        out += word;
        count += static_cast<int>(word.size() / 3);
      }
    }
    return out;
  }

  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

 private:
  static std::vector<std::string> seed_characters() {
    std::vector<std::string> characters;
    std::set<std::string> seen;
    for (const char* name : {"seeds/posts/000_194e748a9a75e2e5.txt", "seeds/posts/004_5c912297c50d9bb3.txt"}) {
      std::string_view text = read_file(fs::path(FEEDD_SOURCE_DIR) / name);
      while (!text.empty()) {
        const auto decoded = feedd::decode_utf8(text);
        if (decoded.code_point >= 0x4E00 && decoded.code_point <= 0x9FA5) {
          std::string c(text.substr(0, decoded.size));
          if (seen.insert(c).second) characters.push_back(c);
        }
        text.remove_prefix(decoded.size);
      }
    }
    return characters;
  }

  std::mt19937& random_;
  std::vector<std::string> words_;
  std::discrete_distribution<int> word_;
};

// CPU time of this process (all threads), in seconds: the machine is shared,
// so wall time alone says little about what indexing costs.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

void build(feedd::Store& store, int entries) {
  std::mt19937 random(20210417);
  Corpus corpus(random);
  const std::int64_t source = store.source_id("bench", "https://bench.example/feed.xml");
  const std::int64_t start_ms = 1'500'000'000'000;
  const auto began = std::chrono::steady_clock::now();
  constexpr int batch = 2000;
  for (int done = 0; done < entries;) {
    feedd::sqlite::Transaction transaction(store.database());
    for (int i = 0; i < batch && done < entries; ++i, ++done) {
      feedd::EntryRow row;
      row.identity = fmt::format("https://bench.example/{}", done);
      row.url = row.identity;
      row.source_id = source;
      row.title = corpus.text(corpus.between(10, 30));
      std::string body;
      for (int paragraphs = corpus.between(1, 5); paragraphs > 0; --paragraphs) {
        body += "<p>" + corpus.text(corpus.between(60, 300)) + "</p>";
      }
      row.content = body;
      // Spread over six years, not in insertion order.
      row.timestamp_ms = start_ms + static_cast<std::int64_t>(random() % (6LL * 365 * 86'400'000));
      row.has_own_timestamp = true;
      row.first_seen_ms = row.timestamp_ms;
      row.date_ms = row.timestamp_ms;
      row.post_path = fmt::format("{}.md", done);
      store.insert_entry(row);
    }
    transaction.commit();
    fmt::print(stderr, "\rbuilding: {}/{}", done, entries);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  fmt::print(stderr, "\nbuilt {} entries in {:.0f}s ({:.0f}/s)\n", entries, seconds, entries / seconds);
}

// What the idle writer does after ingest (and a migration leaves for it):
// the timed queries are about the indexes, not the text scan that covers
// rows still waiting for them.
void index_for_search(feedd::Store& store, int batch) {
  const auto backlog = store.search_backlog();
  if (backlog == 0) return;
  const auto began = std::chrono::steady_clock::now();
  const double cpu_began = cpu_seconds();
  for (std::int64_t indexed = 0; indexed < backlog;) {
    indexed += store.index_search_backlog(batch);
    fmt::print(stderr, "\rindexing for search: {}/{}", indexed, backlog);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double cpu = cpu_seconds() - cpu_began;
  fmt::print(stderr, "\nindexed {} entries in {:.1f} s ({:.0f}/s), batches of {}; CPU {:.1f} s, {:.3f} ms per entry\n",
             backlog, seconds, static_cast<double>(backlog) / seconds, batch, cpu,
             cpu * 1000 / static_cast<double>(backlog));
}

// Bytes this process has handed to write(2) and pwrite(2) so far: the
// writer's share of them is mostly WAL frames.
double written_mib() {
  std::ifstream io("/proc/self/io");
  std::string key;
  double bytes = 0;
  while (io >> key >> bytes) {
    if (key == "wchar:") return bytes / 1048576;
  }
  return 0;
}

// The same backlog indexed in two steps, as SearchIndexer and the writer
// share it: the CPU of each side per entry, the writer's being what a busy
// pass waits for.
void index_as_pipeline(feedd::Store& store, int batch) {
  const auto backlog = store.search_backlog();
  if (backlog == 0) return;
  feedd::sqlite::Database reader(store.database().path());
  reader.execute("PRAGMA cache_size = -256");  // as SearchIndexer's connection
  const auto began = std::chrono::steady_clock::now();
  double reading = 0;
  double writing = 0;
  double written = 0;
  std::int64_t indexed = 0;
  std::int64_t after_id = 0;
  for (;;) {
    const double before_read = cpu_seconds();
    auto run = feedd::Store::prepare_search_run(reader, after_id, batch);
    const double before_write = cpu_seconds();
    reading += before_write - before_read;
    if (run.ids.empty()) break;
    after_id = run.last_id();
    const double written_before = written_mib();
    indexed += store.write_search_run(run);
    written += written_mib() - written_before;
    run = {};
    writing += cpu_seconds() - before_write;
    fmt::print(stderr, "\rindexing for search: {}/{}", indexed, backlog);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  fmt::print(stderr,
             "\nindexed {} entries in {:.1f} s, batches of {} read on a second connection: CPU reading and building "
             "{:.1f} s ({:.3f} ms per entry), writing on the writer {:.1f} s ({:.3f} ms per entry), {:.1f} MiB "
             "written ({:.1f} KiB per entry)\n",
             indexed, seconds, batch, reading, reading * 1000 / static_cast<double>(indexed), writing,
             writing * 1000 / static_cast<double>(indexed), written, written * 1024 / static_cast<double>(indexed));
}

// Pages of each table and index (SQLite's dbstat), in MiB.
void print_sizes(feedd::Store& store) {
  auto sizes = store.database().prepare(
      "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 8");
  while (sizes.step()) {
    fmt::print(stderr, "  {:<28} {:8.1f} MiB\n", sizes.column_text(0), static_cast<double>(sizes.column_int(1)) / 1048576);
  }
}

struct Timing {
  double median_ms;
  double worst_ms;
  double median_cpu_ms;  // steadier than wall time on a busy machine
  std::size_t hits;
};

Timing time_query(feedd::Store& store, const std::string& query, int runs) {
  feedd::SearchRequest request;
  request.query = query;
  request.limit = 20;
  std::vector<double> samples;
  std::vector<double> cpu_samples;
  std::size_t hits = 0;
  for (int i = 0; i < runs; ++i) {
    const auto began = std::chrono::steady_clock::now();
    const double cpu_began = cpu_seconds();
    hits = feedd::search(store.database(), request).size();
    cpu_samples.push_back((cpu_seconds() - cpu_began) * 1000);
    samples.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count());
  }
  std::sort(samples.begin(), samples.end());
  std::sort(cpu_samples.begin(), cpu_samples.end());
  return {samples[samples.size() / 2], samples.back(), cpu_samples[cpu_samples.size() / 2], hits};
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  feedd::Store store(options.database);
  if (const auto have = feedd::entry_count(store.database()); have != options.entries) {
    if (have != 0) {
      fmt::print(stderr, "{} holds {} entries, not {}: remove it first\n", options.database.string(), have,
                 options.entries);
      return 2;
    }
    build(store, options.entries);
  }
  if (options.reindex) {
    store.database().execute(
        "BEGIN; INSERT OR IGNORE INTO search_backlog (id) SELECT id FROM entries; DELETE FROM search_chunks; "
        "DELETE FROM search_runs; DELETE FROM search_dirty; COMMIT; VACUUM");
  }
  if (options.pipeline) {
    index_as_pipeline(store, options.batch);
  } else {
    index_for_search(store, options.batch);
  }
  print_sizes(store);

  struct Query {
    std::string text;
    std::string kind;
  };
  const std::vector<Query> queries = {
      {"中", "1 char, common"},         {"克", "1 char, seed text"},         {"鑫", "1 char, rare"},
      {"中国", "2 chars, in most entries"}, {"气候", "2 chars, common word"},     {"克里", "2 chars, common word"},
      {"AI", "2 chars, English"},        {"鑫鑫", "2 chars, absent"},          {"国家主席", "4 chars, common word"},
      {"气候变化", "4 chars, common word"}, {"美国总", "3 chars"},               {"climate", "7 chars, English"},
      {"鑫鑫鑫", "3 chars, absent"},      {"中国中国中国", "6 chars, rare, every bigram common"},      {"中国 美国", "two 2-char terms (AND)"}, {"克里 OR 拜登", "2-char OR"},
  };
  fmt::print("| query | kind | results (limit 20) | median ms | worst ms | median CPU ms |\n|---|---|---:|---:|---:|---:|\n");
  for (const auto& query : queries) {
    const Timing timing = time_query(store, query.text, options.runs);
    fmt::print("| `{}` | {} | {} | {:.2f} | {:.2f} | {:.2f} |\n", query.text, query.kind, timing.hits, timing.median_ms,
               timing.worst_ms, timing.median_cpu_ms);
  }
  return 0;
}
