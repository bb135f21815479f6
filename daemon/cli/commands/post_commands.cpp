// feedd rebuild, feedd reprocess, feedd forget: the commands that write posts
// from the store. All three hold the store's lock, so no poll writes a post
// between their reading a row and writing its file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/commands/search_catch_up.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/normalise.h"
#include "daemon/cli/output/progress.h"
#include "fetchers/feed/feed_parser.h"
#include "fetchers/http/url.h"
#include "store/archive_report.h"
#include "store/atomic_file.h"

namespace feedd {
namespace {

namespace fs = std::filesystem;

// Rows are read, rendered and written in pages: memory stays flat however
// large the archive, and each page's files are made durable together.
constexpr int page_size = 200;

// True when `path` holds exactly `bytes`; an unchanged post is not rewritten,
// so Jekyll and backups see only the files that really changed.
bool file_holds(const fs::path& path, const std::string& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string existing((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return existing == bytes;
}

std::optional<std::int64_t> source_filter(Store& store, const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  if (auto state = store.source_state(*name)) return state->id;
  throw CommandFailure(exit_usage, fmt::format("--source: no source named \"{}\" in the store", *name));
}

// Calls `visit` with each page of rows (of one source when `source_id` is
// given), showing progress under `label` on stderr until the last page.
template <typename Visit>
void for_each_page(Store& store, std::optional<std::int64_t> source_id, std::string label, Visit visit) {
  Progress progress(std::move(label), static_cast<std::size_t>(entry_count(store.database(), source_id)),
                    Progress::options_for(stderr));
  std::int64_t after = 0;
  while (true) {
    auto rows = store.entries_after(after, page_size, source_id);
    if (rows.empty()) return;
    after = rows.back().id;
    visit(rows);
    progress.advance(rows.size());
  }
}

// .md files in the posts folder that no row names. Listed, never deleted:
// they may be posts someone wrote by hand.
std::vector<std::string> stray_posts(Store& store, const fs::path& posts_dir) {
  std::set<std::string> named;
  for (auto& ref : post_refs(store.database())) named.insert(std::move(ref.post_path));
  std::vector<std::string> strays;
  for (const auto& item : fs::directory_iterator(posts_dir)) {
    const std::string name = item.path().filename().string();
    if (!item.is_regular_file() || item.path().extension() != ".md") continue;
    if (name.starts_with(AtomicBatch::temp_prefix) || named.contains(name)) continue;
    strays.push_back(name);
  }
  std::sort(strays.begin(), strays.end());
  return strays;
}

struct RebuildTally {
  std::size_t written = 0;
  std::size_t identical = 0;
  std::vector<std::string> failures;  // one bad row does not stop the others
};

void rebuild_page(Archive& archive, const std::vector<EntryRow>& rows, RebuildTally& tally) {
  std::vector<EntryRow> differing;
  for (const auto& row : rows) {
    if (file_holds(archive.posts_dir() / row.post_path, archive.render(row))) {
      ++tally.identical;
    } else {
      differing.push_back(row);
    }
  }
  tally.written += static_cast<std::size_t>(archive.write_posts(differing, tally.failures));
}

struct ReprocessTally {
  std::size_t changed = 0;
  std::size_t unchanged = 0;
  std::size_t without_raw = 0;
  std::size_t unconfigured = 0;
  std::vector<std::string> failures;  // "row N: why"
};

// How each stored row's source is configured now; nullptr when it is not.
class SourceLookup {
 public:
  SourceLookup(const config::Config& config, Store& store) : config_(config), store_(store) {}

  const config::Source* source(std::int64_t source_id) {
    if (auto found = cache_.find(source_id); found != cache_.end()) return found->second;
    const auto name = store_.source_name(source_id);
    const config::Source* source = name ? configured_source(config_, *name) : nullptr;
    return cache_.emplace(source_id, source).first->second;
  }

  // The options the source's feed is parsed with: its dates' default zone,
  // and the URL it is polled at as the base of JSON Feed items.
  FeedParseOptions parse_options(const config::Source& source) {
    FeedParseOptions options;
    const auto state = store_.source_state(source.name);
    options.base_url = state && !state->polled_url.empty() ? state->polled_url : source.url;
    options.default_timezone = source.timezone;
    return options;
  }

 private:
  const config::Config& config_;
  Store& store_;
  std::map<std::int64_t, const config::Source*> cache_;
};

// The row as the current parser and the source's current settings make it
// from its raw item. Identity, link, dates and post file stay: reprocess
// changes what a post says, never which post it is.
EntryRow renormalised(const EntryRow& row, const config::Source& source, const FeedParseOptions& options) {
  Feed feed;
  feed.entries.push_back(parse_raw_entry(row.raw_item, options));
  std::vector<IncomingEntry> incoming;
  try {
    incoming = normalise(feed, source);
  } catch (const std::invalid_argument& error) {
    throw CommandFailure(exit_usage, fmt::format("source {}: {}", source.name, error.what()));
  }
  EntryRow updated = row;
  if (incoming.size() == 1) {
    updated.title = incoming[0].title;
    updated.author = incoming[0].author;
    updated.content = incoming[0].content;
  }
  return updated;
}

void reprocess_page(Archive& archive, SourceLookup& sources, const std::vector<EntryRow>& rows, ReprocessTally& tally) {
  std::vector<EntryRow> rewrite;     // rows whose post changes
  std::vector<EntryRow> row_only;    // rows that change where the post does not show it
  for (const auto& row : rows) {
    if (row.raw_item.empty()) {
      ++tally.without_raw;
      continue;
    }
    const config::Source* source = sources.source(row.source_id);
    if (source == nullptr) {
      ++tally.unconfigured;
      continue;
    }
    EntryRow updated;
    try {
      updated = renormalised(row, *source, sources.parse_options(*source));
    } catch (const FeedParseError& error) {
      tally.failures.push_back(
          fmt::format("row {} ({}): cannot read its raw item: {}", row.id, row.url, error.what()));
      continue;
    }
    if (!file_holds(archive.posts_dir() / row.post_path, archive.render(updated))) {
      updated.post_pending = true;
      rewrite.push_back(std::move(updated));
      continue;
    }
    ++tally.unchanged;
    if (updated.title != row.title || updated.author != row.author || updated.content != row.content) {
      row_only.push_back(std::move(updated));
    }
  }
  // As ingestion does: rows first, marked pending; then the posts; then the
  // marks cleared (write_posts). After a crash in between, the next start
  // writes the pending posts from the new rows.
  if (!rewrite.empty() || !row_only.empty()) {
    sqlite::Transaction transaction(archive.store().database());
    for (const auto& row : rewrite) archive.store().update_entry(row);
    for (const auto& row : row_only) archive.store().update_entry(row);
    transaction.commit();
  }
  tally.changed += static_cast<std::size_t>(archive.write_posts(rewrite, tally.failures));
}

std::optional<EntryRow> find_by_url(Store& store, const std::string& url) {
  if (auto canonical = url::canonical(url)) {
    if (auto row = store.find_entry(*canonical)) return row;
    if (auto row = store.find_entry_by_url(*canonical)) return row;
  }
  return store.find_entry_by_url(url);
}

}  // namespace

int command_rebuild(const ArchiveCommandOptions& options) {
  return run_reporting("rebuild", [&] {
    const auto config = load_config_for(options);
    const auto lock = lock_store(config);
    Archive archive(config.storage.database, config.storage.posts_dir, presentations_of(config));
    const auto source_id = source_filter(archive.store(), options.source);
    RebuildTally tally;
    for_each_page(archive.store(), source_id, "rebuild",
                  [&](const std::vector<EntryRow>& rows) { rebuild_page(archive, rows, tally); });
    const auto strays = stray_posts(archive.store(), archive.posts_dir());
    for (const auto& name : strays) fmt::print("stray, no row points to it (not deleted): {}\n", name);
    for (const auto& failure : tally.failures) fmt::print(stderr, "feedd rebuild: {}\n", failure);
    fmt::print("rebuild: {} post(s) written, {} already identical, {} failed; {} stray file(s)\n", tally.written,
               tally.identical, tally.failures.size(), strays.size());
    return tally.failures.empty() ? static_cast<int>(exit_ok) : static_cast<int>(exit_source_failed);
  });
}

int command_reprocess(const ArchiveCommandOptions& options) {
  return run_reporting("reprocess", [&] {
    const auto config = load_config_for(options);
    const auto lock = lock_store(config);
    Archive archive(config.storage.database, config.storage.posts_dir, presentations_of(config));
    const auto source_id = source_filter(archive.store(), options.source);
    SourceLookup sources(config, archive.store());
    ReprocessTally tally;
    for_each_page(archive.store(), source_id, "reprocess",
                  [&](const std::vector<EntryRow>& rows) { reprocess_page(archive, sources, rows, tally); });
    // Changed text left the search indexes; the posts come first.
    if (const auto indexed = catch_up_search_index(archive.store(), true); !indexed.error.empty()) {
      fmt::print(stderr, "feedd reprocess: search index not brought up to date, the next run will: {}\n",
                 indexed.error);
    }
    for (const auto& failure : tally.failures) fmt::print(stderr, "feedd reprocess: {}\n", failure);
    fmt::print("reprocess: {} post(s) changed, {} unchanged; skipped {} without a raw item, {} of sources no "
               "longer configured, {} failed\n",
               tally.changed, tally.unchanged, tally.without_raw, tally.unconfigured, tally.failures.size());
    return tally.failures.empty() ? static_cast<int>(exit_ok) : static_cast<int>(exit_source_failed);
  });
}

int command_forget(const ArchiveCommandOptions& options) {
  if (options.undo) return command_forget_undo(options);
  return run_reporting("forget", [&] {
    if (options.operands.size() != 1) {
      throw CommandFailure(exit_usage, "give exactly one URL: feedd forget URL");
    }
    const std::string& url = options.operands[0];
    const auto config = load_config_for(options);
    require_existing_store(config);
    const auto lock = lock_store(config);
    Archive archive(config.storage.database, config.storage.posts_dir, presentations_of(config));
    const auto row = find_by_url(archive.store(), url);
    if (!row) throw CommandFailure(exit_usage, fmt::format("no entry has the URL {}", url));
    // The file goes while the row's deletion is still uncommitted: if it
    // cannot be removed, the row stays too; after a crash between the two,
    // the row is still there to run forget on again, and no post is ever
    // left without its row.
    const fs::path post = archive.posts_dir() / row->post_path;
    sqlite::Transaction transaction(archive.store().database());
    archive.store().delete_entry(row->id);
    archive.store().remember_forgotten(row->identity, row->url, SystemClock().now_ms());
    std::error_code error;
    const bool removed = fs::remove(post, error);
    if (error) {
      throw CommandFailure(exit_store,
                           fmt::format("cannot remove {}: {}; nothing was forgotten", post.string(), error.message()));
    }
    transaction.commit();
    fmt::print("forgot \"{}\" ({}): row {} and its search index entry removed; post {} {}; "
               "it will not be stored again\n",
               row->title, row->url, row->id, post.string(), removed ? "deleted" : "was already gone");
    return static_cast<int>(exit_ok);
  });
}

}  // namespace feedd
