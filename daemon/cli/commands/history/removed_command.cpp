#include "daemon/cli/commands/history/removed_command.h"

#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/watch/watch_tables.h"
#include "daemon/runtime/watch/wayback_tables.h"
#include "fetchers/feed/dates.h"
#include "fetchers/redact/redact_url.h"
#include "store/store.h"

namespace feedd {
namespace {

struct Failure : std::runtime_error {
  Failure(int exit_status, const std::string& what) : std::runtime_error(what), status(exit_status) {}
  int status;
};

std::int64_t since_ms_of(const std::string& text) {
  if (auto instant = dates::parse_rfc3339(text)) return *instant;
  if (text.size() == 10) {
    if (auto day = dates::parse_rfc3339(text + "T00:00:00Z")) return *day;
  }
  throw Failure(exit_usage, fmt::format("--since: not a date: \"{}\" (write 2026-12-01 or 2026-12-01T08:00:00Z)", text));
}

nlohmann::json as_json(const watch::RemovedEntry& entry, const std::optional<std::string>& snapshot) {
  nlohmann::json object = {{"removed_at", dates::format_rfc3339(entry.removed_ms)},
                           {"strength", entry.strength},
                           {"source", entry.source},
                           {"url", url::redact(entry.url)},
                           {"title", entry.title},
                           {"post", entry.post_path},
                           {"evidence", entry.evidence},
                           {"http_status", entry.http_status},
                           {"final_url", url::redact(entry.final_url)},
                           {"chars_before", entry.chars_before},
                           {"chars_after", entry.chars_after}};
  object["snapshot"] = snapshot ? nlohmann::json(*snapshot) : nlohmann::json(nullptr);
  return object;
}

void print_text(const watch::RemovedEntry& entry, const std::optional<std::string>& snapshot) {
  if (entry.strength == "feed") {
    fmt::print("{}  {}  {}\n  {} (a weak sign: the page was not found gone)\n",
               dates::format_rfc3339(entry.removed_ms), entry.source, url::redact(entry.url), entry.evidence);
    if (snapshot) fmt::print("  wayback: {}\n", *snapshot);
    return;
  }
  fmt::print("{}  {}  {}\n  {} (HTTP {}, {}; text {} -> {} characters)\n", dates::format_rfc3339(entry.removed_ms),
             entry.source, url::redact(entry.url), entry.evidence, entry.http_status, url::redact(entry.final_url),
             entry.chars_before, entry.chars_after);
  if (snapshot) fmt::print("  wayback: {}\n", *snapshot);
}

int list_removed(const RemovedCommandOptions& options) {
  const std::optional<std::int64_t> since =
      options.since ? std::optional<std::int64_t>(since_ms_of(*options.since)) : std::nullopt;
  config::Config config;
  try {
    config = config::load_config(options.config_path);
  } catch (const config::ConfigError& error) {
    throw Failure(exit_usage, error.what());
  }
  if (std::error_code missing; !std::filesystem::exists(config.storage.database, missing)) {
    throw Failure(exit_store, fmt::format("no store at {} yet: 'feedd once' or 'feedd run' creates it",
                                          config.storage.database.string()));
  }
  Store store(config.storage.database);
  const auto removed = watch::removed_entries(store.database(), since);
  for (const auto& entry : removed) {
    const auto snapshot = watch::snapshot_of(store.database(), entry.entry_id);
    if (options.json) {
      fmt::print("{}\n", as_json(entry, snapshot).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      print_text(entry, snapshot);
    }
  }
  if (!options.json) fmt::print(stderr, "{} removed entr{}\n", removed.size(), removed.size() == 1 ? "y" : "ies");
  return exit_ok;
}

}  // namespace

int command_removed(const RemovedCommandOptions& options) {
  try {
    return list_removed(options);
  } catch (const Failure& failure) {
    fmt::print(stderr, "feedd removed: {}\n", failure.what());
    return failure.status;
  } catch (const std::exception& error) {
    fmt::print(stderr, "feedd removed: {}\n", error.what());
    return exit_store;
  }
}

}  // namespace feedd
