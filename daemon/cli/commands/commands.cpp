#include "daemon/cli/commands/commands.h"

#include <algorithm>
#include <csignal>
#include <exception>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "daemon/cli/commands/search_catch_up.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/load_config.h"
#include "daemon/runtime/writable_store.h"
#include "daemon/runtime/publisher.h"
#include "daemon/runtime/scheduler.h"
#include "store/archive.h"

namespace feedd {
namespace {

std::optional<config::Config> load_or_report(const std::filesystem::path& path) {
  try {
    return load_checked_config(path);
  } catch (const config::ConfigError& error) {
    spdlog::error("{}", error.what());
    return std::nullopt;
  }
}

struct Tally {
  int sources = 0;
  int failed = 0;
  int new_entries = 0;
  int updated_entries = 0;
  int posts_written = 0;
  int recovered = 0;
  std::vector<std::filesystem::path> written;

  void add(const PollReport& report) {
    written.insert(written.end(), report.written_posts.begin(), report.written_posts.end());
    ++sources;
    if (report.recovered) ++recovered;
    if (!report.ok()) ++failed;
    new_entries += report.new_entries;
    updated_entries += report.updated_entries;
    posts_written += report.posts_written;
  }
};

void log_report(const PollReport& report) {
  if (report.ok() && report.recovered) {
    spdlog::warn("{}", describe(report));
  } else if (report.ok()) {
    spdlog::info("{}", describe(report));
  } else {
    spdlog::error("source {}", describe(report));
  }
}

// `once` publishes once, after the whole pass, with no interval to wait for.
void publish_once(const config::Config& config, const std::vector<std::filesystem::path>& written) {
  if (config.publish.command.empty() || written.empty()) return;
  std::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  Publisher publisher(io, PublishSettings{config.publish.command, std::chrono::milliseconds(0), config.publish.timeout});
  publisher.add(written);
  io.run();
}

}  // namespace

int command_once(const CommandContext& context, const std::vector<std::string>& only_sources) {
  setup_logging(context.verbosity);
  auto config = load_or_report(context.config_path);
  if (!config) return exit_usage;
  if (!only_sources.empty()) {
    for (auto& source : config->sources) {
      const bool named = std::ranges::find(only_sources, source.name) != only_sources.end();
      source.enabled = source.enabled && named;
    }
  }

  int exit_status = exit_ok;
  auto store = open_writable_store(*config, exit_status);
  if (!store) return exit_status;

  const SystemClock system_clock;
  const FixedClock fixed_clock(context.now_ms.value_or(0));
  const Clock& clock = context.now_ms ? static_cast<const Clock&>(fixed_clock) : system_clock;

  // One pass of the daemon's own machinery: same pipeline, same scheduler.
  boost::asio::io_context io;
  Tally tally;
  {
    Pipeline pipeline(io, *config, *store->archive, clock);
    Scheduler scheduler(io, pipeline, clock, Scheduler::Mode::one_pass,
                        [&tally](const PollReport& report, std::optional<std::chrono::milliseconds>) {
                          log_report(report);
                          tally.add(report);
                        });
    scheduler.apply(*config);
    io.run();
  }
  publish_once(*config, tally.written);
  spdlog::info("{} source(s): {} ok ({} recovered), {} failed; {} new, {} updated; {} post(s) written",
               tally.sources, tally.sources - tally.failed, tally.recovered, tally.failed, tally.new_entries,
               tally.updated_entries, tally.posts_written);
  // The writer indexes for search only when it has nothing else to do, which
  // a busy pass may never give it; a cron-driven archive has no later moment.
  const auto indexed = catch_up_search_index(store->archive->store(), context.verbosity != Verbosity::quiet);
  if (!indexed.error.empty()) {
    spdlog::warn("search index not brought up to date, the next run will: {}", indexed.error);
  } else if (indexed.indexed > 0) {
    spdlog::info("{} entr{} indexed for search in {:.1f} s", indexed.indexed, indexed.indexed == 1 ? "y" : "ies",
                 indexed.seconds);
  }
  // A cron-driven archive runs nothing else that would delete them.
  prune_old_poll_records(*store->archive, clock.now_ms() - config->storage.fetch_history.count());
  return tally.failed > 0 ? exit_source_failed : exit_ok;
}

int command_check(const CommandContext& context) {
  setup_logging(context.verbosity);
  const auto config = load_or_report(context.config_path);
  if (!config) return exit_usage;
  int enabled = 0;
  for (const auto& source : config->sources) enabled += source.enabled ? 1 : 0;
  fmt::print("{}: OK, {} source(s), {} enabled\n", config->file.string(), config->sources.size(), enabled);
  fmt::print("database:  {}\nposts_dir: {}\n", config->storage.database.string(), config->storage.posts_dir.string());
  for (const auto& source : config->sources) {
    fmt::print("\n{}\n  url:        {}\n  enabled:    {}\n  content:    {}\n  timezone:   {}\n", source.name,
               source.url, source.enabled ? "yes" : "no",
               source.content == config::ContentMode::raw ? "raw" : "sanitize", source.timezone);
    fmt::print("  tags:       {}\n  categories: {}\n", fmt::join(source.tags, ", "),
               fmt::join(source.categories, ", "));
  }
  return exit_ok;
}

}  // namespace feedd
