// feedd search
#include <unistd.h>

#include <cstdio>
#include <limits>

#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/cli/output/terminal.h"
#include "fetchers/feed/dates.h"
#include "store/search.h"
#include "store/search_query.h"
#include "store/store.h"

namespace feedd {
namespace {

constexpr int default_limit = 20;
constexpr int max_limit = 100'000;

SearchRequest request_of(const ArchiveCommandOptions& options) {
  SearchRequest request;
  for (const auto& word : options.operands) request.query += (request.query.empty() ? "" : " ") + word;
  if (request.query.empty()) throw CommandFailure(exit_usage, "what should it search for? (feedd search QUERY)");
  request.source = options.source;
  if (options.since) request.since_ms = parse_date_option("--since", *options.since, false);
  if (options.until) request.until_ms = parse_date_option("--until", *options.until, true);
  request.limit = options.limit ? parse_count_option("--limit", *options.limit, max_limit) : default_limit;
  request.all_versions = options.all_versions;
  return request;
}

void print_json(const std::vector<SearchHit>& hits, const std::filesystem::path& posts_dir) {
  auto array = nlohmann::json::array();
  for (const auto& hit : hits) {
    array.push_back({{"title", hit.title},
                     {"source", hit.source},
                     {"date", dates::format_rfc3339(hit.date_ms)},
                     {"url", hit.url},
                     {"path", (posts_dir / hit.post_path).string()}});
    if (hit.version > 0) array.back()["version"] = hit.version;
  }
  fmt::print("{}\n", array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

// One block per hit: date, source and title on a line cut to the terminal;
// link and post path in full below it, since people copy them.
void print_for_people(const std::vector<SearchHit>& hits, std::int64_t total, const std::filesystem::path& posts_dir) {
  // The count first, so it is seen before a long list scrolls past.
  if (total == 0) {
    fmt::print(stderr, "no matches\n");
  } else if (static_cast<std::int64_t>(hits.size()) < total) {
    fmt::print(stderr, "{} of {} matches, newest first (--limit shows more)\n", hits.size(), total);
  } else {
    fmt::print(stderr, "{} match{}, newest first\n", total, total == 1 ? "" : "es");
  }
  std::fflush(stderr);
  const int columns = terminal_columns(STDOUT_FILENO);
  for (const auto& hit : hits) {
    const std::string heading =
        fmt::format("{}  {}  {}{}", format_minute(hit.date_ms), hit.source,
                    hit.version > 0 ? fmt::format("(version {}) ", hit.version) : "", hit.title);
    fmt::print("{}\n", fit_width(heading, columns > 0 ? columns : std::numeric_limits<int>::max()));
    if (!hit.url.empty()) fmt::print("    {}\n", hit.url);
    fmt::print("    {}\n", (posts_dir / hit.post_path).string());
  }
}

}  // namespace

int command_search(const ArchiveCommandOptions& options) {
  return run_reporting("search", [&] {
    const SearchRequest request = request_of(options);
    const auto config = load_config_for(options);
    require_existing_store(config);
    Store store(config.storage.database);
    std::vector<SearchHit> hits;
    std::int64_t total = 0;
    try {
      hits = search(store.database(), request);
      // Counting every match costs a second pass; only a full page needs it.
      total = static_cast<int>(hits.size()) < request.limit ? static_cast<std::int64_t>(hits.size())
                                                            : count_matches(store.database(), request);
    } catch (const SearchSyntaxError& error) {
      throw CommandFailure(exit_usage, fmt::format("query \"{}\": {}", request.query, error.what()));
    } catch (const UnknownSourceError& error) {
      throw CommandFailure(exit_usage, fmt::format("--source: {}", error.what()));
    }
    if (options.json) {
      print_json(hits, config.storage.posts_dir);
    } else {
      print_for_people(hits, total, config.storage.posts_dir);
    }
    return static_cast<int>(exit_ok);
  });
}

}  // namespace feedd
