// feedd sources, feedd stats, feedd check --store
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "daemon/cli/commands/archive_command_support.h"
#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/commands/control_client.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/cli/output/terminal.h"
#include "fetchers/feed/dates.h"
#include "fetchers/redact/redact_url.h"
#include "store/archive_report.h"
#include "store/media/media_report.h"
#include "store/store.h"

namespace feedd {
namespace {

using nlohmann::json;

// A source as people think of it: the config's view and the store's, merged.
struct SourceView {
  std::string name;
  std::string url;  // the URL polled: after permanent redirects
  std::string state;
  SourceRecord record;  // zeros and nulls when never polled
  std::optional<bool> polling;  // known only while feedd run is up
};

std::string state_of(const config::Source* configured, const SourceRecord* record) {
  if (configured == nullptr) return "removed";  // in the store, no longer in the config
  if (!configured->enabled) return "disabled";
  if (record == nullptr || record->never_polled()) return "new";
  return record->state;
}

SourceView view_of(const std::string& name, const config::Source* configured, const SourceRecord* record) {
  SourceView view{name, configured != nullptr ? configured->url : "", state_of(configured, record), {}, std::nullopt};
  if (record != nullptr) {
    view.record = *record;
    // Nothing polls a removed or disabled source, whatever the store last
    // planned; and an error a later success cleared is history, not health.
    if (view.state == "removed" || view.state == "disabled") view.record.next_poll_ms.reset();
    if (view.state == "ok") {
      view.record.last_error.clear();
      view.record.last_error_ms.reset();
    }
    if (!record->polled_url.empty()) {
      view.url = record->polled_url;
    } else if (view.url.empty()) {
      view.url = record->url;
    }
  }
  view.url = url::redact(view.url);
  return view;
}

// Config order first, then what only the store remembers, by name.
std::vector<SourceView> source_views(const config::Config& config, const std::vector<SourceRecord>& records) {
  std::map<std::string, const SourceRecord*> by_name;
  for (const auto& record : records) by_name[record.name] = &record;
  std::vector<SourceView> views;
  for (const auto& source : config.sources) {
    const auto found = by_name.find(source.name);
    views.push_back(view_of(source.name, &source, found == by_name.end() ? nullptr : found->second));
    if (found != by_name.end()) by_name.erase(found);
  }
  for (const auto& [name, record] : by_name) views.push_back(view_of(name, nullptr, record));
  return views;
}

// While feedd run is up, its schedule is the truth: the store holds the next
// poll as of the last poll, the daemon knows what a `feedd poll` or a reload
// changed since, and which polls are running now. Its pid, or nullopt.
std::optional<int> overlay_live_state(const config::Config& config, std::vector<SourceView>& views) {
  json status;
  auto output = local_output();
  std::optional<int> answered;
  try {
    answered = ask_daemon(config, json{{"command", "status"}}, *output, [&status](const json& message) {
      if (message.contains("status")) status = message["status"];
    });
  } catch (const CommandFailure&) {
    // A socket this user may not use: the store's view is still worth showing.
  }
  if (!answered || *answered != exit_ok || !status.is_object()) return std::nullopt;
  std::map<std::string, const json*> live;
  for (const auto& source : status["sources"]) live[source["name"].get<std::string>()] = &source;
  for (auto& view : views) {
    const auto found = live.find(view.name);
    if (found == live.end()) continue;  // disabled, removed, or not in the daemon's config
    const json& source = *found->second;
    view.polling = source["polling"].get<bool>();
    view.record.next_poll_ms = source["next_poll_ms"].is_null()
                                   ? std::nullopt
                                   : std::optional<std::int64_t>(source["next_poll_ms"].get<std::int64_t>());
  }
  return status["pid"].get<int>();
}

json time_or_null(const std::optional<std::int64_t>& unix_ms) {
  return unix_ms ? json(dates::format_rfc3339(*unix_ms)) : json(nullptr);
}

void print_sources_json(const std::vector<SourceView>& views) {
  auto array = json::array();
  for (const auto& view : views) {
    const SourceRecord& record = view.record;
    array.push_back({{"name", view.name},
                     {"url", view.url},
                     {"state", view.state},
                     {"last_success", time_or_null(record.last_success_ms)},
                     {"last_error", record.last_error.empty() ? json(nullptr) : json(record.last_error)},
                     {"last_error_at", time_or_null(record.last_error_ms)},
                     {"consecutive_failures", record.consecutive_failures},
                     {"next_poll", time_or_null(record.next_poll_ms)},
                     {"entries", record.entries},
                     {"posts", record.posts}});
    // Only while feedd run is up, so what scripts read without one stays as it was.
    if (view.polling) array.back()["polling"] = *view.polling;
  }
  fmt::print("{}\n", array.dump(2, ' ', false, json::error_handler_t::replace));
}

struct Column {
  std::string_view heading;
  int width;
  Align align;
};

// A row per source with the numbers side by side; its URL and last error on
// lines of their own below it, where a long URL is not cut.
constexpr int gap = 2;
constexpr int max_name_width = 24;
constexpr int min_name_width = 8;

// "<1m", "45m", "5h", "3d": how far apart two instants are, for people.
std::string span(std::int64_t ms) {
  constexpr std::int64_t minute = 60'000;
  if (ms < minute) return "<1m";
  if (ms < 60 * minute) return fmt::format("{}m", ms / minute);
  if (ms < 48 * 60 * minute) return fmt::format("{}h", ms / (60 * minute));
  return fmt::format("{}d", ms / day_ms);
}

std::string ago(const std::optional<std::int64_t>& then_ms, std::int64_t now_ms, std::string_view none) {
  return then_ms ? span(std::max<std::int64_t>(now_ms - *then_ms, 0)) + " ago" : std::string(none);
}

std::string due(const std::optional<std::int64_t>& next_ms, std::int64_t now_ms) {
  if (!next_ms) return "-";
  return *next_ms <= now_ms ? "due" : "in " + span(*next_ms - now_ms);
}

std::string table_row(const std::vector<Column>& columns, const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += std::string(gap, ' ');
    line += pad_width(cells[i], columns[i].width, columns[i].align);
  }
  // No trailing spaces when the last cell is short.
  return line.substr(0, line.find_last_not_of(' ') + 1);
}

// NAME takes what the terminal leaves (within bounds); the rest is fixed.
std::vector<Column> source_columns(const std::vector<SourceView>& views, int terminal) {
  std::vector<Column> columns = {{"NAME", 4, Align::left},       {"STATE", 8, Align::left},
                                 {"LAST OK", 8, Align::left},     {"FAILS", 5, Align::right},
                                 {"NEXT POLL", 9, Align::left},   {"ENTRIES", 7, Align::right},
                                 {"POSTS", 7, Align::right}};
  for (const auto& view : views) columns[0].width = std::max(columns[0].width, display_width(view.name));
  columns[0].width = std::min(columns[0].width, max_name_width);
  if (terminal > 0) {
    int fixed = 0;
    for (std::size_t i = 1; i < columns.size(); ++i) fixed += gap + columns[i].width;
    columns[0].width = std::clamp(terminal - fixed, min_name_width, std::max(columns[0].width, min_name_width));
  }
  return columns;
}

void print_sources_table(const std::vector<SourceView>& views, int terminal, std::int64_t now_ms) {
  const auto columns = source_columns(views, terminal);
  std::vector<std::string> headings;
  for (const auto& column : columns) headings.emplace_back(column.heading);
  const int line_width = terminal > 0 ? terminal : std::numeric_limits<int>::max();
  fmt::print("{}\n", fit_width(table_row(columns, headings), line_width));
  for (const auto& view : views) {
    const SourceRecord& record = view.record;
    const std::string row = table_row(
        columns, {view.name, view.state, ago(record.last_success_ms, now_ms, "never"),
                  std::to_string(record.consecutive_failures),
                  view.polling.value_or(false) ? "polling" : due(record.next_poll_ms, now_ms),
                  std::to_string(record.entries), std::to_string(record.posts)});
    fmt::print("{}\n", fit_width(row, line_width));
    if (!view.url.empty()) fmt::print("{}\n", fit_width("    " + view.url, line_width));
    if (!record.last_error.empty()) {
      const std::string error =
          fmt::format("    last error {}: {}", ago(record.last_error_ms, now_ms, "(time unknown)"), record.last_error);
      fmt::print("{}\n", fit_width(error, line_width));
    }
  }
}

std::uintmax_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

struct Stats {
  StoreTotals totals;
  std::vector<DayCount> days;
  std::uintmax_t database_bytes = 0;
  media::MediaTotals media;
};

void print_stats_json(const Stats& stats, const config::Config& config) {
  auto days = json::array();
  for (const auto& day : stats.days) days.push_back({{"date", format_day(day.day_start_ms)}, {"entries", day.entries}});
  const StoreTotals& totals = stats.totals;
  const json object = {{"database", config.storage.database.string()},
                       {"database_bytes", stats.database_bytes},
                       {"sources", totals.sources},
                       {"entries", totals.entries},
                       {"posts_pending", totals.posts_pending},
                       {"search_backlog", totals.search_backlog},
                       {"fetches", totals.fetches},
                       {"failed_fetches", totals.failed_fetches},
                       {"oldest_post", time_or_null(totals.oldest_post_ms)},
                       {"newest_post", time_or_null(totals.newest_post_ms)},
                       {"media_files", stats.media.files},
                       {"media_bytes", stats.media.bytes},
                       {"media_waiting", stats.media.waiting},
                       {"days", days}};
  fmt::print("{}\n", object.dump(2, ' ', false, json::error_handler_t::replace));
}

void print_stats_for_people(const Stats& stats, const config::Config& config) {
  const StoreTotals& totals = stats.totals;
  fmt::print("database:  {} ({:.1f} MiB)\n", config.storage.database.string(),
             static_cast<double>(stats.database_bytes) / (1024.0 * 1024.0));
  fmt::print("sources:   {} in the store, {} configured\n", totals.sources, config.sources.size());
  fmt::print("entries:   {} ({} post(s) pending, {} waiting for the search index)\n", totals.entries,
             totals.posts_pending, totals.search_backlog);
  if (totals.oldest_post_ms && totals.newest_post_ms) {
    fmt::print("posts:     {} to {}\n", format_day(*totals.oldest_post_ms), format_day(*totals.newest_post_ms));
  }
  fmt::print("fetches:   {} ({} failed)\n", totals.fetches, totals.failed_fetches);
  if (stats.media.files > 0 || stats.media.waiting > 0) {
    fmt::print("media:     {} file(s), {} bytes ({:.1f} MiB) in {}, {} image(s) waiting for a download\n",
               stats.media.files, stats.media.bytes, static_cast<double>(stats.media.bytes) / (1024.0 * 1024.0),
               config.storage.media_dir.string(), stats.media.waiting);
  }
  fmt::print("\nentries per day (post date, UTC), last {} days:\n", stats.days.size());
  std::int64_t most = 1;
  for (const auto& day : stats.days) most = std::max(most, day.entries);
  constexpr int bar_width = 40;
  for (const auto& day : stats.days) {
    const auto bar = static_cast<std::size_t>(day.entries * bar_width / most);
    const std::string line =
        fmt::format("{}  {:>6}  {}", format_day(day.day_start_ms), day.entries, std::string(bar, '#'));
    fmt::print("{}\n", line.substr(0, line.find_last_not_of(' ') + 1));
  }
}

}  // namespace

int command_sources(const ArchiveCommandOptions& options) {
  return run_reporting("sources", [&] {
    const std::int64_t now_ms = now_ms_of(options);
    const auto config = load_config_for(options);
    std::vector<SourceRecord> records;
    // Sources that were never polled are still listed from the config.
    if (std::filesystem::exists(config.storage.database)) {
      Store store(config.storage.database);
      records = source_records(store.database());
    }
    auto views = source_views(config, records);
    const auto daemon_pid = overlay_live_state(config, views);
    if (options.json) {
      print_sources_json(views);
    } else {
      if (daemon_pid) fmt::print("feedd run (pid {}) is up: NEXT POLL is its live schedule\n", *daemon_pid);
      print_sources_table(views, terminal_columns(STDOUT_FILENO), now_ms);
    }
    return static_cast<int>(exit_ok);
  });
}

int command_stats(const ArchiveCommandOptions& options) {
  return run_reporting("stats", [&] {
    const std::int64_t now_ms = now_ms_of(options);
    const auto config = load_config_for(options);
    require_existing_store(config);
    Store store(config.storage.database);
    constexpr int days = 30;
    const Stats stats{store_totals(store.database()), entries_per_day(store.database(), now_ms, days),
                      file_size_or_zero(config.storage.database), media::media_totals(store)};
    if (options.json) {
      print_stats_json(stats, config);
    } else {
      print_stats_for_people(stats, config);
    }
    return static_cast<int>(exit_ok);
  });
}

int command_check_store(const ArchiveCommandOptions& options) {
  return run_reporting("check", [&] {
    const auto config = load_config_for(options);
    require_existing_store(config);
    Store store(config.storage.database);
    const auto problems = integrity_problems(store.database());
    fmt::print("\nstore {}: {}\n", config.storage.database.string(),
               problems.empty() ? "integrity ok, search indexes ok" : "PROBLEMS");
    for (const auto& problem : problems) fmt::print("  {}\n", problem);

    int pending = 0;
    std::vector<PostRef> missing;
    const auto refs = post_refs(store.database());
    for (const auto& ref : refs) {
      if (ref.pending) {
        ++pending;
        continue;
      }
      std::error_code error;
      if (!std::filesystem::is_regular_file(config.storage.posts_dir / ref.post_path, error)) missing.push_back(ref);
    }
    fmt::print("posts {}: {} row(s), {} post(s) in place, {} pending, {} missing\n",
               config.storage.posts_dir.string(), refs.size(), refs.size() - missing.size() - pending, pending,
               missing.size());
    for (const auto& ref : missing) fmt::print("  missing: {} (row {}: {})\n", ref.post_path, ref.id, ref.title);
    if (!missing.empty()) fmt::print("'feedd rebuild' writes missing posts again from the store.\n");
    const auto media_missing = media::missing_media_files(store, config.storage.media_dir);
    if (const auto media_files = media::media_totals(store).files; media_files > 0) {
      fmt::print("media {}: {} file(s), {} missing\n", config.storage.media_dir.string(), media_files,
                 media_missing.size());
    }
    for (const auto& name : media_missing) fmt::print("  missing media file: {}\n", name);
    return problems.empty() && missing.empty() && media_missing.empty() ? static_cast<int>(exit_ok)
                                                                        : static_cast<int>(exit_store);
  });
}

}  // namespace feedd
