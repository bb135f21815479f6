#include "daemon/cli/commands/archive_command_support.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "daemon/runtime/exit_status.h"
#include "fetchers/feed/dates.h"
#include "store/sqlite.h"

namespace feedd {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;

std::chrono::year_month_day utc_day(std::int64_t unix_ms) {
  const std::chrono::sys_time<milliseconds> time{milliseconds(unix_ms)};
  return std::chrono::year_month_day{std::chrono::floor<days>(time)};
}

// "YYYY-MM-DD" exactly, as a real calendar day.
std::optional<sys_days> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  const auto number = [&](std::size_t at, std::size_t size, auto& value) {
    const auto [end, error] = std::from_chars(text.data() + at, text.data() + at + size, value);
    return error == std::errc{} && end == text.data() + at + size;
  };
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day)) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!date.ok()) return std::nullopt;
  return sys_days{date};
}

}  // namespace

int run_reporting(std::string_view name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const CommandFailure& failure) {
    fmt::print(stderr, "feedd {}: {}\n", name, failure.what());
    return failure.status();
  } catch (const config::ConfigError& error) {
    fmt::print(stderr, "feedd {}: {}\n", name, error.what());
    return exit_usage;
  } catch (const std::exception& error) {
    // SQLite and file errors already name the database or file.
    fmt::print(stderr, "feedd {}: {}\n", name, error.what());
    return exit_store;
  }
}

config::Config load_config_for(const ArchiveCommandOptions& options) {
  try {
    return config::load_config(options.config_path);
  } catch (const config::ConfigError& error) {
    throw CommandFailure(exit_usage, error.what());
  }
}

void require_existing_store(const config::Config& config) {
  std::error_code error;
  if (!std::filesystem::exists(config.storage.database, error)) {
    throw CommandFailure(exit_store, fmt::format("no store at {} yet: 'feedd once' or 'feedd run' creates it",
                                                 config.storage.database.string()));
  }
}

InstanceLock lock_store(const config::Config& config) {
  const auto lock_path = config.storage.database.string() + ".lock";
  std::string holder;
  auto lock = InstanceLock::try_acquire(lock_path, holder);
  if (!lock) {
    throw CommandFailure(exit_already_running,
                         fmt::format("feedd (pid {}) is running on {}; stop it first (lock {} is held)",
                                     holder.empty() ? "?" : holder, config.storage.database.string(), lock_path));
  }
  return std::move(*lock);
}

const config::Source* configured_source(const config::Config& config, std::string_view name) {
  for (const auto& source : config.sources) {
    if (source.name == name) return &source;
  }
  return nullptr;
}

std::int64_t now_ms_of(const ArchiveCommandOptions& options) {
  if (!options.now) {
    return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  if (auto pinned = dates::parse_rfc3339(*options.now)) return *pinned;
  throw CommandFailure(exit_usage, fmt::format("--now: not an RFC 3339 instant: \"{}\" (example: 2021-04-17T02:56:40Z)",
                                               *options.now));
}

std::int64_t parse_date_option(std::string_view option, const std::string& text, bool end_of_day) {
  if (auto day = parse_day(text)) {
    const sys_days start = end_of_day ? *day + days(1) : *day;
    return std::chrono::duration_cast<milliseconds>(start.time_since_epoch()).count();
  }
  if (auto instant = dates::parse_rfc3339(text)) return *instant;
  throw CommandFailure(exit_usage, fmt::format("{}: not a date: \"{}\" (write 2021-04-17 or 2021-04-17T08:00:00Z)",
                                               option, text));
}

int parse_count_option(std::string_view option, const std::string& text, int max) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 1 || value > max) {
    throw CommandFailure(exit_usage, fmt::format("{}: must be a number from 1 to {}, got \"{}\"", option, max, text));
  }
  return value;
}

std::string format_minute(std::int64_t unix_ms) {
  const auto time = std::chrono::sys_time<milliseconds>(milliseconds(unix_ms));
  const auto day = std::chrono::floor<days>(time);
  const std::chrono::hh_mm_ss clock{std::chrono::floor<std::chrono::minutes>(time - day)};
  return fmt::format("{} {:02}:{:02}", format_day(unix_ms), clock.hours().count(), clock.minutes().count());
}

std::string format_day(std::int64_t unix_ms) {
  const auto date = utc_day(unix_ms);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

}  // namespace feedd
