#include "daemon/cli/man_page.h"

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include <fmt/format.h>

#include "config/reference.h"
#include "daemon/runtime/exit_status.h"

namespace feedd {
namespace {

bool is_option_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '=';
}

// Where an option may start: "-c", "(--json)", "`--now`", "[--base URL]".
bool starts_word(std::string_view before) {
  if (before.empty()) return true;
  char c = before.back();
  return c == ' ' || c == '\n' || c == '(' || c == '[' || c == '`' || c == '"' || c == '\'' || c == '|' || c == '/';
}

// The code point of the UTF-8 sequence at `text[i]`; advances `i` past it. A
// malformed byte comes out as U+FFFD.
std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
  auto byte = static_cast<unsigned char>(text[i++]);
  int extra = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : byte >= 0xc0 ? 1 : -1;
  if (extra < 0) return 0xfffd;
  std::uint32_t code = byte & (0x3f >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) return 0xfffd;
    code = (code << 6) | (static_cast<unsigned char>(text[i++]) & 0x3f);
  }
  return code;
}

std::string escape_line(std::string_view line) {
  std::string out;
  if (line.starts_with('.') || line.starts_with('\'')) out += "\\&";
  bool in_option = false;
  bool in_code = false;
  for (std::size_t i = 0; i < line.size();) {
    char c = line[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      out += fmt::format("\\[u{:04X}]", next_code_point(line, i));
      in_option = false;
      continue;
    }
    if (c == '-' && (in_option || starts_word(line.substr(0, i)))) {
      in_option = true;
      out += "\\-";
    } else if (c == '\\') {
      out += "\\e";
    } else if (c == '`') {
      out += in_code ? "\\fR" : "\\fB";
      in_code = !in_code;
    } else {
      out += c;
    }
    in_option = in_option && is_option_char(c);
    ++i;
  }
  if (in_code) out += "\\fR";
  return out;
}

// ".TH" date: SOURCE_DATE_EPOCH when the build sets it (reproducible
// packages), else empty rather than the day the page happened to be built.
std::string page_date() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return "";
  char* end = nullptr;
  long long seconds = std::strtoll(epoch, &end, 10);
  if (*end != '\0' || seconds < 0) return "";
  auto time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

// "poll every source" -> "Poll every source.": a table summary as prose.
std::string sentence(std::string_view summary) {
  std::string out(summary);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out + ".";
}

std::string bold(std::string_view text) { return "\\fB" + roff_text(text) + "\\fR"; }
std::string italic(std::string_view text) { return "\\fI" + roff_text(text) + "\\fR"; }

bool is_operand(const OptionSpec& option) { return !option.name.starts_with('-'); }

// "[\fB--config\fR \fIFILE\fR]" for the synopsis.
std::string synopsis_item(const OptionSpec& option) {
  if (is_operand(option)) {
    std::string_view name = option.name;
    bool repeated = name.ends_with("...");
    if (repeated) name.remove_suffix(3);
    return italic(name) + (repeated ? "\\&..." : "");
  }
  std::string item = "[" + bold(option.name);
  if (!option.value_name.empty()) item += " " + italic(option.value_name);
  return item + "]";
}

// "\fB-c\fR, \fB--config\fR \fIFILE\fR" for an option's tag.
std::string option_tag(const OptionSpec& option) {
  if (is_operand(option)) return synopsis_item(option);
  std::string tag = option.short_name.empty() ? "" : bold(option.short_name) + ", ";
  tag += bold(option.name);
  if (!option.value_name.empty()) tag += " " + italic(option.value_name);
  return tag;
}

void append_header(std::string& out, std::string_view title, int section, std::string_view manual) {
  out += fmt::format(".TH {} {} \"{}\" \"feedd {}\" \"{}\"\n", title, section, page_date(), FEEDD_VERSION, manual);
  out += ".nh\n";  // no hyphenation: options and key names stay whole
}

void append_commands(std::string& out, std::span<const CommandSpec> commands) {
  out += ".SH COMMANDS\n";
  for (const auto& command : commands) {
    out += fmt::format(".SS {}\n", bold(fmt::format("feedd {}", command.name)));
    out += roff_text(sentence(command.summary)) + "\n.PP\n" + roff_text(command.description) + "\n";
    for (const auto& option : command.options) {
      out += ".TP\n" + option_tag(option) + "\n" + roff_text(option.help) + "\n";
    }
  }
  for (const auto& builtin : builtin_commands) {
    out += fmt::format(".SS {}\n", bold(fmt::format("feedd {}", builtin.name)));
    out += roff_text(sentence(builtin.summary)) + "\n";
    if (builtin.name == "help") {
      out += "With a command, its options; " + bold("feedd COMMAND --help") + " says the same.\n";
    } else if (builtin.name == "version") {
      out += "Also " + bold("feedd --version") + ".\n";
    }
  }
}

void append_synopsis(std::string& out, std::span<const CommandSpec> commands) {
  out += ".SH SYNOPSIS\n";
  for (const auto& command : commands) {
    out += ".SY feedd\n" + bold(command.name) + "\n";
    for (const auto& option : command.options) {
      if (option.name != "--help") out += synopsis_item(option) + "\n";
    }
    out += ".YS\n";
  }
  out += ".SY feedd\n" + italic("COMMAND") + "\n" + bold("--help") + "\n.YS\n";
  for (const auto& builtin : builtin_commands) {
    out += ".SY feedd\n" + bold(builtin.name) + "\n";
    if (builtin.name == "help") out += "[" + italic("COMMAND") + "]\n";
    out += ".YS\n";
  }
}

struct ExitRow {
  int status;
  std::string_view meaning;
};

constexpr ExitRow exit_rows[] = {
    {exit_ok, "Success."},
    {exit_source_failed,
     "At least one source could not be fetched or stored (the others still were); for parse, a file could not be "
     "read or parsed."},
    {exit_usage, "A bad command line or config. The unit does not restart feedd for this status."},
    {exit_store, "The database or the posts folder cannot be used."},
    {exit_already_running,
     "Another feedd holds this store's lock (for rebuild, reprocess, forget and poll: one that does not answer on "
     "the control socket, such as a running feedd once), or feedd run stopped before it had done what such a "
     "command asked."},
};

// "[fetch]", or "[[sources]]" for an array of tables.
std::string table_header(const config::SectionSpec& section) {
  return section.array_of_tables ? fmt::format("[[{}]]", section.name) : fmt::format("[{}]", section.name);
}

void append_tagged(std::string& out, std::string_view tag, std::string_view text) {
  out += ".TP\n" + std::string(tag) + "\n" + roff_text(text) + "\n";
}

}  // namespace

std::string roff_text(std::string_view text) {
  if (text.empty()) return "";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (line.starts_with(' ')) line.remove_prefix(1);  // a leading space would break the line
    if (!out.empty()) out += '\n';
    out += line.empty() ? std::string(".PP") : escape_line(line);
    start = end + 1;
  }
  return out;
}

std::string program_man_page(std::span<const CommandSpec> commands) {
  std::string out =
      ".\\\" Generated by `feedd help --man` from the command table in daemon/cli/cli.cpp; do not edit.\n";
  append_header(out, "FEEDD", 1, "User Commands");
  out += ".SH NAME\nfeedd \\- " + roff_text(program_summary) + "\n";
  append_synopsis(out, commands);
  out += ".SH DESCRIPTION\n" + roff_text(
      "feedd polls the feeds listed in its config file (RSS 0.9x and 2.0, RSS 1.0/RDF, Atom, JSON Feed, CDF, in any "
      "common charset), turns every new or updated entry into a Jekyll post with a fixed front matter, and records "
      "every entry and every fetch in a SQLite database. An entry is written once: its identity is its canonical "
      "link, else its guid, else a hash of title and content; a newer timestamp rewrites the same post in place.\n"
      "\n"
      "`feedd once` polls every source once and exits, for cron or a test; `feedd run` is the daemon, usually "
      "started by systemd as feedd.service. Each entry's row is committed first, marked pending, then its post is "
      "written atomically and the mark cleared: an interrupted run loses nothing, never leaves a post without its "
      "row, and the next pass writes the posts it left pending.\n"
      "\n"
      "`feedd import-posts` adopts a posts folder the old script wrote: each post becomes an entry whose row "
      "points at its file, which feedd never rewrites; polls that carry the same article again write nothing.\n"
      "\n"
      "The config file is described in feedd.toml(5).") + "\n";
  append_commands(out, commands);

  out += ".SH EXIT STATUS\n";
  for (const auto& row : exit_rows) append_tagged(out, bold(std::to_string(row.status)), row.meaning);

  out += ".SH FILES\n";
  append_tagged(out, bold("/etc/feedd/feedd.toml"),
                "The config when neither --config nor FEEDD_CONFIG names another; see feedd.toml(5). The "
                "package installs it as a conffile.");
  append_tagged(out, bold("/var/lib/feedd"),
                "The service's state (StateDirectory=feedd; with DynamicUser=yes really /var/lib/private/feedd): "
                "the database and the posts, as the shipped config sets them.");
  append_tagged(out, italic("DATABASE") + roff_text(".lock"),
                "Beside the database; holds the pid of the feedd that uses the store, so a second one exits "
                "with status 4.");
  append_tagged(out, italic("DATABASE") + roff_text(".sock"),
                "Beside the database; the control socket of a running feedd run (mode 0600, its own user and root "
                "only). rebuild, reprocess, forget and poll hand their work to the daemon through it, so they work "
                "while it runs, and sources reads its live schedule there. Removed when the daemon stops.");

  out += ".SH ENVIRONMENT\n";
  append_tagged(out, bold("FEEDD_CONFIG"), "The config file when --config is not given.");
  append_tagged(out, bold("NOTIFY_SOCKET"),
                "Set by systemd for Type=notify: feedd run reports READY=1 once the config is loaded and the "
                "store open, RELOADING=1 around a reload, STOPPING=1, and STATUS= lines.");
  append_tagged(out, bold("WATCHDOG_USEC"),
                "Set by systemd from WatchdogSec=: feedd run sends WATCHDOG=1 from its event loop every half of it.");
  append_tagged(out, bold("JOURNAL_STREAM"),
                "Set by systemd when standard error goes to the journal: each log line then starts with its "
                "<N> priority instead of a timestamp, and has no colour.");

  out += ".SH SIGNALS\nFor feedd run:\n";
  append_tagged(out, bold("SIGHUP"),
                "Reload the config: added sources start, removed ones stop, changed ones take their new settings, "
                "running transfers finish. An invalid config is logged and the running one kept; [storage] "
                "changes need a restart. systemctl reload feedd sends it.");
  append_tagged(out, bold("SIGTERM") + ", " + bold("SIGINT"),
                "Stop polling, give running polls [daemon] shutdown_grace to finish, commit the store and exit 0. "
                "A second signal stops at once.");

  out += ".SH SEE ALSO\n" + bold("feedd.toml") + "(5), " + bold("systemd.service") + "(5), " + bold("journalctl") +
         "(1), " + bold("jekyll") + "(1)\n";
  return out;
}

std::string config_man_page() {
  std::string out =
      ".\\\" Generated by `feedd help --man-config` from config/reference.cpp; do not edit.\n";
  append_header(out, "FEEDD.TOML", 5, "File Formats");
  out += ".SH NAME\nfeedd.toml \\- configuration of the feedd feed aggregation daemon\n";
  out += ".SH SYNOPSIS\n" + bold("/etc/feedd/feedd.toml") + "\n";
  out += ".SH DESCRIPTION\n" + roff_text(
      "feedd(1) reads one TOML file: the one named by --config, else by $FEEDD_CONFIG, else "
      "/etc/feedd/feedd.toml. Every key is checked before anything runs. An unknown key, a missing required key, "
      "a value of the wrong type or out of range, or a duplicate source name stops feedd with a message of the "
      "form FILE:LINE: KEY: PROBLEM.\n"
      "\n"
      "`feedd check --config FILE` validates a file and lists its sources. The daemon re-reads the file on SIGHUP "
      "(`systemctl reload feedd`); an invalid file is refused and the running config kept.") + "\n";

  out += ".SH VALUES\n";
  append_tagged(out, italic("duration"),
                "A string: a number and a unit, largest unit first, each at most once: \"500ms\", \"90s\", \"15m\", "
                "\"2h\", \"1d\", \"1h30m\". Units: d, h, m, s, ms. Must be longer than zero.");
  append_tagged(out, italic("size"),
                "A number of bytes, or a string with a unit: \"512KiB\", \"16MiB\", \"1GiB\" (binary) or \"10kB\", "
                "\"10MB\" (decimal); \"KB\" is refused as ambiguous. Must be greater than zero.");
  append_tagged(out, italic("path"),
                "A string. A relative path resolves against the folder the config file is in, not the working "
                "folder.");
  append_tagged(out, italic("time zone"), "An IANA time zone name such as \"UTC\" or \"Asia/Shanghai\".");

  out += ".SH KEYS\n";
  for (const auto& section : config::config_sections()) {
    out += ".SS " + bold(table_header(section)) + "\n" + roff_text(section.description) + "\n";
    for (const auto& key : config::config_keys()) {
      if (key.section != section.name) continue;
      std::string tag = bold(key.key) + " = " + italic(config::kind_name(key.kind));
      tag += key.required ? " (required)" : " (default: " + roff_text(key.default_value) + ")";
      append_tagged(out, tag, key.description);
    }
  }

  // Built from the reference's examples, which the test suite loads.
  out += ".SH EXAMPLE\nThe least a service needs:\n.PP\n.RS\n.nf\n";
  for (const auto& section : config::config_sections()) {
    bool header_written = false;
    for (const auto& key : config::config_keys()) {
      if (key.section != section.name || !(key.required || section.name == "storage")) continue;
      if (!header_written) {
        if (!out.ends_with("\n.nf\n")) out += ".sp\n";  // a blank line between tables
        out += roff_text(table_header(section)) + "\n";
        header_written = true;
      }
      out += roff_text(fmt::format("{} = {}", key.key, key.example)) + "\n";
    }
  }
  out += ".fi\n.RE\n";
  out += ".SH FILES\n";
  append_tagged(out, bold("/etc/feedd/feedd.toml"),
                "The service's config. feedd.example.toml in feedd's documentation folder "
                "(/usr/share/doc/feedd for the Debian package) is the pristine copy.");
  out += ".SH SEE ALSO\n" + bold("feedd") + "(1), " + roff_text("https://toml.io/") + "\n";
  return out;
}

}  // namespace feedd
