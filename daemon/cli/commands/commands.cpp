#include "daemon/cli/commands/commands.h"

#include <algorithm>
#include <csignal>
#include <exception>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>

#include "config/config.h"
#include "config/duration.h"
#include "daemon/cli/commands/search_catch_up.h"
#include "daemon/runtime/config_environment.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/pipeline/clock.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/load_config.h"
#include "daemon/runtime/writable_store.h"
#include "daemon/runtime/pipeline/source_request.h"
#include "daemon/runtime/publish/publish_backlog.h"
#include "daemon/runtime/publish/publisher.h"
#include "fetchers/redact/redact_url.h"
#include "daemon/runtime/scheduler.h"
#include "daemon/runtime/watch/page_watcher.h"
#include "daemon/runtime/watch/watch_pass.h"
#include "store/archive.h"
#include "store/lists/unpublished.h"

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
  std::size_t skipped = 0;  // resting after a 410, Retry-After or failures
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

// `once` publishes once, after the whole pass, with no interval to wait for:
// what this pass wrote and what earlier runs could not publish. Until the
// hook succeeds the posts stay owed in the store, for the next `once` or
// `run`.
void publish_once(const config::Config& config, Archive& archive, std::int64_t now_ms,
                  const std::vector<std::filesystem::path>& written) {
  if (config.publish.command.empty()) return;
  auto& db = archive.store().database();
  try {
    auto owed = take_publish_backlog(archive);  // earlier runs' first, then this pass's
    remember_unpublished(db, written, now_ms);
    owed.insert(owed.end(), written.begin(), written.end());
    if (owed.empty()) return;
    std::signal(SIGPIPE, SIG_IGN);
    boost::asio::io_context io;
    Publisher publisher(io, PublishSettings{config.publish.command, std::chrono::milliseconds(0),
                                            config.publish.timeout});
    publisher.on_published([&db](const std::vector<std::filesystem::path>& done) { forget_published(db, done); });
    publisher.add(owed);
    io.run();
  } catch (const std::exception& error) {
    spdlog::error("publish: cannot keep track of posts to publish in {}: {}", db.path().string(), error.what());
  }
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
    pipeline.on_feed_stored(watch::feed_drop_observer(clock));
    Scheduler scheduler(io, pipeline, clock, Scheduler::Mode::one_pass,
                        [&tally](const PollReport& report, std::optional<std::chrono::milliseconds>) {
                          log_report(report);
                          tally.add(report);
                        });
    scheduler.set_force(context.force);
    scheduler.apply(*config);
    io.run();
    tally.skipped = scheduler.skipped();
    auto rewritten = watch::run_watch_pass(io, pipeline, clock, *config);
    tally.written.insert(tally.written.end(), rewritten.begin(), rewritten.end());
  }
  publish_once(*config, *store->archive, clock.now_ms(), tally.written);
  spdlog::info("{} source(s): {} ok ({} recovered), {} failed{}; {} new, {} updated; {} post(s) written",
               tally.sources, tally.sources - tally.failed, tally.recovered, tally.failed,
               tally.skipped > 0 ? fmt::format(", {} skipped (resting; --force polls them)", tally.skipped) : "",
               tally.new_entries, tally.updated_entries, tally.posts_written);
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

namespace {

// "off", "auto", or "selector S, minus R1, R2".
std::string describe_full_text(const config::FullText& full_text) {
  switch (full_text.mode) {
    case config::FullText::Mode::off: return "off";
    case config::FullText::Mode::automatic: return "auto";
    case config::FullText::Mode::selector: break;
  }
  if (full_text.remove.empty()) return fmt::format("selector {}", full_text.selector);
  return fmt::format("selector {}, minus {}", full_text.selector, fmt::join(full_text.remove, ", "));
}

// [archive], one line a key: what each source gets unless it says otherwise.
void print_archive_settings(const config::ArchiveDefaults& archive) {
  fmt::print("[archive]\n");
  fmt::print("  full_text:       {}\n", describe_full_text(archive.full_text));
  fmt::print("  update:          {}\n  shrink_limit:    {}\n", config::update_mode_name(archive.update),
             archive.shrink_limit);
  fmt::print("  media:           {}\n  media_max_file:  {} bytes\n  media_quota:     {} bytes\n",
             archive.media == config::MediaMode::local ? "local" : "off", archive.media_max_file,
             archive.media_quota);
  fmt::print("  enclosure_max_file: {} bytes\n", archive.enclosure_max_file);
  fmt::print("  watch:           {}\n  archive_org:     {}\n  archive_org_endpoint: {}\n"
             "  archive_org_interval: {}\n",
             archive.watch ? config::format_duration(*archive.watch) : "off", archive.archive_org ? "yes" : "no",
             url::redact(archive.archive_org_endpoint), config::format_duration(archive.archive_org_interval));
}

// Every setting as feedd will use it, defaults included, so an operator sees
// what the file means without reading the reference.
void print_settings(const config::Config& config) {
  fmt::print("\n[storage]\n  database:        {}\n  posts_dir:       {}\n  fetch_history:   {}\n",
             config.storage.database.string(), config.storage.posts_dir.string(),
             config::format_duration(config.storage.fetch_history));
  fmt::print("  media_dir:       {}\n  media_url:       {}\n", config.storage.media_dir.string(),
             config.storage.media_url);
  fmt::print("[fetch]\n  concurrency:     {}\n  per_host:        {}\n  timeout:         {}\n  max_body:        {} bytes\n"
             "  user_agent:      {}\n  low_speed_limit: {} bytes/s\n  low_speed_time:  {}\n",
             config.fetch.concurrency, config.fetch.per_host, config::format_duration(config.fetch.timeout),
             config.fetch.max_body, config.fetch.user_agent.empty() ? default_user_agent() : config.fetch.user_agent,
             config.fetch.low_speed_limit, config::format_duration(config.fetch.low_speed_time));
  fmt::print("[schedule]\n  interval:        {}\n  max_backoff:     {}\n  min_interval:    {}\n",
             config::format_duration(config.schedule.interval), config::format_duration(config.schedule.max_backoff),
             config::format_duration(config.schedule.min_interval));
  fmt::print("[daemon]\n  shutdown_grace:  {}\n", config::format_duration(config.daemon.shutdown_grace));
  fmt::print("[http]\n  listen:          {}\n", config.http.listen.empty() ? "off" : config.http.listen);
  print_archive_settings(config.archive);
  if (config.publish.command.empty()) {
    fmt::print("[publish]\n  command:         off\n");
  } else {
    fmt::print("[publish]\n  command:         {}\n  min_interval:    {}\n  timeout:         {}\n",
               fmt::join(config.publish.command, " "), config::format_duration(config.publish.min_interval),
               config::format_duration(config.publish.timeout));
  }
}

// Names and paths only: a header's value, a cookie or a secret may be a
// credential, and check's output ends up in bug reports.
void print_fetch_settings(const config::Source& source) {
  const config::SourceFetch& fetch = source.fetch;
  for (std::size_t i = 1; i < source.urls.size(); ++i) fmt::print("  mirror:     {}\n", url::redact(source.urls[i]));
  if (!fetch.proxy.empty()) fmt::print("  proxy:      {}\n", url::redact(fetch.proxy));
  if (!fetch.user_agent.empty()) fmt::print("  user_agent: {}\n", fetch.user_agent);
  for (const auto& [name, value] : fetch.headers) fmt::print("  header:     {} (value not shown)\n", name);
  if (!fetch.cookie.empty()) fmt::print("  cookie:     set (not shown)\n");
  if (!fetch.token_file.empty()) {
    fmt::print("  auth:       bearer token from {}\n", fetch.token_file.string());
  } else if (!fetch.username.empty()) {
    fmt::print("  auth:       basic, user {}, password from {}\n", fetch.username, fetch.password_file.string());
  }
  if (!fetch.tls_ca_file.empty()) fmt::print("  tls_ca_file: {}\n", fetch.tls_ca_file.string());
  if (fetch.timeout) fmt::print("  timeout:    {} ms\n", fetch.timeout->count());
  if (source.allow_private) fmt::print("  allow_private: yes\n");
  if (source.watch) fmt::print("  watch:      {}\n", config::format_duration(*source.watch));
  if (source.archive_org) fmt::print("  archive_org: yes\n");
}

// The secret files each poll will read; a missing one is a config mistake
// that would otherwise show only as a failing source.
bool check_secret_files(const config::Config& config) {
  bool good = true;
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    const config::Source& source = config.sources[i];
    if (const auto& bundle = source.fetch.tls_ca_file; !bundle.empty() && !std::ifstream(bundle)) {
      fmt::print(stderr, "{}:{}: sources[{}].tls_ca_file: cannot read {}\n", config.file.string(), source.line, i,
                 bundle.string());
      good = false;
    }
    const std::pair<const char*, const std::filesystem::path*> files[] = {
        {"password_file", &source.fetch.password_file}, {"token_file", &source.fetch.token_file}};
    for (const auto& [key, path] : files) {
      // Outside the service there is no credentials folder to look in.
      const bool in_credentials = path->string().starts_with("$CREDENTIALS_DIRECTORY/") ||
                                  path->string().starts_with("${CREDENTIALS_DIRECTORY}/");
      if (path->empty() || (in_credentials && std::getenv("CREDENTIALS_DIRECTORY") == nullptr)) continue;
      try {
        (void)read_secret_file(*path);
      } catch (const std::exception& error) {
        fmt::print(stderr, "{}:{}: sources[{}].{}: {}\n", config.file.string(), source.line, i, key, error.what());
        good = false;
      }
    }
  }
  return good;
}

}  // namespace

int command_check(const CommandContext& context) {
  setup_logging(context.verbosity);
  const auto config = load_or_report(context.config_path);
  if (!config) return exit_usage;
  // Everything found, not only the first: fixing one at a time is slow.
  const auto problems = environment_problems(*config);
  for (const auto& problem : problems) spdlog::error("{}", problem.what());
  if (!problems.empty()) return exit_usage;
  int enabled = 0;
  for (const auto& source : config->sources) enabled += source.enabled ? 1 : 0;
  fmt::print("{}: OK, {} source(s), {} enabled\n", config->file.string(), config->sources.size(), enabled);
  print_settings(*config);
  for (const auto& source : config->sources) {
    fmt::print("\n{}\n  url:        {}\n  enabled:    {}\n  content:    {}\n  timezone:   {}\n", source.name,
               url::redact(source.url), source.enabled ? "yes" : "no",
               source.content == config::ContentMode::raw ? "raw" : "sanitize", source.timezone);
    fmt::print("  tags:       {}\n  categories: {}\n", fmt::join(source.tags, ", "),
               fmt::join(source.categories, ", "));
    fmt::print("  interval:   {}\n", source.interval ? config::format_duration(*source.interval)
                                                      : config::format_duration(config->schedule.interval) + " ([schedule])");
    if (!source.remove.empty()) fmt::print("  remove:     {}\n", fmt::join(source.remove, ", "));
    if (source.media == config::MediaMode::local) {
      fmt::print("  media:      local, files up to {} bytes, quota {} bytes\n", source.media_max_file,
                 source.media_quota);
      fmt::print("  enclosures archived up to {} bytes\n", source.enclosure_max_file);
    }
    if (source.kind == config::SourceKind::html) {
      fmt::print("  kind:       html: items {}, link {}\n", source.html.item, source.html.link);
    }
    if (source.full_text.enabled()) fmt::print("  full_text:  {}\n", describe_full_text(source.full_text));
    print_fetch_settings(source);
    if (source.update != config->archive.update || source.shrink_limit != config->archive.shrink_limit) {
      fmt::print("  update:     {} (shrink_limit {})\n", config::update_mode_name(source.update), source.shrink_limit);
    }
  }
  return check_secret_files(*config) ? exit_ok : exit_usage;
}

}  // namespace feedd
