// The reference for every config key: one table from which the loader takes
// the keys it accepts, feedd.toml(5) is written and the round-trip test in
// tests/config/config_reference_test.cpp loads an example of each. A key missing here
// is refused as unknown; a key listed here but read wrongly fails that test.
//
// Adding a key: add a row here (with a valid example), read it in config.cpp,
// and add its accessor to the test.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace feedd::config {

// How a value is written; the loader's Reader has one function per kind.
enum class ValueKind {
  string,
  path,        // a string; relative paths resolve against the config file's folder
  integer,
  boolean,
  duration,    // "90s", "1h30m", ...
  size,        // "16MiB" or a number of bytes
  strings,     // an array of strings
  string_table,  // an inline table of strings: { Name = "value", ... }
  choice,      // one of a few strings, named in the description
  time_zone,   // an IANA zone name
  fraction,    // a number from 0 to 1
  full_text,   // "auto", "off" or an inline table { selector = "...", remove = [...] }
  table,       // an inline table of named strings, its keys in the description
};

// "integer", "duration", ... as feedd.toml(5) names the kind.
std::string_view kind_name(ValueKind kind);

struct SectionSpec {
  std::string_view name;          // "fetch": the [fetch] table
  bool array_of_tables;           // true for [[sources]]
  std::string_view description;   // prose for the man page
};

struct KeySpec {
  std::string_view section;        // a SectionSpec name
  std::string_view key;            // "concurrency"
  ValueKind kind;
  bool required;
  // The default as it would be written in TOML ("16", "\"60s\"") when it is a
  // plain value; otherwise prose ("[name]", "the [schedule] interval").
  // Empty for a required key.
  std::string_view default_value;
  std::string_view example;        // a valid TOML value, different from the default
  std::string_view description;    // one paragraph, plain text
};

// Every section, in the order the file usually has them.
std::span<const SectionSpec> config_sections();

// Every key, grouped by section in section order.
std::span<const KeySpec> config_keys();

// The keys [section] accepts, in table order. REQUIRES: `section` names a
// row of config_sections(); anything else is a programming error and throws
// std::logic_error.
std::vector<std::string_view> keys_of(std::string_view section);

// The top-level keys: the section names.
std::vector<std::string_view> section_names();

}  // namespace feedd::config
