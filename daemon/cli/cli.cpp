#include "daemon/cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "daemon/cli/commands/archive_commands.h"
#include "daemon/cli/command_table.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/cli/commands/commands.h"
#include "daemon/cli/commands/documents/extract_command.h"
#include "daemon/cli/completion.h"
#include "daemon/cli/man_page.h"
#include "daemon/cli/commands/documents/parse_command.h"
#include "daemon/cli/commands/history/history_command.h"
#include "daemon/cli/commands/history/removed_command.h"
#include "daemon/cli/commands/poll_command.h"
#include "daemon/cli/commands/run/run_command.h"
#include "fetchers/feed/dates.h"

namespace feedd {
namespace {

constexpr std::string_view default_config_path = "/etc/feedd/feedd.toml";

// OptionSpec, ParsedArgs and CommandSpec are in daemon/cli/command_table.h.

const OptionSpec config_option{"--config", "-c", "FILE",
                               "config file (default: $FEEDD_CONFIG, else /etc/feedd/feedd.toml)"};
const OptionSpec verbose_option{"--verbose", "-v", "", "log debug detail"};
const OptionSpec quiet_option{"--quiet", "-q", "", "log warnings and errors only"};
const OptionSpec help_option{"--help", "-h", "", "show this help"};

Verbosity verbosity_of(const ParsedArgs& args) {
  if (args.has("--verbose")) return Verbosity::verbose;
  if (args.has("--quiet")) return Verbosity::quiet;
  return Verbosity::normal;
}

std::filesystem::path config_path_of(const ParsedArgs& args) {
  if (auto found = args.values.find("--config"); found != args.values.end()) return found->second;
  if (const char* env = std::getenv("FEEDD_CONFIG"); env != nullptr && *env != '\0') return env;
  return std::string(default_config_path);
}

int run_once(const ParsedArgs& args) {
  CommandContext context{config_path_of(args), verbosity_of(args), std::nullopt};
  context.force = args.has("--force");
  if (auto now = args.values.find("--now"); now != args.values.end()) {
    context.now_ms = dates::parse_rfc3339(now->second);
    if (!context.now_ms) {
      fmt::print(stderr, "feedd once: --now: not an RFC 3339 instant: \"{}\" (example: 2021-04-17T02:56:40.156Z)\n",
                 now->second);
      return exit_usage;
    }
  }
  return command_once(context);
}

int run_run(const ParsedArgs& args) {
  return command_run(CommandContext{config_path_of(args), verbosity_of(args), std::nullopt});
}

int run_poll(const ParsedArgs& args) {
  return command_poll(CommandContext{config_path_of(args), verbosity_of(args), std::nullopt}, args.operands);
}

int run_parse(const ParsedArgs& args) {
  ParseCommandOptions options;
  options.json = args.has("--json");
  if (auto base = args.values.find("--base"); base != args.values.end()) options.base_url = base->second;
  options.files = args.operands;
  return command_parse(options);
}

int run_extract(const ParsedArgs& args) {
  ExtractCommandOptions options;
  options.json = args.has("--json");
  if (auto url = args.values.find("--url"); url != args.values.end()) options.url = url->second;
  if (auto selector = args.values.find("--selector"); selector != args.values.end()) options.selector = selector->second;
  if (auto remove = args.values.find("--remove"); remove != args.values.end()) options.remove = {remove->second};
  options.inputs = args.operands;
  return command_extract(options);
}

// The archive commands check their own values (daemon/cli/commands/archive_commands.h).
ArchiveCommandOptions archive_options_of(const ParsedArgs& args) {
  const auto value = [&args](std::string_view name) -> std::optional<std::string> {
    const auto found = args.values.find(name);
    if (found == args.values.end()) return std::nullopt;
    return found->second;
  };
  ArchiveCommandOptions options;
  options.config_path = config_path_of(args);
  options.json = args.has("--json");
  options.source = value("--source");
  options.since = value("--since");
  options.until = value("--until");
  options.limit = value("--limit");
  options.now = value("--now");
  options.undo = args.has("--undo");
  options.operands = args.operands;
  options.rewrite_imported = args.has("--rewrite-imported");
  options.all_versions = args.has("--all-versions");
  return options;
}

int run_removed(const ParsedArgs& args) {
  RemovedCommandOptions options;
  options.config_path = config_path_of(args);
  options.json = args.has("--json");
  if (auto since = args.values.find("--since"); since != args.values.end()) options.since = since->second;
  return command_removed(options);
}

template <int (*command)(const ArchiveCommandOptions&)>
int run_archive_command(const ParsedArgs& args) {
  return command(archive_options_of(args));
}

// `--diff A B`: the parser gives --diff the value A, and B arrives as the
// operand after the URL.
int run_history(const ParsedArgs& args) {
  HistoryCommandOptions options;
  options.config_path = config_path_of(args);
  options.json = args.has("--json");
  const std::size_t wanted = args.has("--diff") ? 2 : 1;
  if (args.operands.size() != wanted) {
    fmt::print(stderr, "feedd history: {}; see 'feedd history --help'\n",
               args.has("--diff") ? "--diff needs two versions and the URL: feedd history URL --diff A B"
                                  : "give one URL: feedd history URL");
    return exit_usage;
  }
  options.url = args.operands[0];
  if (args.has("--diff")) options.diff = std::pair{args.values.at("--diff"), args.operands[1]};
  return command_history(options);
}

int run_check(const ParsedArgs& args) {
  const int status = command_check(CommandContext{config_path_of(args), verbosity_of(args), std::nullopt});
  if (status != exit_ok || !args.has("--store")) return status;
  return command_check_store(archive_options_of(args));
}

const OptionSpec json_option{"--json", "", "", "print JSON for scripts instead of text for people"};
const OptionSpec source_option{"--source", "", "NAME", "only this source's entries"};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = {
      {"once", "poll every enabled source once, write posts and rows, exit",
       "Fetches every enabled source concurrently, parses each feed, writes a Jekyll post for every new or\n"
       "updated entry and records everything in the SQLite store. One line per source is logged.\n"
       "What `run` learnt is honoured: a source gone (HTTP 410), or waiting out a Retry-After or the backoff\n"
       "after failures, is skipped with a line saying when it is due; --force polls it anyway.\n"
       "Exit status: 0 all sources fine, 1 at least one source failed (the others are still stored),\n"
       "2 bad command line or config, 3 the store cannot be opened.",
       {config_option,
        {"--now", "", "RFC3339", "pin the clock to this instant (for tests and reproducible runs)"},
        {"--force", "", "", "also poll sources that are gone (410) or waiting out Retry-After or backoff"},
        verbose_option, quiet_option, help_option},
       run_once},
      {"run", "run as a daemon: poll every source on its own schedule until stopped",
       "Polls each enabled source every [schedule] interval (per source: interval), with jitter, conditional\n"
       "requests, per-host limits, backoff on failure and Retry-After honoured. The schedule, validators and\n"
       "failure counts live in the store, so a restart continues where it stopped.\n"
       "Signals: SIGHUP reloads the config (an invalid one is rejected and the running one kept);\n"
       "SIGTERM or SIGINT stops polling, lets running polls finish within [daemon] shutdown_grace, exits 0.\n"
       "Under systemd (Type=notify) it reports READY, RELOADING, STOPPING, STATUS and watchdog pings.\n"
       "While it runs, rebuild, reprocess, forget, poll and sources reach it through its control socket,\n"
       "DATABASE.sock (see FILES in feedd(1)), so none of them needs it stopped.\n"
       "Exit status: 0 after a clean stop, 2 bad config, 3 store unusable, 4 another feedd runs on this store.",
       {config_option, verbose_option, quiet_option, help_option},
       run_run},
      {"poll", "poll sources now: through the running daemon, or here once when none runs",
       "Polls the named sources (every enabled one without NAME) now. With `feedd run` up on the store, the\n"
       "daemon polls them at once (a poll already running is waited for, not doubled), its schedule goes on\n"
       "from the outcome, and one line per source says what came of it. With no daemon up, it says so and\n"
       "polls them here, once, exactly as `feedd once` limited to those sources would.\n"
       "Exit status: 0 every source polled fine, 1 one failed, 2 an unknown or disabled source or a bad\n"
       "config, 3 store unusable, 4 another feedd holds the store without answering (a `feedd once`).",
       {config_option, {"NAME...", "", "", "sources to poll (default: every enabled one)"}, verbose_option,
        quiet_option, help_option},
       run_poll},
      {"check", "validate the config and its paths and programs, print every setting",
       "Loads the config exactly as `once` would, checks what can be checked without polling (the folders\n"
       "of posts_dir and database can be created, the publish command exists and is executable, no two\n"
       "sources poll the same URL, no interval below [schedule] min_interval, every password_file,\n"
       "token_file and tls_ca_file can be read), then prints every effective setting, defaults included,\n"
       "and the sources with their mirrors, proxy, headers and authentication (names and files only: no\n"
       "secret, credentials in URLs as ***). Each problem is reported as FILE:LINE: KEY: PROBLEM and the\n"
       "exit status is 2. With --store it also runs SQLite's integrity check and the search indexes' own\n"
       "checks, and confirms that every row's post file exists; the exit status is 3 when something is\n"
       "wrong ('feedd rebuild' rewrites missing posts).",
       {config_option,
        {"--store", "", "", "also check the store: integrity, search indexes, a post file for every row"},
        help_option},
       run_check},
      {"parse", "print what feedd reads from feed files (no config, no store)",
       "Reads each FILE as a feed (RSS, RDF, Atom, JSON Feed or CDF, any common charset) and prints what\n"
       "feedd makes of it. With --json, one object per file per line: format, version, title, link,\n"
       "description, language, updated, recovered, guessed_charset and entries (title, url, guid,\n"
       "published, updated, author, summary, content, categories, enclosures: url, type, length);\n"
       "absent values are null, dates RFC 3339 UTC, titles plain\n"
       "text, HTML as the default sanitize mode writes it. Relative links resolve against --base; without\n"
       "it they stay relative in HTML, and a relative url or link is null.\n"
       "Exit status: 0 every file parsed, 1 a file could not be read or parsed (it is named on stderr and\n"
       "the others still print), 2 bad command line.",
       {{"--json", "", "", "one JSON object per file per line"},
        {"--base", "", "URL", "the document's URL, for relative links (default: none)"},
        {"FILE...", "", "", "feed documents to read"},
        help_option},
       run_parse},
      {"extract", "print the article feedd extracts from saved pages or URLs (no config, no store)",
       "Reads each FILE (or fetches each http:// or https:// URL with feedd's HTTP client), decodes it\n"
       "(byte order mark, HTTP charset, <meta charset>, else UTF-8) and prints its article as sanitized\n"
       "HTML, links made absolute against --url (or the fetched address). Without --selector the article\n"
       "is found automatically: the block that reads like prose, without navigation, share bars, ads,\n"
       "comments and related-article lists, figures kept. With --selector, the elements it matches.\n"
       "--remove cuts the elements it matches in either mode. Selectors: type, .class, #id, [attr],\n"
       "[attr=v], [attr~=v], [attr^=v], [attr$=v], [attr*=v], descendant, child (>), :not(...), and\n"
       "lists (a, b). With --json, one object per input per line: input, title, byline, published\n"
       "(RFC 3339 UTC when readable), content (HTML) and text (plain, one block per line); absent values\n"
       "are null.\n"
       "Exit status: 0 every input read, 1 an input could not be read or fetched (it is named on stderr\n"
       "and the others still print), 2 bad command line or selector (named, with the position).",
       {{"--json", "", "", "one JSON object per input per line"},
        {"--url", "", "URL", "the address FILE inputs were saved from, for relative links"},
        {"--selector", "", "CSS", "the article is what this selector list matches (default: automatic)"},
        {"--remove", "", "CSS", "cut what this selector list matches (a, b for several)"},
        {"FILE...", "", "", "saved pages, or http:// and https:// URLs to fetch"},
        help_option},
       run_extract},
      {"search", "full-text search over titles and post text, newest first",
       "Finds the entries whose title or text (markup stripped) contains every term, newest first, with\n"
       "date, source, title, link and post file. A term matches inside words too (Chinese has no spaces)\n"
       "and ignores ASCII case; terms of one or two characters (气候, 克里, AI) work like longer ones.\n"
       "Query: terms separated by spaces must all occur; \"a phrase\" keeps its spaces (\"\" for a quote);\n"
       "a OR b; -term or NOT term excludes (write NOT when the query starts with it); ( ) group.\n"
       "--json prints an array of objects with title, source, date (RFC 3339), url and path. Without\n"
       "--json the number of matches comes first, on stderr, counting all of them (\"20 of 137 matches\").\n"
       "--all-versions also searches the earlier versions of edited entries (feedd history): such a result\n"
       "names the version (\"version 1\"; in JSON \"version\": 1) and shows that version's title.\n"
       "Exit status: 0 (also when nothing matches), 2 bad query or options, 3 store unusable.",
       {config_option,
        source_option,
        {"--all-versions", "", "", "also search earlier versions of edited entries"},
        {"--since", "", "DATE", "posts dated on or after DATE (2021-04-17, UTC, or an RFC 3339 instant)"},
        {"--until", "", "DATE", "posts dated up to the end of DATE (or before an RFC 3339 instant)"},
        {"--limit", "", "N", "at most N results (default 20)"},
        json_option,
        {"QUERY...", "", "", "what to find"},
        help_option},
       run_archive_command<command_search>},
      {"history", "an entry's versions: when each came, from where, what changed; a diff of two",
       "Lists every version of the entry whose link is URL (compared in canonical form): its number, time\n"
       "(RFC 3339), origin (feed, or page when the article's own page gave it), size in characters of\n"
       "text, what changed from the one before (first, title, content or both) and its title, with which\n"
       "version the post shows ([archive] update) and the Wayback Machine snapshot when one is recorded.\n"
       "Under a version, the enclosures it listed: \"enclosures until TIME\" for a list an update or\n"
       "reprocess replaced, \"enclosures now\" for the item's current list (an unchanged list is shown once,\n"
       "under the version it reached).\n"
       "An edit of the title or content makes a version; nothing is dropped, whichever version the post\n"
       "shows. --json prints one object per version per line: url, version, time, origin, size,\n"
       "title_size, changed, shown, title, snapshot_url (null when none), enclosure_lists (each {replaced:\n"
       "time, or null for the current list; enclosures: [{url, type, length or null}]}).\n"
       "--diff A B shows what changed from version A to version B, word by word (Chinese, Japanese and\n"
       "Korean character by character): [-removed-] and {+added+}, in colour on a terminal, long unchanged\n"
       "stretches shortened; with --json one object per field (title, then content) per line: url, from,\n"
       "to, field, pieces (each {op: same, removed or added, text}, whole).\n"
       "Exit status: 0 shown, 2 bad options, no entry with that URL or no such version, 3 store unusable.",
       {config_option,
        json_option,
        {"--diff", "", "A B", "show what changed from version A to version B"},
        {"URL", "", "", "the entry's link"},
        help_option},
       run_history},
      {"sources", "each source's health: state, last success and error, next poll, counts",
       "One row per source (configured ones in config order, then those only the store remembers): name,\n"
       "state (ok, failing, gone, disabled; new when never polled, removed when no longer configured),\n"
       "last success, failures in a row, next poll, entries stored and posts written (fewer than entries\n"
       "while some are pending); below it the URL polled (after permanent redirects; with urls, the mirror\n"
       "in use; credentials shown as ***) and the last error with its message. Removed and disabled\n"
       "sources have no next poll; under state ok no last error is shown (a success cleared it).\n"
       "The table fits the terminal and gives times relative to now (5m ago, in 10m);\n"
       "--json prints an array for scripts with the keys name, url, state, last_success, last_error,\n"
       "last_error_at, consecutive_failures, next_poll, entries and posts (times RFC 3339, UTC).\n"
       "While `feedd run` is up, NEXT POLL comes from its live schedule, a source being polled shows\n"
       "\"polling\", and each JSON object also has \"polling\" (true or false).",
       {config_option,
        json_option,
        {"--now", "", "RFC3339", "show times relative to this instant instead of now"},
        help_option},
       run_archive_command<command_sources>},
      {"stats", "totals, and entries per day for the last 30 days",
       "Prints the store's totals (sources, entries, pending posts, fetches and failed fetches, oldest and\n"
       "newest post) and how many entries are dated each of the last 30 days (UTC, by post date).\n"
       "--json prints one object: database, database_bytes, sources, entries, posts_pending, fetches,\n"
       "failed_fetches, oldest_post, newest_post and days (an array of {date, entries}).",
       {config_option,
        {"--now", "", "RFC3339", "count the 30 days up to this instant instead of today"},
        json_option, help_option},
       run_archive_command<command_stats>},
      {"rebuild", "write every post again from the store",
       "Renders each entry's post from its row exactly as ingestion does and writes those that are missing\n"
       "or differ, so a deleted posts folder comes back byte for byte. .md files no row points to are\n"
       "listed as stray, never deleted. A progress bar on a terminal, plain lines otherwise. With `feedd run`\n"
       "up on the store, the daemon does the work, a page of rows at a time between its polls' writes, and\n"
       "this command shows its progress and result; otherwise it runs here, holding the store's lock.\n"
       "Posts adopted with import-posts keep their bytes; with --rewrite-imported they are written in\n"
       "feedd's format and from then on are feedd's posts.\n"
       "Exit status: 0 done, 1 some posts could not be written (each is named), 2 bad options or config,\n"
       "3 store or posts folder unusable, 4 the store is held by a feedd that does not answer (a `feedd\n"
       "once`), or the daemon stopped before the work was done.",
       {config_option, source_option,
        {"--rewrite-imported", "", "", "also rewrite imported posts in feedd's format"}, help_option},
       run_archive_command<command_rebuild>},
      {"reprocess", "apply the current content settings and parser to stored entries",
       "Parses each entry's raw item (kept as it was received) again and normalises it with its source's\n"
       "current settings (content, remove, timezone), then rewrites the posts whose bytes change and says\n"
       "how many did. An entry keeps its identity, link, dates and post file. Entries stored without a\n"
       "raw item (before schema 2) and those of sources no longer configured are skipped and counted.\n"
       "Progress display, and the running daemon doing the work (with the config it has loaded: reload it\n"
       "after an edit), as for rebuild.\n"
       "Exit status: 0 done, 1 some entries failed (each is named), 2, 3, 4 as for rebuild.",
       {config_option, source_option, help_option},
       run_archive_command<command_reprocess>},
      {"import-opml", "print [[sources]] TOML for the feeds in an OPML file",
       "Reads an OPML subscription list, as feed readers export it, and prints a [[sources]] table for each\n"
       "feed: name from the outline's title (else its text), the folders around it as categories, tags\n"
       "from its category attribute. URLs already configured (compared in canonical form) and URLs that\n"
       "are not http(s) are skipped and listed in comments; names are made unique. Nothing is written:\n"
       "read the output, then append it:  feedd import-opml FILE >> /etc/feedd/feedd.toml",
       {config_option, {"FILE", "", "", "the OPML file"}, help_option},
       run_archive_command<command_import_opml>},
      {"export-opml", "print the configured sources as OPML 2.0",
       "Writes every configured source as an OPML 2.0 outline for another reader: categories become\n"
       "nested folders, tags the category attribute. feedd's other source settings travel as attributes\n"
       "in the namespace urn:feedd:opml:1 (every key as its TOML value), so import-opml reads it back to\n"
       "the same sources. URLs are written as configured, credentials in them included, so the list still\n"
       "works elsewhere; cookie, headers and a proxy with a login are never written (they may hold\n"
       "secrets), nor secrets kept in password_file or token_file (their paths are).",
       {config_option, help_option},
       run_archive_command<command_export_opml>},
      {"forget", "remove one entry: row, search index entry and post (for takedowns)",
       "Finds the entry by its URL (compared in canonical form, so tracking parameters do not matter) and\n"
       "deletes its row, its search index entries and its post file, and remembers it as forgotten: a feed\n"
       "that still carries the entry does not bring it back. 'feedd forgotten' lists what is remembered;\n"
       "--undo URL takes an entry off that list, and the next poll of a feed carrying it stores it again\n"
       "(every source's next poll is then a full fetch, without ETag or Last-Modified). With `feedd run`\n"
       "up, the daemon removes the entry between two of its writes, so a poll running at the same moment\n"
       "can neither keep nor rewrite it; --undo always runs here, under the store's lock (stop `feedd run`).\n"
       "Exit status: 0 removed (or restored), 2 no entry has that URL (or it is not forgotten), 3 store\n"
       "unusable, 4 as for rebuild (or, with --undo, feedd is running).",
       {config_option, {"--undo", "", "", "let a forgotten entry be stored again"},
        {"URL", "", "", "the entry's link"}, help_option},
       run_archive_command<command_forget>},
      {"forgotten", "list the entries removed with forget, which polls do not store again",
       "One line per forgotten entry, newest first: when it was forgotten and its link. --json prints an\n"
       "array of objects with url, identity (what feedd compares: canonical link, else guid or a hash) and\n"
       "forgotten_at (RFC 3339). 'feedd forget --undo URL' lets one be stored again.",
       {config_option, json_option, help_option},
       run_archive_command<command_forgotten>},
      {"removed", "list the entries whose pages were found removed (watch)",
       "Lists the entries that removal watching ([archive] watch, or a source's watch) found gone from\n"
       "their sites, newest first: when, the source, the URL, and the evidence (a 404 or 410, a redirect to\n"
       "the front page or another page, or article text that shrank or became a removal notice), with the\n"
       "HTTP status, the URL the fetch ended at, the article text's length before and after, and the\n"
       "Wayback Machine copy when archive_org made one. An entry that only dropped out of its feed while\n"
       "older entries remain is listed as a weak sign (strength feed; page for the page's evidence).\n"
       "Posts of removed entries are kept. --json prints one object per line: removed_at, strength,\n"
       "source, url, title, post, evidence, http_status, final_url,\n"
       "chars_before, chars_after, snapshot (null when none).\n"
       "Exit status: 0 listed (also when there are none), 2 bad option or config, 3 no store.",
       {config_option,
        {"--since", "", "DATE", "removals noticed on or after DATE (2026-12-01, UTC, or an RFC 3339 instant)"},
        json_option, help_option},
       run_removed},
      {"import-posts", "adopt the posts an existing archive holds, without changing them",
       "Reads every post in DIR, which must be the configured storage.posts_dir, as the old script wrote\n"
       "them (front matter title, date, author, from, tags, categories; the <!--T--> comment; the link\n"
       "line) and records each as an entry whose row points at the file. No file is written, ever:\n"
       "polls that carry the article again write nothing, rebuild leaves the file as it is, and search,\n"
       "forget, rebuild --source and check --store cover it like any post. The URL comes from from:\n"
       "(else the link line), the time from the comment (else date:), the source from author: (else the\n"
       "first category) unless --source is given. Broken front matter (quotes inside quoted titles,\n"
       "unquoted colons, titles broken over lines) is read where title, URL and time can be recovered;\n"
       "other files are listed with the reason and left alone. A post whose URL another post already\n"
       "has is listed as a duplicate and kept, not imported. Running it again imports nothing new.\n"
       "Takes the store's lock: stop `feedd run` first.\n"
       "Exit status: 0 every post imported or already known, 1 some files were unreadable (each is\n"
       "listed), 2 bad options or config (or DIR is not posts_dir), 3 store unusable, 4 feedd is running.",
       {config_option,
        {"--source", "", "NAME", "file every post under this source instead of its author:"},
        {"DIR", "", "", "the _posts folder to adopt (the configured posts_dir)"},
        help_option},
       run_archive_command<command_import_posts>},
  };
  return table;
}

void print_main_help(std::FILE* out) {
  fmt::print(out,
             "feedd {} - {}\n\n"
             "Usage: feedd <command> [options]\n\nCommands:\n",
             FEEDD_VERSION, program_summary);
  for (const auto& command : commands()) fmt::print(out, "  {:<12} {}\n", command.name, command.summary);
  for (const auto& builtin : builtin_commands) fmt::print(out, "  {:<12} {}\n", builtin.name, builtin.summary);
  fmt::print(out, "\nRun 'feedd <command> --help' for a command's options.\n");
}

void print_command_help(const CommandSpec& command, std::FILE* out) {
  std::string operands;
  for (const auto& option : command.options) {
    if (!option.name.starts_with('-')) operands += fmt::format(" {}", option.name);
  }
  fmt::print(out, "Usage: feedd {} [options]{}\n\n{}\n\nOptions:\n", command.name, operands, command.description);
  for (const auto& option : command.options) {
    std::string left = option.short_name.empty() ? fmt::format("    {}", option.name)
                                                 : fmt::format("{}, {}", option.short_name, option.name);
    if (!option.value_name.empty()) left += fmt::format(" {}", option.value_name);
    fmt::print(out, "  {:<22} {}\n", left, option.help);
  }
}

const OptionSpec* find_option(const CommandSpec& command, std::string_view word) {
  for (const auto& option : command.options) {
    if (word == option.name || (!option.short_name.empty() && word == option.short_name)) return &option;
  }
  return nullptr;
}

// An option spec whose name is no option ("FILE...") says the command takes
// operands.
bool accepts_operands(const CommandSpec& command) {
  for (const auto& option : command.options) {
    if (!option.name.starts_with('-')) return true;
  }
  return false;
}

// Accepts "--name value", "--name=value" and "-n value", and operands where
// the command takes them.
std::optional<ParsedArgs> parse_options(const CommandSpec& command, std::span<char*> words) {
  ParsedArgs args;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view word = words[i];
    std::optional<std::string> inline_value;
    if (auto equals = word.find('='); word.starts_with("--") && equals != std::string_view::npos) {
      inline_value = std::string(word.substr(equals + 1));
      word = word.substr(0, equals);
    }
    // "--" ends the options, so an operand may start with '-' (feedd search -- -sport).
    if (word == "--" && accepts_operands(command)) {
      for (++i; i < words.size(); ++i) args.operands.emplace_back(words[i]);
      break;
    }
    if (!word.starts_with('-') && accepts_operands(command)) {
      args.operands.emplace_back(words[i]);
      continue;
    }
    const OptionSpec* option = find_option(command, word);
    if (option == nullptr) {
      fmt::print(stderr, "feedd {}: unknown option or argument \"{}\"; see 'feedd {} --help'\n", command.name,
                 words[i], command.name);
      return std::nullopt;
    }
    if (option->value_name.empty()) {
      args.values[option->name] = "";
    } else if (inline_value) {
      args.values[option->name] = *inline_value;
    } else if (i + 1 < words.size()) {
      args.values[option->name] = words[++i];
    } else {
      fmt::print(stderr, "feedd {}: {} needs a value ({})\n", command.name, option->name, option->value_name);
      return std::nullopt;
    }
  }
  return args;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& command : commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

int help_for(std::span<char*> rest) {
  if (rest.empty()) {
    print_main_help(stdout);
    return exit_ok;
  }
  if (const auto* command = find_command(rest[0])) {
    print_command_help(*command, stdout);
    return exit_ok;
  }
  fmt::print(stderr, "feedd help: unknown command \"{}\"\n", rest[0]);
  return exit_usage;
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::span<char*> words(argv + 1, static_cast<std::size_t>(std::max(argc - 1, 0)));
  if (words.empty()) {
    print_main_help(stderr);
    return exit_usage;
  }
  const std::string_view name = words[0];
  // Hidden, run by the build: feedd(1), feedd.toml(5) and the bash completion, from the tables.
  if (words.size() == 2 && (name == "help" || name == "completion")) {
    const std::string_view what = words[1];
    std::optional<std::string> generated;
    if (name == "help" && what == "--man") generated = program_man_page(commands());
    if (name == "help" && what == "--man-config") generated = config_man_page();
    if (name == "completion" && what == "bash") generated = bash_completion(commands());
    if (generated) {
      fmt::print("{}", *generated);
      return exit_ok;
    }
  }
  if (name == "--help" || name == "-h" || name == "help") return help_for(words.subspan(1));
  if (name == "--version" || name == "version") {
    fmt::print("feedd {}\n", FEEDD_VERSION);
    return exit_ok;
  }
  const CommandSpec* command = find_command(name);
  if (command == nullptr) {
    fmt::print(stderr, "feedd: unknown command \"{}\"\n\n", name);
    print_main_help(stderr);
    return exit_usage;
  }
  const auto args = parse_options(*command, words.subspan(1));
  if (!args) return exit_usage;
  if (args->has("--help")) {
    print_command_help(*command, stdout);
    return exit_ok;
  }
  return command->run(*args);
}

}  // namespace feedd
