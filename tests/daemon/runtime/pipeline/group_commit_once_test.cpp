// Group commit through the real binary: many sources on a loopback server
// stored by `feedd once`, whose writer takes the polls waiting for it
// together; each source still gets its own poll record, counts, validators
// and error, a 304 pass records every source, and nothing is left pending.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::HttpTestServer;
using feedd::test::TempDir;
using feedd::test::TestDatabase;
using feedd::test::TestRequest;
using feedd::test::TestResponse;

namespace {

constexpr int source_count = 60;
constexpr int items_per_source = 8;

// Entries of their own per source: identity is global, so shared links
// would make one row of several sources' entries.
std::string feed_of(int source) {
  std::string xml = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Source {0}</title>"
      "<link>https://s{0}.example/</link><description>d</description>\n",
      source);
  for (int i = 0; i < items_per_source; ++i) {
    xml += fmt::format(
        "<item><title>来源 {0} 第 {1} 条</title><link>https://s{0}.example/a/{1}.html</link>"
        "<pubDate>Sun, 06 Dec 2026 10:{1:02}:00 +0000</pubDate><description>正文 {0} {1}</description></item>\n",
        source, i);
  }
  return xml + "</channel></rss>\n";
}

std::size_t files_in(const fs::path& folder) {
  std::size_t count = 0;
  for (const auto& item : fs::directory_iterator(folder)) count += item.is_regular_file() ? 1 : 0;
  return count;
}

}  // namespace

TEST_CASE("Sixty sources stored in groups get one poll record each and a 304 pass records every source") {
  TempDir dir;
  // Six hosts, so that many polls run at once (two per host) and reach the
  // writer while it stores the ones before them.
  std::vector<std::unique_ptr<HttpTestServer>> hosts;
  for (int h = 1; h <= 6; ++h) hosts.push_back(std::make_unique<HttpTestServer>(fmt::format("127.0.0.{}", h)));
  const auto host_of = [&](int source) -> HttpTestServer& { return *hosts[static_cast<std::size_t>(source) % hosts.size()]; };
  HttpTestServer& server = *hosts.front();
  std::string config = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";
  for (int i = 0; i < source_count; ++i) {
    const std::string path = fmt::format("/feed{}.xml", i);
    host_of(i).serve(path, feed_of(i));
    config += fmt::format("[[sources]]\nname = \"s{:02}\"\nurl = \"{}\"\n", i, host_of(i).url(path));
  }
  server.route("/down.xml", [](const TestRequest&) {
    TestResponse response;
    response.status = 503;
    return response;
  });
  config += fmt::format("[[sources]]\nname = \"down\"\nurl = \"{}\"\n", server.url("/down.xml"));
  feedd::test::write_file(dir / "feedd.toml", config);
  const std::string config_path = (dir / "feedd.toml").string();

  const auto first = feedd::test::run_feedd({"once", "--config", config_path}, 60s);
  CHECK(first.exit_status == 1);  // the source that is down, and only it
  TestDatabase db(dir / "state/feedd.db");
  const std::string per_source =
      "SELECT count(*), sum(new_entries), sum(unchanged_entries), group_concat(http_status), "
      "sum(sources.etag IS NOT NULL) FROM fetches JOIN sources ON sources.id = fetches.source_id "
      "WHERE sources.name = '{}'";
  for (int i = 0; i < source_count; ++i) {
    INFO("source s" << i);
    CHECK(db.rows(fmt::format(fmt::runtime(per_source), fmt::format("s{:02}", i))) ==
          feedd::test::SqliteTable{{"1", std::to_string(items_per_source), "0", "200", "1"}});
  }
  CHECK(db.text("SELECT http_status || ' ' || (error != '') FROM fetches JOIN sources ON sources.id = source_id "
                "WHERE name = 'down'") == "503 1");
  CHECK(db.text("SELECT count(*) FROM entries") == std::to_string(source_count * items_per_source));
  CHECK(db.text("SELECT count(*) FROM post_backlog") == "0");
  CHECK(files_in(dir / "site/_posts") == source_count * items_per_source);

  // Every source answers 304 now; each 304 joins a group's transaction and
  // is recorded for its own source. --force: the source that is down is
  // resting after its failure.
  const auto second = feedd::test::run_feedd({"once", "--config", config_path, "--force"}, 60s);
  CHECK(second.exit_status == 1);
  for (int i = 0; i < source_count; ++i) {
    INFO("source s" << i);
    CHECK(db.rows(fmt::format(fmt::runtime(per_source), fmt::format("s{:02}", i))) ==
          feedd::test::SqliteTable{{"2", std::to_string(items_per_source), "0", "200,304", "2"}});
    CHECK(host_of(i).requests(fmt::format("/feed{}.xml", i)) == 2);
  }
  CHECK(db.text("SELECT count(*) FROM fetches JOIN sources ON sources.id = source_id WHERE name = 'down'") == "2");
  CHECK(db.text("SELECT count(*) FROM entries") == std::to_string(source_count * items_per_source));
  CHECK(db.text("SELECT count(*) FROM post_backlog") == "0");
  CHECK(files_in(dir / "site/_posts") == source_count * items_per_source);
}
