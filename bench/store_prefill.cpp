// Fills a feedd store with N entries for bench/store_bench.sh, through
// feedd::Store (the schema, migrations and write path feedd uses, so the
// unique indexes are built as ingest builds them, and both search indexes by
// Store::index_search_backlog as the idle writer builds them),
// in transactions of 10,000 rows with synchronous = OFF: a pre-filled store
// as a daemon would have after years, built in minutes rather than by
// polling. Deterministic for a given --seed.
//
//   store_prefill --db PATH --entries 1000000 [--sources 1000] [--content-bytes 2048] [--seed 1]
//
// Entries: Chinese news HTML of about --content-bytes (sentences in the
// register of the seed feeds, in <p> paragraphs), a raw item of the same
// size (what RSS items carry), distinct titles and post file names, one per
// minute from 2017 on, spread over --sources sources named prefill-N.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "store/post_file_name.h"
#include "store/store.h"

namespace {

struct Options {
  std::filesystem::path database;
  long entries = 1'000'000;
  int sources = 1000;
  std::size_t content_bytes = 2048;
  unsigned seed = 1;
};

[[noreturn]] void usage() {
  std::fputs("usage: store_prefill --db PATH --entries N [--sources S] [--content-bytes B] [--seed K]\n", stderr);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--db") options.database = value;
    else if (name == "--entries") options.entries = std::atol(value);
    else if (name == "--sources") options.sources = std::atoi(value);
    else if (name == "--content-bytes") options.content_bytes = static_cast<std::size_t>(std::atol(value));
    else if (name == "--seed") options.seed = static_cast<unsigned>(std::atol(value));
    else usage();
  }
  if (options.database.empty() || options.entries < 0 || options.sources < 1) usage();
  return options;
}

constexpr std::string_view sentences[] = {
    "北京周四宣布，中国国家主席将出席法国和德国在本周五举行的气候视频峰会",
    "这是新政府上台以来首次派出高级官员访问中国，因而引起国际上的高度关注",
    "中国生态环境部在一份简短的声明中说，双方将举行对口会谈",
    "分析师们警告说，对煤炭的高度依赖和短期目标缺乏力度将会导致这个目标无法实现",
    "导致关系紧张的问题包括香港政策、新疆问题、台湾问题和南中国海的主权纠纷等",
    "双方预计会讨论环境挑战、可以优先合作的领域、以及计划今年年底举行的联合国气候会谈",
    "中美作为世界上最大的发展中国家和最大的发达国家，在应对气候变化方面有很多共同利益",
    "国家统计局周五公布的数据显示，第一季度国内生产总值同比增长百分之十八点三",
    "市场人士认为，消费复苏的速度仍然慢于生产，就业压力在年轻人中尤其明显",
    "央行官员在新闻发布会上表示，货币政策将保持连续性、稳定性和可持续性",
    "据新华社报道，有关部门已经派出工作组赶赴现场，指导救援和善后处置工作",
    "当地居民对记者说，暴雨从凌晨开始下，到中午时分不少街道已经积水及膝",
    "专家指出，人口老龄化将对养老金体系和医疗保障带来长期压力",
    "欧盟委员会发言人说，欧方希望在互利的基础上推进谈判，但不会在原则问题上让步",
    "研究人员在论文中写道，这项发现有助于解释为何部分地区的气温上升速度高于全球平均水平",
    "评论人士认为，此次会晤释放出双方希望管控分歧、避免冲突的信号",
    "新加坡总理在国庆群众大会上说，本地区的局势正在发生深刻的变化",
    "外交部发言人在例行记者会上回答相关提问时重申了中方的一贯立场",
};
constexpr std::string_view people[] = {"克里", "拜登", "王毅", "韩正", "马克龙", "默克尔", "李显龙", "布林肯"};
constexpr std::string_view topics[] = {"气候合作面临考验", "经济复苏仍存隐忧", "外界关注会谈成果", "供应链重组加速",
                                       "碳中和目标受质疑", "芯片出口管制升级", "区域安全局势紧张", "疫苗外交持续升温"};

template <std::size_t N>
std::string_view pick(std::mt19937& random, const std::string_view (&list)[N]) {
  return list[random() % N];
}

std::string paragraphs(std::mt19937& random, std::size_t bytes) {
  std::string html;
  while (html.size() < bytes) {
    html += "<p>";
    for (int i = 1 + static_cast<int>(random() % 4); i > 0; --i) {
      html += pick(random, sentences);
      html += i > 1 ? "，" : "。";
    }
    html += "</p>\n";
  }
  return html;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  feedd::Store store(options.database);
  auto& db = store.database();
  db.execute("PRAGMA synchronous = OFF");

  std::vector<std::int64_t> source_ids;
  {
    feedd::sqlite::Transaction transaction(db);
    for (int s = 0; s < options.sources; ++s) {
      source_ids.push_back(store.source_id(fmt::format("prefill-{}", s), fmt::format("http://prefill.invalid/{}.xml", s)));
    }
    transaction.commit();
  }

  std::mt19937 random(options.seed);
  const std::int64_t start_ms = 1'483'228'800'000;  // 2017-01-01
  const auto began = std::chrono::steady_clock::now();
  constexpr long batch = 10'000;
  for (long done = 0; done < options.entries;) {
    feedd::sqlite::Transaction transaction(db);
    for (long i = 0; i < batch && done < options.entries; ++i, ++done) {
      feedd::EntryRow row;
      row.identity = fmt::format("https://prefill.example-news.cn/a/{}.html", done);
      row.url = row.identity;
      row.guid = fmt::format("prefill-{}", done);
      row.source_id = source_ids[static_cast<std::size_t>(done % options.sources)];
      row.title = fmt::format("{}{}，{}（{}）", pick(random, people), "发表讲话", pick(random, topics), done);
      row.timestamp_ms = start_ms + done * 60'000;
      row.has_own_timestamp = true;
      row.first_seen_ms = row.timestamp_ms;
      row.date_ms = row.timestamp_ms;
      row.content = paragraphs(random, options.content_bytes);
      row.raw_item = "<item><title>" + row.title + "</title><description><![CDATA[" + row.content +
                     "]]></description></item>";
      row.post_path = feedd::post_file_name(row.date_ms, row.title);
      store.insert_entry(row);
    }
    transaction.commit();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::fprintf(stderr, "\rstore_prefill: %ld/%ld entries, %.0f s", done, options.entries, seconds);
  }
  std::fprintf(stderr, "\n");
  // Stored rows wait for the search index (store/search.h); a store years
  // old has them all indexed.
  const long backlog = static_cast<long>(store.search_backlog());
  for (long indexed = 0; indexed < backlog;) {
    indexed += store.index_search_backlog(10'000);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::fprintf(stderr, "\rstore_prefill: %ld/%ld entries indexed for search, %.0f s", indexed, backlog, seconds);
  }
  db.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  std::fprintf(stderr, "\n");
  return 0;
}
