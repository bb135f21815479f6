// feedd rebuild, feedd reprocess, feedd forget: the commands that write posts
// from the store. Each runs as slices (daemon/cli/commands/admin_job.h) on the one writer
// of the store: a running daemon's writer thread, or this process holding the
// store's lock. Either way no poll writes a post between a slice's reading a
// row and writing its file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/commands/control_client.h"
#include "daemon/cli/commands/admin_job.h"
#include "daemon/cli/commands/search_catch_up.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/media_stage.h"
#include "daemon/runtime/pipeline/normalise.h"
#include "daemon/cli/output/progress.h"
#include "fetchers/feed/feed_parser.h"
#include "fetchers/http/url.h"
#include "store/full_text/page_update.h"
#include "store/enclosures/enclosure_history.h"
#include "store/enclosures/enclosure_table.h"
#include "store/archive_report.h"
#include "store/atomic_file.h"
#include "store/store.h"
#include "store/lists/forgotten.h"
#include "store/media/media_table.h"
#include "store/media/media_view.h"
#include "fetchers/feed/dates.h"

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

// The rows (of one source when `source_id` is given) a page at a time, with
// progress under `label` until the last page.
class PageWalk {
 public:
  PageWalk(Store& store, std::optional<std::int64_t> source_id, const std::string& label, CommandOutput& output)
      : source_id_(source_id), output_(output) {
    output_.progress_start(label, static_cast<std::size_t>(entry_count(store.database(), source_id)));
  }

  // The next page; empty (and the progress finished) after the last.
  std::vector<EntryRow> next(Store& store) {
    auto rows = store.entries_after(after_, page_size, source_id_);
    if (rows.empty()) {
      output_.progress_finish();
      return rows;
    }
    after_ = rows.back().id;
    return rows;
  }
  void done_with(std::size_t rows) { output_.progress_advance(rows); }

 private:
  std::optional<std::int64_t> source_id_;
  CommandOutput& output_;
  std::int64_t after_ = 0;
};

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
  std::size_t imported_kept = 0;               // adopted posts left as they are
  std::vector<std::string> imported_missing;   // adopted posts whose file is gone
  std::vector<std::string> failures;  // one bad row does not stop the others
};

// An adopted post is the old script's file: rebuild leaves its bytes alone
// unless told to rewrite it (`rewrite_imported`), and then the post is
// feedd's from that moment on.
void rebuild_page(Archive& archive, const std::vector<EntryRow>& rows, bool rewrite_imported, RebuildTally& tally) {
  std::vector<EntryRow> differing;
  for (const auto& row : rows) {
    const fs::path path = archive.posts_dir() / row.post_path;
    if (row.imported && !rewrite_imported) {
      std::error_code error;
      if (fs::is_regular_file(path, error)) {
        ++tally.imported_kept;
      } else {
        tally.imported_missing.push_back(row.post_path);
      }
    } else if (file_holds(path, archive.render(row))) {
      ++tally.identical;
    } else {
      differing.push_back(row);
    }
  }
  std::vector<fs::path> written;
  tally.written += static_cast<std::size_t>(archive.write_posts(differing, tally.failures, &written));
  if (!rewrite_imported) return;
  sqlite::Transaction transaction(archive.store().database());
  for (const auto& row : differing) {
    if (row.imported && std::find(written.begin(), written.end(), archive.posts_dir() / row.post_path) != written.end()) {
      archive.store().clear_imported(row.id);
    }
  }
  transaction.commit();
}

struct ReprocessTally {
  std::size_t changed = 0;
  std::size_t unchanged = 0;
  std::size_t without_raw = 0;
  std::size_t unconfigured = 0;
  std::size_t earlier_version = 0;  // posts showing an earlier version than their raw item's
  std::size_t enclosures_changed = 0;  // entries whose enclosure rows the raw item changed
  std::vector<std::string> failures;  // "row N: why"
};

// The post shows an earlier version than the latest ([archive] update):
// the raw item is the latest's, so normalising it again would replace the
// version the rule chose.
bool shows_earlier_version(Store& store, const EntryRow& row) {
  const auto versions = store.versions_of(row.id);
  if (versions.size() < 2) return false;
  const auto shows = [&row](const EntryVersion& version) {
    return version.title == row.title && version.content == row.content;
  };
  return !shows(versions.back()) && std::any_of(versions.begin(), versions.end() - 1, shows);
}

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
EntryRow renormalised(const EntryRow& row, const config::Source& source, const FeedParseOptions& options,
                      std::optional<std::vector<EnclosureRecord>>& enclosures) {
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
    enclosures = std::move(incoming[0].enclosures);
  }
  return updated;
}

void reprocess_page(Archive& archive, SourceLookup& sources, const std::vector<EntryRow>& rows, ReprocessTally& tally) {
  std::vector<EntryRow> rewrite;     // rows whose post changes
  std::vector<EntryRow> row_only;    // rows that change where the post does not show it
  // Each row's enclosures as its raw item lists them; with local media,
  // the row as its post shows it (whose images and recordings to keep).
  struct Listed {
    std::int64_t id = 0;
    std::vector<EnclosureRecord> enclosures;
    std::optional<EntryRow> media_row;
  };
  std::vector<Listed> enclosure_lists;
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
    const bool earlier_version = shows_earlier_version(archive.store(), row);
    EntryRow updated;
    std::optional<std::vector<EnclosureRecord>> listed;  // none when the item no longer normalises to one entry
    try {
      updated = renormalised(row, *source, sources.parse_options(*source), listed);
    } catch (const FeedParseError& error) {
      if (earlier_version) {
        ++tally.earlier_version;
      } else {
        tally.failures.push_back(
            fmt::format("row {} ({}): cannot read its raw item: {}", row.id, row.url, error.what()));
      }
      continue;
    }
    // The enclosure rows are the raw item's (the latest version's) whatever
    // version the post shows; this also fills them for entries stored
    // before schema 11.
    const bool local_media = source->media == config::MediaMode::local;
    if (earlier_version) {
      if (listed) {
        enclosure_lists.push_back({row.id, std::move(*listed), local_media ? std::optional(row) : std::nullopt});
      }
      ++tally.earlier_version;
      continue;
    }
    // A post carrying its page's article keeps it (full_text).
    updated.content = full_text::content_after_reprocess(archive.store(), row.id, updated.content);
    if (listed) {
      enclosure_lists.push_back({row.id, std::move(*listed), local_media ? std::optional(updated) : std::nullopt});
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
  if (!rewrite.empty() || !row_only.empty() || !enclosure_lists.empty()) {
    Store& store = archive.store();
    sqlite::Transaction transaction(store.database());
    for (const auto& row : rewrite) store.update_entry(row);
    for (const auto& row : row_only) store.update_entry(row);
    const std::int64_t now_ms = SystemClock().now_ms();
    std::vector<const EntryRow*> media_rows;  // enclosures changed, local media on
    for (const auto& [id, listed, media_row] : enclosure_lists) {
      if (enclosures::replace_enclosures(store, id, listed, enclosures::latest_version(store, id), now_ms)) {
        ++tally.enclosures_changed;
        if (media_row) media_rows.push_back(&*media_row);
      }
    }
    transaction.commit();
    // Local media learns of the new recordings (each its own transaction):
    // the source's next poll downloads them, as for a new entry's.
    for (const EntryRow* row : media_rows) {
      media::set_references(store, row->id, row->source_id, archived_addresses(store, *row), now_ms);
    }
  }
  tally.changed += static_cast<std::size_t>(archive.write_posts(rewrite, tally.failures));
}

class RebuildJob : public AdminJob {
 public:
  RebuildJob(Archive& archive, const ArchiveCommandOptions& options, CommandOutput& output)
      : output_(output),
        walk_(archive.store(), source_filter(archive.store(), options.source), "rebuild", output),
        rewrite_imported_(options.rewrite_imported) {}

  bool step(Archive& archive) override {
    const auto rows = walk_.next(archive.store());
    if (rows.empty()) return false;
    rebuild_page(archive, rows, rewrite_imported_, tally_);
    walk_.done_with(rows.size());
    return true;
  }

  int finish(Archive& archive) override {
    const auto strays = stray_posts(archive.store(), archive.posts_dir());
    for (const auto& name : strays) output_.out(fmt::format("stray, no row points to it (not deleted): {}\n", name));
    for (const auto& name : tally_.imported_missing) {
      output_.out(fmt::format(
          "imported post missing, not written (--rewrite-imported writes it in feedd's format): {}\n", name));
    }
    for (const auto& failure : tally_.failures) output_.err(fmt::format("feedd rebuild: {}\n", failure));
    std::string imported;
    if (tally_.imported_kept + tally_.imported_missing.size() > 0) {
      imported = fmt::format("; {} imported post(s) left as they are, {} missing", tally_.imported_kept,
                             tally_.imported_missing.size());
    }
    output_.out(fmt::format("rebuild: {} post(s) written, {} already identical, {} failed; {} stray file(s){}\n",
                            tally_.written, tally_.identical, tally_.failures.size(), strays.size(), imported));
    return tally_.failures.empty() ? static_cast<int>(exit_ok) : static_cast<int>(exit_source_failed);
  }

 private:
  CommandOutput& output_;
  PageWalk walk_;
  bool rewrite_imported_;
  RebuildTally tally_;
};

// Rows per slice when the daemon indexes what reprocess changed.
constexpr int index_slice = 500;

class ReprocessJob : public AdminJob {
 public:
  ReprocessJob(Archive& archive, const config::Config& config, const ArchiveCommandOptions& options,
               CommandOutput& output, JobPlace place)
      : output_(output), place_(place),
        walk_(archive.store(), source_filter(archive.store(), options.source), "reprocess", output),
        sources_(config, archive.store()) {}

  bool step(Archive& archive) override {
    if (!pages_done_) {
      const auto rows = walk_.next(archive.store());
      if (!rows.empty()) {
        reprocess_page(archive, sources_, rows, tally_);
        walk_.done_with(rows.size());
        return true;
      }
      pages_done_ = true;
    }
    // Changed text left the search indexes; the posts come first. In the
    // daemon, in slices, so polls' writes wait for one slice at most.
    if (place_ != JobPlace::daemon) return false;
    try {
      return archive.store().index_search_backlog(index_slice) > 0;
    } catch (const std::exception& error) {
      index_error_ = error.what();
      return false;
    }
  }

  int finish(Archive& archive) override {
    if (place_ == JobPlace::own_process) {
      if (const auto indexed = catch_up_search_index(archive.store(), true); !indexed.error.empty()) {
        index_error_ = indexed.error;
      }
    }
    if (!index_error_.empty()) {
      output_.err(fmt::format("feedd reprocess: search index not brought up to date, the next run will: {}\n",
                              index_error_));
    }
    for (const auto& failure : tally_.failures) output_.err(fmt::format("feedd reprocess: {}\n", failure));
    output_.out(fmt::format("reprocess: {} post(s) changed, {} unchanged; skipped {} without a raw item, {} of "
                            "sources no longer configured, {} failed{}\n",
                            tally_.changed, tally_.unchanged, tally_.without_raw, tally_.unconfigured,
                            tally_.failures.size(),
                            tally_.earlier_version == 0
                                ? ""
                                : fmt::format("; {} showing an earlier version (update) left as they are",
                                              tally_.earlier_version)));
    if (tally_.enclosures_changed > 0) {
      output_.out(fmt::format("reprocess: enclosures of {} entr{} brought in line with their raw item\n",
                              tally_.enclosures_changed, tally_.enclosures_changed == 1 ? "y" : "ies"));
    }
    return tally_.failures.empty() ? static_cast<int>(exit_ok) : static_cast<int>(exit_source_failed);
  }

 private:
  CommandOutput& output_;
  JobPlace place_;
  PageWalk walk_;
  SourceLookup sources_;
  ReprocessTally tally_;
  bool pages_done_ = false;
  std::string index_error_;
};

// One slice: the entry is found and removed in the same writer turn, so no
// poll can store it again in between.
class ForgetJob : public AdminJob {
 public:
  ForgetJob(const ArchiveCommandOptions& options, CommandOutput& output) : output_(output) {
    if (options.operands.size() != 1) {
      throw CommandFailure(exit_usage, "give exactly one URL: feedd forget URL");
    }
    url_ = options.operands[0];
  }

  bool step(Archive& archive) override {
    const auto row = find_entry_for_url(archive.store(), url_);
    if (!row) throw CommandFailure(exit_usage, fmt::format("no entry has the URL {}", url_));
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
    output_.out(fmt::format("forgot \"{}\" ({}): row {} and its search index entry removed; post {} {}; "
                            "it will not be stored again\n",
                            row->title, row->url, row->id, post.string(), removed ? "deleted" : "was already gone"));
    return false;
  }

  int finish(Archive&) override { return static_cast<int>(exit_ok); }

 private:
  CommandOutput& output_;
  std::string url_;
};

// The command by itself: the daemon when one runs on the store, else here
// under the store's lock.
int run_admin_command(std::string_view command, const ArchiveCommandOptions& options) {
  const auto config = load_config_for(options);
  if (command == "forget") require_existing_store(config);
  auto output = local_output();
  auto place = hand_to_daemon_or_lock(config, admin_request(command, options), *output);
  if (place.daemon_status) return *place.daemon_status;
  Archive archive(config.storage.database, config.storage.posts_dir, presentations_of(config));
  media::show_local_media(archive, config.storage.media_url);
  auto job = make_admin_job(command, archive, config, options, *output, JobPlace::own_process);
  while (job->step(archive)) {
  }
  return job->finish(archive);
}

}  // namespace

std::unique_ptr<AdminJob> make_admin_job(std::string_view command, Archive& archive, const config::Config& config,
                                         const ArchiveCommandOptions& options, CommandOutput& output,
                                         JobPlace place) {
  if (command == "rebuild") return std::make_unique<RebuildJob>(archive, options, output);
  if (command == "reprocess") return std::make_unique<ReprocessJob>(archive, config, options, output, place);
  if (command == "forget") return std::make_unique<ForgetJob>(options, output);
  throw CommandFailure(exit_usage, fmt::format("not a command feedd run does for others: {}", command));
}

int report_job_failure(std::string_view command, const std::exception& error, CommandOutput& output) {
  output.err(fmt::format("feedd {}: {}\n", command, error.what()));
  const auto* failure = dynamic_cast<const CommandFailure*>(&error);
  return failure != nullptr ? failure->status() : static_cast<int>(exit_store);
}

nlohmann::json admin_request(std::string_view command, const ArchiveCommandOptions& options) {
  nlohmann::json request{{"command", command}, {"operands", options.operands}};
  if (options.source) request["source"] = *options.source;
  if (options.rewrite_imported) request["rewrite_imported"] = true;
  return request;
}

ArchiveCommandOptions admin_options(const nlohmann::json& request) {
  ArchiveCommandOptions options;
  if (request.contains("source")) options.source = request["source"].get<std::string>();
  options.operands = request.value("operands", std::vector<std::string>{});
  options.rewrite_imported = request.value("rewrite_imported", false);
  return options;
}

int command_rebuild(const ArchiveCommandOptions& options) {
  return run_reporting("rebuild", [&] { return run_admin_command("rebuild", options); });
}

int command_reprocess(const ArchiveCommandOptions& options) {
  return run_reporting("reprocess", [&] { return run_admin_command("reprocess", options); });
}

std::optional<EntryRow> find_entry_for_url(Store& store, const std::string& url) {
  if (auto canonical = url::canonical(url)) {
    if (auto row = store.find_entry(*canonical)) return row;
    if (auto row = store.find_entry_by_url(*canonical)) return row;
  }
  return store.find_entry_by_url(url);
}

int command_forget(const ArchiveCommandOptions& options) {
  // Undo writes no post and touches no file: it stays a local command under
  // the store's lock (command_forget_undo, below).
  if (options.undo) return command_forget_undo(options);
  return run_reporting("forget", [&] {
    if (options.operands.size() != 1) {
      throw CommandFailure(exit_usage, "give exactly one URL: feedd forget URL");
    }
    return run_admin_command("forget", options);
  });
}

}  // namespace feedd

// feedd forgotten, feedd forget --undo: the takedown list, read and undone.
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
