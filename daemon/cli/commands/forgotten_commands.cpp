// feedd forgotten, feedd forget --undo: the takedown list, read and undone.
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/runtime/exit_status.h"
#include "fetchers/feed/dates.h"
#include "fetchers/http/url.h"
#include "store/lists/forgotten.h"
#include "store/store.h"

namespace feedd {

int command_forgotten(const ArchiveCommandOptions& options) {
  return run_reporting("forgotten", [&] {
    const auto config = load_config_for(options);
    require_existing_store(config);
    Store store(config.storage.database);
    const auto entries = forgotten_entries(store.database());
    if (options.json) {
      auto array = nlohmann::json::array();
      for (const auto& entry : entries) {
        array.push_back({{"url", entry.url},
                         {"identity", entry.identity},
                         {"forgotten_at", dates::format_rfc3339(entry.forgotten_ms)}});
      }
      fmt::print("{}\n", array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      for (const auto& entry : entries) {
        fmt::print("{}  {}\n", format_minute(entry.forgotten_ms), entry.url.empty() ? entry.identity : entry.url);
      }
      fmt::print(stderr, "{} forgotten entr{}; 'feedd forget --undo URL' lets one be stored again\n", entries.size(),
                 entries.size() == 1 ? "y" : "ies");
    }
    return static_cast<int>(exit_ok);
  });
}

int command_forget_undo(const ArchiveCommandOptions& options) {
  return run_reporting("forget", [&] {
    if (options.operands.size() != 1) {
      throw CommandFailure(exit_usage, "give exactly one URL: feedd forget --undo URL");
    }
    const std::string& url = options.operands[0];
    const auto config = load_config_for(options);
    require_existing_store(config);
    const auto lock = lock_store(config);
    Store store(config.storage.database);
    std::vector<std::string> keys{url};
    if (auto canonical = url::canonical(url); canonical && *canonical != url) keys.push_back(*canonical);
    const auto restored = unforget(store.database(), keys);
    if (restored.empty()) {
      throw CommandFailure(exit_usage, fmt::format("{} is not forgotten (see feedd forgotten)", url));
    }
    for (const auto& entry : restored) {
      fmt::print("{} is no longer forgotten: the next poll of a feed that carries it stores it again\n",
                 entry.url.empty() ? entry.identity : entry.url);
    }
    return static_cast<int>(exit_ok);
  });
}

}  // namespace feedd
