// feedd import-opml, feedd export-opml
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "config/opml.h"
#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/runtime/exit_status.h"
#include "fetchers/http/url.h"

namespace feedd {
namespace {

std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandFailure(exit_usage, fmt::format("{}: cannot read it", path.string()));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The same feed under two spellings (tracking parameters, host case) is one.
std::string url_key(std::string_view url) { return url::canonical(url).value_or(std::string(url)); }

}  // namespace

int command_import_opml(const ArchiveCommandOptions& options) {
  return run_reporting("import-opml", [&] {
    if (options.operands.size() != 1) throw CommandFailure(exit_usage, "give exactly one file: feedd import-opml FILE");
    const std::filesystem::path file = options.operands[0];
    const auto config = load_config_for(options);
    std::vector<config::OpmlFeed> feeds;
    try {
      feeds = config::parse_opml(read_whole_file(file), file);
    } catch (const config::OpmlError& error) {
      throw CommandFailure(exit_usage, error.what());
    }
    const auto plan = config::plan_import(feeds, config.sources, url_key);
    fmt::print("{}", config::import_toml(plan, file.filename().string()));
    fmt::print(stderr, "{} source(s) to append to {}; {} already configured, {} skipped\n", plan.added.size(),
               config.file.string(), plan.skipped_configured.size(), plan.refused.size());
    return static_cast<int>(exit_ok);
  });
}

int command_export_opml(const ArchiveCommandOptions& options) {
  return run_reporting("export-opml", [&] {
    const auto config = load_config_for(options);
    fmt::print("{}", config::write_opml(config.sources, "feedd sources", read_whole_file(config.file)));
    return static_cast<int>(exit_ok);
  });
}

}  // namespace feedd
