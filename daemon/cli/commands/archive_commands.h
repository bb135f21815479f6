// The commands that treat the store as a tool: search, sources, stats,
// rebuild, reprocess, import-opml, export-opml, forget, forgotten, import-posts
// and check --store.
// Their command-line entries (options, --help) are in daemon/cli/cli.cpp; the
// values arrive here as text and are checked here, so each command reports
// its own bad input. Data goes to stdout (JSON with --json), progress and
// problems to stderr. Exit statuses as in daemon/runtime/exit_status.h.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedd {

struct EntryRow;
class Store;

struct ArchiveCommandOptions {
  std::filesystem::path config_path;
  bool json = false;                   // --json
  std::optional<std::string> source;   // --source NAME
  std::optional<std::string> since;    // --since DATE
  std::optional<std::string> until;    // --until DATE
  std::optional<std::string> limit;    // --limit N
  std::optional<std::string> now;      // --now RFC3339
  bool undo = false;                   // forget --undo
  std::vector<std::string> operands;   // QUERY..., FILE, URL
  bool rewrite_imported = false;       // rebuild --rewrite-imported
  bool all_versions = false;           // search --all-versions
};

int command_search(const ArchiveCommandOptions& options);
int command_sources(const ArchiveCommandOptions& options);
int command_stats(const ArchiveCommandOptions& options);
int command_rebuild(const ArchiveCommandOptions& options);
int command_reprocess(const ArchiveCommandOptions& options);
int command_import_opml(const ArchiveCommandOptions& options);
int command_export_opml(const ArchiveCommandOptions& options);
int command_forget(const ArchiveCommandOptions& options);
int command_forget_undo(const ArchiveCommandOptions& options);  // forget --undo
int command_forgotten(const ArchiveCommandOptions& options);
// Adopts the old script's posts in DIR (daemon/cli/commands/import_posts_command.cpp).
int command_import_posts(const ArchiveCommandOptions& options);
// The entry whose link is `url`, compared in canonical form (so tracking
// parameters do not matter), else exactly as stored.
std::optional<EntryRow> find_entry_for_url(Store& store, const std::string& url);

// `check --store`: runs after the config check has passed.
int command_check_store(const ArchiveCommandOptions& options);

}  // namespace feedd
