#include "daemon/commands.h"

#include <exception>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "daemon/cli.h"
#include "daemon/clock.h"
#include "daemon/ingest.h"
#include "store/archive.h"

namespace feedd {
namespace {

std::optional<config::Config> load_or_report(const std::filesystem::path& path) {
  try {
    return config::load_config(path);
  } catch (const config::ConfigError& error) {
    spdlog::error("{}", error.what());
    return std::nullopt;
  }
}

std::vector<SourcePresentation> presentations(const config::Config& config) {
  std::vector<SourcePresentation> result;
  for (const auto& source : config.sources) result.push_back({source.name, source.tags, source.categories});
  return result;
}

std::unique_ptr<Archive> open_archive(const config::Config& config) {
  auto archive = std::make_unique<Archive>(config.storage.database, config.storage.posts_dir, presentations(config));
  if (const int swept = archive->sweep_temp_files(); swept > 0) {
    spdlog::warn("removed {} temporary file(s) left in {} by an interrupted run", swept,
                 config.storage.posts_dir.string());
  }
  if (const int repaired = archive->repair_pending_posts(); repaired > 0) {
    spdlog::info("wrote {} post(s) that an earlier run could not write", repaired);
  }
  return archive;
}

struct Tally {
  int sources = 0;
  int failed = 0;
  int new_entries = 0;
  int updated_entries = 0;
  int posts_written = 0;

  void add(const PollReport& report) {
    ++sources;
    if (!report.ok()) ++failed;
    new_entries += report.new_entries;
    updated_entries += report.updated_entries;
    posts_written += report.posts_written;
  }
};

void log_report(const PollReport& report) {
  if (report.ok()) {
    spdlog::info("{}", describe(report));
  } else {
    spdlog::error("source {}", describe(report));
  }
}

}  // namespace

int command_once(const CommandContext& context) {
  setup_logging(context.verbosity);
  const auto config = load_or_report(context.config_path);
  if (!config) return exit_usage;

  std::unique_ptr<Archive> archive;
  try {
    archive = open_archive(*config);
  } catch (const std::exception& error) {
    spdlog::error("store: {}", error.what());
    return exit_store;
  }

  const SystemClock system_clock;
  const FixedClock fixed_clock(context.now_ms.value_or(0));
  const Clock& clock = context.now_ms ? static_cast<const Clock&>(fixed_clock) : system_clock;

  boost::asio::io_context io;
  Tally tally;
  {
    Pipeline pipeline(io, *config, *archive, clock);
    for (const auto& source : config->sources) {
      if (!source.enabled) continue;
      pipeline.poll(source, [&tally](PollReport report) {
        log_report(report);
        tally.add(report);
      });
    }
    io.run();
  }
  spdlog::info("{} source(s): {} ok, {} failed; {} new, {} updated; {} post(s) written", tally.sources,
               tally.sources - tally.failed, tally.failed, tally.new_entries, tally.updated_entries,
               tally.posts_written);
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
