#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "config/config.h"
#include "config/duration.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::config::Config;
using feedd::config::ConfigError;
using feedd::config::ContentMode;
using feedd::config::parse_config;
using feedd::config::format_duration;
using feedd::config::parse_duration;
using feedd::config::parse_size;

namespace {

const fs::path etc_file = "/etc/feedd/feedd.toml";

Config parse(std::string_view text) { return parse_config(text, etc_file); }

// The whole what() of the error `text` is refused with, or "" if it loads.
std::string error_of(std::string_view text) {
  try {
    (void)parse(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("The shipped feedd.toml loads with both sources and storage under data/") {
  Config config = feedd::config::load_config(fs::path(FEEDD_SOURCE_DIR) / "config" / "feedd.toml");
  CHECK(config.file.is_absolute());
  CHECK(config.storage.database.is_absolute());
  CHECK(config.storage.database == (fs::path(FEEDD_SOURCE_DIR) / "data" / "feedd.db").lexically_normal());
  CHECK(config.storage.posts_dir == (fs::path(FEEDD_SOURCE_DIR) / "data" / "_posts").lexically_normal());
  REQUIRE(config.sources.size() == 2);
  CHECK(config.sources[0].name == "美国之音");
  CHECK(config.sources[0].url == "https://feedx.net/rss/mgzy1.xml");
  CHECK(config.sources[0].timezone == "UTC");
  CHECK(config.sources[1].name == "联合早报");
  // rsshub.app turns feed readers away since April 2026 (issue 13).
  CHECK(config.sources[1].url == "https://feedx.net/rss/zaobao.xml");
  CHECK(config.sources[1].timezone == "Asia/Shanghai");
  // Unset in the shipped config: sanitize, so its remove rules apply.
  CHECK(config.sources[1].content == ContentMode::sanitize);
  CHECK_FALSE(config.sources[1].remove.empty());
}

TEST_CASE("An empty file gives every default, with storage beside the config file") {
  Config config = parse("");
  CHECK(config.file == etc_file);
  CHECK(config.storage.database == "/etc/feedd/data/feedd.db");
  CHECK(config.storage.posts_dir == "/etc/feedd/data/_posts");
  CHECK(config.fetch.concurrency == 64);
  CHECK(config.fetch.per_host == 2);
  CHECK(config.fetch.timeout == 60s);
  CHECK(config.fetch.max_body == 16u * 1024 * 1024);
  CHECK(config.fetch.user_agent.empty());
  CHECK(config.schedule.interval == 15min);
  CHECK(config.schedule.max_backoff == 6h);
  CHECK(config.daemon.shutdown_grace == 10s);
  CHECK(config.sources.empty());
}

TEST_CASE("Every top-level key is read") {
  Config config = parse(R"(
[storage]
database = "/var/lib/feedd/feedd.db"
posts_dir = "site/_posts"
[fetch]
concurrency = 4
per_host = 4
timeout = "1m30s"
max_body = 1048576
user_agent = "feedd-test/1"
[schedule]
interval = "5m"
max_backoff = "1d"
[daemon]
shutdown_grace = "500ms"
)");
  CHECK(config.storage.database == "/var/lib/feedd/feedd.db");
  CHECK(config.storage.posts_dir == "/etc/feedd/site/_posts");
  CHECK(config.fetch.concurrency == 4);
  CHECK(config.fetch.per_host == 4);
  CHECK(config.fetch.timeout == 90s);
  CHECK(config.fetch.max_body == 1048576);
  CHECK(config.fetch.user_agent == "feedd-test/1");
  CHECK(config.schedule.interval == 5min);
  CHECK(config.schedule.max_backoff == 24h);
  CHECK(config.daemon.shutdown_grace == 500ms);
}

TEST_CASE("Relative storage paths resolve lexically against the config file's folder") {
  feedd::test::TempDir dir;
  fs::create_directories(dir / "etc");
  write_file(dir / "etc" / "feedd.toml", "[storage]\ndatabase = \"../var/./db/feedd.db\"\nposts_dir = \"posts/\"\n");
  Config config = feedd::config::load_config(dir / "etc" / ".." / "etc" / "feedd.toml");
  CHECK(config.file == dir / "etc" / "feedd.toml");
  CHECK(config.storage.database == dir / "var" / "db" / "feedd.db");
  CHECK(config.storage.posts_dir == (dir / "etc" / "posts" / "").lexically_normal());
}

TEST_CASE("A config loaded by a relative name still records an absolute file") {
  Config config = parse_config("", "conf/feedd.toml");
  CHECK(config.file == fs::current_path() / "conf" / "feedd.toml");
  CHECK(config.storage.database == fs::current_path() / "conf" / "data" / "feedd.db");
}

TEST_CASE("A source with only name and url gets the documented defaults") {
  Config config = parse("\n[[sources]]\nname = \"a\"\nurl = \"http://example.com/feed\"\n");
  REQUIRE(config.sources.size() == 1);
  const auto& source = config.sources[0];
  CHECK(source.tags == std::vector<std::string>{"a"});
  CHECK(source.categories == std::vector<std::string>{"a"});
  CHECK(source.content == ContentMode::sanitize);
  CHECK(source.enabled);
  CHECK(source.timezone == "UTC");
  CHECK_FALSE(source.interval.has_value());
  CHECK(source.remove.empty());
  CHECK(source.line == 2);
}

TEST_CASE("Every source key is read") {
  Config config = parse(R"([[sources]]
name = "联合早报"
url = "file:///srv/feeds/zaobao.xml"
tags = ["新闻", "中国"]
categories = []
content = "sanitize"
enabled = false
timezone = "Asia/Shanghai"
interval = "5m"
remove = ["section#imu", ".subscribe"]
)");
  REQUIRE(config.sources.size() == 1);
  const auto& source = config.sources[0];
  CHECK(source.name == "联合早报");
  CHECK(source.url == "file:///srv/feeds/zaobao.xml");
  CHECK(source.tags == std::vector<std::string>{"新闻", "中国"});
  CHECK(source.categories.empty());
  CHECK(source.content == ContentMode::sanitize);
  CHECK_FALSE(source.enabled);
  CHECK(source.timezone == "Asia/Shanghai");
  CHECK(source.interval == 5min);
  CHECK(source.remove == std::vector<std::string>{"section#imu", ".subscribe"});
}

TEST_CASE("Sources keep file order and names that differ only slightly are distinct") {
  Config config = parse(R"(
[[sources]]
name = "联合早报"
url = "https://a.example/"
[[sources]]
name = "联合早报 "
url = "https://b.example/"
[[sources]]
name = "美国之音"
url = "HTTPS://c.example/"
)");
  REQUIRE(config.sources.size() == 3);
  CHECK(config.sources[0].name == "联合早报");
  CHECK(config.sources[1].name == "联合早报 ");
  CHECK(config.sources[2].name == "美国之音");
  CHECK(config.sources[2].line == 8);
}

TEST_CASE("A file that cannot be read is reported with line 0 and the OS reason") {
  feedd::test::TempDir dir;
  fs::path missing = dir / "absent.toml";
  CHECK_THROWS_WITH_AS(feedd::config::load_config(missing),
                       (missing.string() + ":0: (file): cannot read: No such file or directory").c_str(), ConfigError);
  CHECK_THROWS_WITH_AS(feedd::config::load_config(dir.path()),
                       (dir.path().string() + ":0: (file): cannot read: Is a directory").c_str(), ConfigError);
}

TEST_CASE("A file too large to be a config is refused instead of read to the end") {
  feedd::test::TempDir dir;
  fs::path huge = dir / "huge.toml";
  write_file(huge, std::string((std::size_t{64} << 20) + 1, '#'));
  CHECK_THROWS_WITH_AS(feedd::config::load_config(huge),
                       (huge.string() + ":0: (file): larger than 64 MiB; is this a feedd config?").c_str(), ConfigError);
}

TEST_CASE("A TOML syntax error names its line") {
  std::string message = error_of("[fetch]\nconcurrency = \n");
  CHECK(message.starts_with("/etc/feedd/feedd.toml:2: (syntax): "));
  CHECK(error_of("[fetch]\nconcurrency = 1\nconcurrency = 2\n").starts_with("/etc/feedd/feedd.toml:3: (syntax): "));
}

TEST_CASE("ConfigError carries file, line and key apart from its message") {
  try {
    (void)parse("\n[fetch]\ntimeout = \"soon\"\n");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& error) {
    CHECK(error.file() == etc_file);
    CHECK(error.line() == 3);
    CHECK(error.key() == "fetch.timeout");
  }
}

TEST_CASE("Unknown keys are refused at every level") {
  CHECK(error_of("[fetchh]\n") ==
        "/etc/feedd/feedd.toml:1: fetchh: unknown key (expected one of: storage, fetch, schedule, daemon, http, publish, archive, sources)");
  CHECK(error_of("[fetch]\nconcurency = 3\n").starts_with("/etc/feedd/feedd.toml:2: fetch.concurency: unknown key"));
  CHECK(error_of("[storage]\n\"a.b\" = 1\n").starts_with("/etc/feedd/feedd.toml:2: storage.\"a.b\": unknown key"));
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"https://x/\"\ntag = [\"t\"]\n")
            .starts_with("/etc/feedd/feedd.toml:4: sources[0].tag: unknown key"));
  CHECK(error_of("[fetch.extra]\n").starts_with("/etc/feedd/feedd.toml:1: fetch.extra: unknown key"));
}

TEST_CASE("A source without name or url is refused on its [[sources]] line") {
  std::string one_source = "[[sources]]\nname = \"a\"\nurl = \"https://x/\"\n";
  CHECK(error_of(one_source + "\n[[sources]]\nurl = \"https://y/\"\n") ==
        "/etc/feedd/feedd.toml:5: sources[1].name: missing required key");
  CHECK(error_of(one_source + "[[sources]]\nname = \"b\"\n") ==
        "/etc/feedd/feedd.toml:4: sources[1].url: missing required key");
}

TEST_CASE("Values of the wrong type are refused with the type found") {
  CHECK(error_of("[fetch]\nconcurrency = \"16\"\n") ==
        "/etc/feedd/feedd.toml:2: fetch.concurrency: must be an integer, got a string");
  CHECK(error_of("fetch = 3\n") == "/etc/feedd/feedd.toml:1: fetch: must be a table, got an integer");
  CHECK(error_of("[fetch]\ntimeout = 60\n").starts_with("/etc/feedd/feedd.toml:2: fetch.timeout: must be a duration"));
  CHECK(error_of("[fetch]\nmax_body = 1.5\n").starts_with("/etc/feedd/feedd.toml:2: fetch.max_body: must be a size"));
  CHECK(error_of("[storage]\ndatabase = 1\n") ==
        "/etc/feedd/feedd.toml:2: storage.database: must be a string, got an integer");
  CHECK(error_of("[sources]\nname = \"a\"\n") ==
        "/etc/feedd/feedd.toml:1: sources: must be written as [[sources]] tables, got a table");

  std::string source = "[[sources]]\nname = \"a\"\nurl = \"https://x/\"\n";
  CHECK(error_of(source + "tags = \"x\"\n") ==
        "/etc/feedd/feedd.toml:4: sources[0].tags: must be an array of strings, got a string");
  CHECK(error_of(source + "tags = [\n  \"x\",\n  1,\n]\n") ==
        "/etc/feedd/feedd.toml:6: sources[0].tags[1]: must be a string, got an integer");
  CHECK(error_of(source + "enabled = \"yes\"\n") ==
        "/etc/feedd/feedd.toml:4: sources[0].enabled: must be a boolean (true or false), got a string");
  CHECK(error_of(source + "remove = [[\"x\"]]\n") ==
        "/etc/feedd/feedd.toml:4: sources[0].remove[0]: must be a string, got an array");
}

TEST_CASE("Out-of-range fetch limits are refused") {
  CHECK(error_of("[fetch]\nconcurrency = 0\n") ==
        "/etc/feedd/feedd.toml:2: fetch.concurrency: must be between 1 and 1024, got 0");
  CHECK(error_of("[fetch]\nconcurrency = 1025\n") ==
        "/etc/feedd/feedd.toml:2: fetch.concurrency: must be between 1 and 1024, got 1025");
  CHECK(error_of("[fetch]\nconcurrency = 4\nper_host = 5\n") ==
        "/etc/feedd/feedd.toml:3: fetch.per_host: must be between 1 and fetch.concurrency (4), got 5");
  CHECK(error_of("[fetch]\nper_host = 65\n") ==
        "/etc/feedd/feedd.toml:2: fetch.per_host: must be between 1 and fetch.concurrency (64), got 65");
  CHECK(error_of("[fetch]\nuser_agent = \"a\\r\\nX-Evil: 1\"\n") ==
        "/etc/feedd/feedd.toml:2: fetch.user_agent: must not contain control characters, got \"a\\x0d\\x0aX-Evil: 1\"");
}

TEST_CASE("A per_host above a broken concurrency is not blamed for it") {
  CHECK(error_of("[fetch]\nper_host = 20\nconcurrency = 0\n") ==
        "/etc/feedd/feedd.toml:3: fetch.concurrency: must be between 1 and 1024, got 0");
}

TEST_CASE("Invalid source values are refused with the value found") {
  auto source_with = [](std::string_view extra) {
    return error_of("[[sources]]\nname = \"a\"\nurl = \"https://x/\"\n" + std::string(extra));
  };
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"ftp://x\"\n") ==
        "/etc/feedd/feedd.toml:3: sources[0].url: must be an http(s) or file URL, got \"ftp://x\"");
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"example.com/feed\"\n") ==
        "/etc/feedd/feedd.toml:3: sources[0].url: must be an http(s) or file URL, got \"example.com/feed\"");
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"file://feeds/a.xml\"\n")
            .starts_with("/etc/feedd/feedd.toml:3: sources[0].url: must be an absolute file URL"));
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"https:///feed\"\n") ==
        "/etc/feedd/feedd.toml:3: sources[0].url: has no host, got \"https:///feed\"");
  CHECK(error_of("[[sources]]\nname = \"\"\nurl = \"https://x/\"\n") ==
        "/etc/feedd/feedd.toml:2: sources[0].name: must not be empty");
  CHECK(source_with("timezone = \"Asia/Shangai\"\n")
            .starts_with("/etc/feedd/feedd.toml:4: sources[0].timezone: unknown time zone \"Asia/Shangai\""));
  CHECK(source_with("content = \"clean\"\n") ==
        "/etc/feedd/feedd.toml:4: sources[0].content: must be \"raw\" or \"sanitize\", got \"clean\"");
  CHECK(source_with("interval = \"0s\"\n") ==
        "/etc/feedd/feedd.toml:4: sources[0].interval: must be longer than zero, got \"0s\"");
  CHECK(source_with("remove = [\"\"]\n") == "/etc/feedd/feedd.toml:4: sources[0].remove[0]: must not be empty");
}

TEST_CASE("An interval below one minute is refused with file, line and key unless min_interval lowers the floor") {
  CHECK(error_of("[schedule]\ninterval = \"1ms\"\n") ==
        "/etc/feedd/feedd.toml:2: schedule.interval: must be at least 1m (schedule.min_interval), got \"1ms\"; "
        "set [schedule] min_interval to poll more often");
  CHECK(error_of("[schedule]\nmax_backoff = \"30s\"\n")
            .starts_with("/etc/feedd/feedd.toml:2: schedule.max_backoff: must be at least 1m"));
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"https://x/\"\ninterval = \"59s\"\n")
            .starts_with("/etc/feedd/feedd.toml:4: sources[0].interval: must be at least 1m (schedule.min_interval), "
                         "got \"59s\""));
  CHECK(error_of("[schedule]\nmin_interval = \"10s\"\n[[sources]]\nname = \"a\"\nurl = \"https://x/\"\n"
                 "interval = \"5s\"\n")
            .starts_with("/etc/feedd/feedd.toml:6: sources[0].interval: must be at least 10s"));

  const auto lowered = feedd::config::parse_config(
      "[schedule]\nmin_interval = \"100ms\"\ninterval = \"500ms\"\nmax_backoff = \"2s\"\n"
      "[[sources]]\nname = \"a\"\nurl = \"https://x/\"\ninterval = \"200ms\"\n",
      "/etc/feedd/feedd.toml");
  CHECK(lowered.schedule.min_interval == 100ms);
  CHECK(lowered.schedule.interval == 500ms);
  CHECK(lowered.sources.at(0).interval == 200ms);
  CHECK(feedd::config::parse_config("", "/etc/feedd/feedd.toml").schedule.min_interval == 1min);
}

TEST_CASE("Invalid durations and sizes are refused with the text found") {
  CHECK(error_of("[schedule]\ninterval = \"15 m\"\n")
            .starts_with("/etc/feedd/feedd.toml:2: schedule.interval: not a duration: \"15 m\""));
  CHECK(error_of("[daemon]\nshutdown_grace = \"0ms\"\n") ==
        "/etc/feedd/feedd.toml:2: daemon.shutdown_grace: must be longer than zero, got \"0ms\"");
  CHECK(error_of("[fetch]\nmax_body = \"16MB \"\n")
            .starts_with("/etc/feedd/feedd.toml:2: fetch.max_body: not a size: \"16MB \""));
  CHECK(error_of("[fetch]\nmax_body = 0\n") ==
        "/etc/feedd/feedd.toml:2: fetch.max_body: must be greater than zero, got 0");
  CHECK(error_of("[fetch]\nmax_body = \"0KiB\"\n") ==
        "/etc/feedd/feedd.toml:2: fetch.max_body: must be greater than zero, got \"0KiB\"");
}

TEST_CASE("A duplicate source name names the line it was first defined on") {
  CHECK(error_of(R"(
[[sources]]
name = "美国之音"
url = "https://a.example/"

[[sources]]
name = "联合早报"
url = "https://b.example/"

[[sources]]
url = "https://c.example/"
name = "联合早报"
)") == "/etc/feedd/feedd.toml:12: sources[2].name: duplicate source name \"联合早报\" (first defined on line 7)");
}

TEST_CASE("The first error in file order is reported, not the first in key order") {
  CHECK(error_of("[fetch]\ntimeout = \"x\"\nconcurrency = 0\n").starts_with("/etc/feedd/feedd.toml:2: fetch.timeout:"));
  CHECK(error_of("[schedule]\ninterval = \"x\"\n[fetch]\ntimeout = \"x\"\n")
            .starts_with("/etc/feedd/feedd.toml:2: schedule.interval:"));
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"ftp://x\"\n[[sources]]\nzzz = 1\n")
            .starts_with("/etc/feedd/feedd.toml:3: sources[0].url:"));
  CHECK(error_of("sources = [{ url = \"ftp://x\", name = \"\" }]\n")
            .starts_with("/etc/feedd/feedd.toml:1: sources[0].url:"));
}

TEST_CASE("Zero sources are accepted, written or not") {
  CHECK(parse("sources = []\n").sources.empty());
  CHECK(parse("[fetch]\n").sources.empty());
}

TEST_CASE("Durations accept single units and largest-first sums") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("90s") == 90s);
  CHECK(parse_duration("15m") == 15min);
  CHECK(parse_duration("2h") == 2h);
  CHECK(parse_duration("1d") == 24h);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("1d2h3m4s5ms") == 24h + 2h + 3min + 4s + 5ms);
  CHECK(parse_duration("0s") == 0ms);
}

TEST_CASE("A duration is written in the largest unit that states it exactly, and reads back") {
  CHECK(format_duration(15min) == "15m");
  CHECK(format_duration(24h) == "1d");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(0ms) == "0ms");
  for (const std::chrono::milliseconds value : {100ms, 1500ms, 90000ms, 900000ms, 90000000ms, 259200000ms}) {
    CHECK(parse_duration(format_duration(value)) == value);
  }
}

TEST_CASE("Durations refuse malformed, reordered and overflowing text") {
  for (const char* text : {"", "15", "m", "1.5h", "-1s", "+1s", " 1s", "1s ", "1h 30m", "1x", "1M", "30m1h", "1m1m",
                           "1ms1s", "1s500", "9223372036854775808ms", "106751991168d", "99999999999999999999s"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
  CHECK(parse_duration("9223372036854775807ms") == std::chrono::milliseconds::max());
  CHECK_FALSE(parse_duration("9223372036854775s1s").has_value());
}

TEST_CASE("Sizes accept bytes, binary and decimal units") {
  CHECK(parse_size("1000000") == 1000000u);
  CHECK(parse_size("100B") == 100u);
  CHECK(parse_size("10kB") == 10000u);
  CHECK(parse_size("10MB") == 10000000u);
  CHECK(parse_size("512KiB") == 512u * 1024);
  CHECK(parse_size("16MiB") == 16u << 20);
  CHECK(parse_size("1GiB") == 1u << 30);
  CHECK(parse_size("2TiB") == 2ull << 40);
  CHECK(parse_size("0") == 0u);
  CHECK(parse_size("18446744073709551615") == 18446744073709551615ull);
}

TEST_CASE("Sizes refuse malformed, ambiguous and overflowing text") {
  for (const char* text : {"", "MiB", "16 MiB", "16mib", "16KB", "1.5GiB", "-1", "+1", "16MiBs", "1KiB1B",
                           "18446744073709551616", "16777216TiB"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_size(text).has_value());
  }
}
