#include "fetchers/feed/dates.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dates = feedd::dates;
using feedd::UnixMillis;

namespace {

const std::string kConformanceDir = FEEDD_SOURCE_DIR "/tests/data/conformance/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Case {
  std::string input;
  std::string expected;  // as format_rfc3339 writes it
};

// Each case names its input, so a failure says which shape broke.
void check_reads(std::initializer_list<Case> cases, const std::string& default_timezone = "UTC") {
  for (const Case& c : cases) {
    INFO("input: \"" << c.input << "\" in " << default_timezone);
    const auto got = dates::parse(c.input, default_timezone);
    REQUIRE(got.has_value());
    CHECK(dates::format_rfc3339(*got) == c.expected);
  }
}

void check_rejects(std::initializer_list<std::string> inputs, const std::string& default_timezone = "UTC") {
  for (const std::string& input : inputs) {
    INFO("input: \"" << input << "\"");
    const auto got = dates::parse(input, default_timezone);
    CHECK_MESSAGE(!got.has_value(), "read as " << dates::format_rfc3339(got.value_or(0)));
  }
}

// feedparser keeps whole seconds, so its instants are compared at that grain.
UnixMillis floor_to_second(UnixMillis t) { return t - ((t % 1000) + 1000) % 1000; }

}  // namespace

TEST_CASE("Reads at least 62 of feedparser's 65 date cases, failing only the documented ones") {
  const auto conformance = nlohmann::json::parse(read_file(kConformanceDir + "dates.json"));
  const std::string known_failures = read_file(kConformanceDir + "dates-known-failures.md");
  const auto& cases = conformance.at("cases");
  REQUIRE(cases.size() == 65);

  int passed = 0;
  for (const auto& c : cases) {
    const auto input = c.at("input").get<std::string>();
    std::optional<UnixMillis> got;
    CHECK_NOTHROW(got = dates::parse(input));
    bool ok = false;
    if (c.at("expected").is_null()) {
      ok = !got.has_value();
    } else {
      const auto expected = dates::parse_rfc3339(c.at("expected").get<std::string>());
      REQUIRE_MESSAGE(expected.has_value(), "conformance file has an unreadable instant for " << input);
      ok = got.has_value() && floor_to_second(*got) == *expected;
    }
    if (ok) {
      ++passed;
    } else {
      MESSAGE("fails \"" << input << "\" (" << c.at("style").get<std::string>() << "): expected "
                         << c.at("expected").dump() << ", got "
                         << (got ? dates::format_rfc3339(*got) : std::string("nothing")));
      CHECK_MESSAGE(known_failures.find("`" + input + "`") != std::string::npos,
                    "an undocumented conformance failure: " << input);
    }
  }
  MESSAGE("feedparser date conformance: " << passed << " of " << cases.size() << " pass");
  CHECK(passed >= 62);
}

TEST_CASE("Reads RFC 822 dates and their common breakages") {
  check_reads({
      {"Sat, 17 Apr 2021 02:56:39 GMT", "2021-04-17T02:56:39Z"},
      {"17 Apr 2021 02:56:39 GMT", "2021-04-17T02:56:39Z"},        // no weekday
      {"Sat, 17 Apr 2021 02:56 GMT", "2021-04-17T02:56:00Z"},      // no seconds
      {"Sat, 17 Apr 21 02:56:39 GMT", "2021-04-17T02:56:39Z"},     // two-digit years
      {"Sat, 17 Apr 49 02:56:39 GMT", "2049-04-17T02:56:39Z"},
      {"Sat, 17 Apr 50 02:56:39 GMT", "1950-04-17T02:56:39Z"},
      {"Sat, 17 Apr 99 02:56:39 GMT", "1999-04-17T02:56:39Z"},
      {"Wed, 7 Apr 2021 02:56:39 GMT", "2021-04-07T02:56:39Z"},    // one-digit day
      {"SAT, 17 APR 2021 02:56:39 gmt", "2021-04-17T02:56:39Z"},   // any case
      {"Saturday, 17 April 2021 02:56:39 GMT", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 10:56:39 GMT+8", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 10:56:39 GMT+08:00", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 10:56:39 +0800", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 10:56:39 +08:00", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 02:56:39 -0000", "2021-04-17T02:56:39Z"},
      {"Fri, 16 Apr 2021 19:56:39 -0700 (PDT)", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 02:56:39", "2021-04-17T02:56:39Z"},       // no zone: the default, UTC
      {"Sat, 17 Apr 2021 02:56:39 GMT.", "2021-04-17T02:56:39Z"},  // trailing junk
      {"  Sat, 17 Apr 2021 02:56:39 GMT\n", "2021-04-17T02:56:39Z"},
      {"Sat, 17 Apr 2021 02:56:39.250 GMT", "2021-04-17T02:56:39.250Z"},
      {"Saturday, 17-Apr-21 02:56:39 GMT", "2021-04-17T02:56:39Z"},  // RFC 850
      {"Sat, 17 Apr 2021 2:56:39 PM GMT", "2021-04-17T14:56:39Z"},
      {"Sat, 17 Apr 2021 12:56:39 AM GMT", "2021-04-17T00:56:39Z"},
  });
}

TEST_CASE("Reads RFC 3339, ISO 8601 and W3DTF dates") {
  check_reads({
      {"2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
      {"2003-12-31T10:14:55.1Z", "2003-12-31T10:14:55.100Z"},  // fractions of any length
      {"2003-12-31T10:14:55.12Z", "2003-12-31T10:14:55.120Z"},
      {"2003-12-31T10:14:55.123Z", "2003-12-31T10:14:55.123Z"},
      {"2003-12-31T10:14:55.123999999Z", "2003-12-31T10:14:55.123Z"},  // truncated, not rounded
      {"2003-12-31T11:14:55+01:00", "2003-12-31T10:14:55Z"},
      {"2003-12-31T11:14:55+0100", "2003-12-31T10:14:55Z"},
      {"2003-12-31T09:14:55-01", "2003-12-31T10:14:55Z"},
      {"2003", "2003-01-01T00:00:00Z"},  // reduced precision
      {"2003-12", "2003-12-01T00:00:00Z"},
      {"2003-12-31", "2003-12-31T00:00:00Z"},
      {"2003-12-31T10:14Z", "2003-12-31T10:14:00Z"},
      {"2003-12-31T10", "2003-12-31T10:00:00Z"},
      {"20031231T101455Z", "2003-12-31T10:14:55Z"},  // compact
      {"20031231", "2003-12-31T00:00:00Z"},
      {"2003-335", "2003-12-01T00:00:00Z"},  // ordinal
      {"2003335", "2003-12-01T00:00:00Z"},
      {"2003-12-31 10:14:55", "2003-12-31T10:14:55Z"},  // space instead of T
      {"2003-12-31 10:14:55 +01:00", "2003-12-31T09:14:55Z"},
      {"2003-12-31 10:14:55 UTC", "2003-12-31T10:14:55Z"},
      {"2003-12-31t10:14:55z", "2003-12-31T10:14:55Z"},
  });
}

TEST_CASE("Reads asctime and JavaScript dates") {
  check_reads({
      {"Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z"},
      {"Sun Jan 4 16:29:06 2004", "2004-01-04T16:29:06Z"},
      {"Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z"},
      {"Thu Aug 30 2012 17:26:16 GMT+0800 (China Standard Time)", "2012-08-30T09:26:16Z"},
  });
}

TEST_CASE("Reads US zone names with their US meanings") {
  check_reads({
      {"Mon, 05 Jan 2004 12:00:00 UT", "2004-01-05T12:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 UTC", "2004-01-05T12:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 Z", "2004-01-05T12:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 EST", "2004-01-05T17:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 EDT", "2004-01-05T16:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 CST", "2004-01-05T18:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 CDT", "2004-01-05T17:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 MST", "2004-01-05T19:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 MDT", "2004-01-05T18:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 PST", "2004-01-05T20:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 PDT", "2004-01-05T19:00:00Z"},
  });
}

TEST_CASE("Reads RFC 822's military zone letters with RFC 822's signs") {
  check_reads({
      {"Mon, 05 Jan 2004 12:00:00 A", "2004-01-05T13:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 M", "2004-01-06T00:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 N", "2004-01-05T11:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 Y", "2004-01-05T00:00:00Z"},
      {"Mon, 05 Jan 2004 12:00:00 z", "2004-01-05T12:00:00Z"},
  });
  check_rejects({"Mon, 05 Jan 2004 12:00:00 J"});
}

TEST_CASE("Reads a time without a zone in the default timezone") {
  check_reads(
      {
          {"2021-04-17 10:56:39", "2021-04-17T02:56:39Z"},
          {"2021-04-17T10:56:39", "2021-04-17T02:56:39Z"},
          {"Sat, 17 Apr 2021 10:56:39", "2021-04-17T02:56:39Z"},
          {"2021-04-17", "2021-04-16T16:00:00Z"},
          {"Sat, 17 Apr 2021 02:56:39 GMT", "2021-04-17T02:56:39Z"},  // a written zone wins
          {"2021-04-17T02:56:39+00:00", "2021-04-17T02:56:39Z"},
      },
      "Asia/Shanghai");
}

TEST_CASE("Reads CST in the default timezone, or as US Central when that is UTC") {
  check_reads({{"Sat, 17 Apr 2021 10:56:39 CST", "2021-04-17T02:56:39Z"}}, "Asia/Shanghai");
  check_reads({{"Sat, 17 Apr 2021 10:56:39 CST", "2021-04-17T16:56:39Z"}}, "UTC");
  check_reads({{"Sat, 17 Apr 2021 10:56:39 CST", "2021-04-17T16:56:39Z"}}, "Etc/UTC");
  check_reads({{"Sat, 17 Apr 2021 10:56:39 CST", "2021-04-17T16:56:39Z"}}, "");
  check_reads({{"Sat, 17 Apr 2021 10:56:39 CST", "2021-04-17T16:56:39Z"}}, "Mars/Olympus_Mons");
}

TEST_CASE("Falls back to UTC for an unknown default timezone") {
  check_reads({{"2021-04-17 10:56:39", "2021-04-17T10:56:39Z"}}, "Mars/Olympus_Mons");
  check_reads({{"2021-04-17 10:56:39", "2021-04-17T10:56:39Z"}}, "not a zone at all");
}

TEST_CASE("Reads a local time that DST skips as the change, and a repeated one as the earlier") {
  check_reads(
      {
          {"2021-03-14 02:30:00", "2021-03-14T07:00:00Z"},
          {"2021-11-07 01:30:00", "2021-11-07T05:30:00Z"},
          {"2021-07-01 12:00:00", "2021-07-01T16:00:00Z"},
      },
      "America/New_York");
}

TEST_CASE("Reads IANA zone names written in the date, and rejects unknown ones") {
  check_reads({{"Wed, 19 Aug 2009 18:28:00 Asia/Shanghai", "2009-08-19T10:28:00Z"},
               {"Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19T18:28:00Z"}});
  check_rejects({"Wed, 19 Aug 2009 18:28:00 Nowhere/Special", "Wed, 19 Aug 2009 18:28:00 XYZ"});
}

TEST_CASE("Rejects impossible dates instead of normalising them") {
  check_rejects({
      "Tue, 31 Feb 2004 10:00:00 GMT",
      "Mon, 30 Feb 2004 10:00:00 GMT",
      "2004-02-30",
      "2004-04-31T10:00:00Z",
      "2004-13-01",
      "2004-00-10",
      "2004-01-00",
      "2004-01-01T25:00:00Z",
      "2004-01-01T24:00:00Z",
      "2004-01-01T10:60:00Z",
      "2004-01-01T10:00:61Z",
      "Thu, 01 Jan 2004 25:00:00 GMT",
      "Thu, 01 Jan 2004 10:60:00 GMT",
      "Thu, 32 Jan 2004 10:00:00 GMT",
      "Thu, 00 Jan 2004 10:00:00 GMT",
      "2004-01-01T10:00:00+24:00",
      "2003-000",
      "2003-366",
      "Sat, 17 Apr 2021 13:56:39 PM GMT",
  });
}

TEST_CASE("Rejects instants outside the years RFC 3339 can write") {
  check_reads({{"0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"}, {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"}});
  check_rejects({"0000-01-01T00:00:00+01:00", "9999-12-31T23:00:00-01:00", "10000-01-01"});
}

TEST_CASE("Knows which years are leap years") {
  check_reads({
      {"2000-02-29", "2000-02-29T00:00:00Z"},
      {"Sun, 29 Feb 2004 00:00:00 GMT", "2004-02-29T00:00:00Z"},
      {"2004-366", "2004-12-31T00:00:00Z"},
  });
  check_rejects({"1900-02-29", "2003-02-29", "2100-02-29", "Sat, 29 Feb 2003 00:00:00 GMT"});
}

TEST_CASE("Reads a leap second as the second before it, only at the end of a UTC day") {
  check_reads({
      {"2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"},
      {"2017-01-01T08:59:60+09:00", "2016-12-31T23:59:59Z"},
      {"Sat, 31 Dec 2016 23:59:60 GMT", "2016-12-31T23:59:59Z"},
  });
  check_rejects({"2016-12-31T10:14:60Z", "2016-12-31T23:59:60+01:00"});
}

TEST_CASE("Reads Korean dates in the default timezone, and Greek and Hungarian month names") {
  check_reads(
      {
          {"2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z"},
          {"2004-05-25 오전 11:23:17", "2004-05-25T02:23:17Z"},
          {"2004년 05월 28일  01:31:15", "2004-05-27T16:31:15Z"},
      },
      "Asia/Seoul");
  check_reads({
      {"Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"},
      {"ΚΥΡ, 11 ΙΟΥΛ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"},
      {"2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z"},
      {"13 Május 2004", "2004-05-13T00:00:00Z"},
  });
}

TEST_CASE("Rejects garbage, empty and huge input without throwing") {
  check_rejects({
      "",
      " ",
      "\n\t",
      "garbage",
      "now",
      "yesterday",
      "0",
      "1618628200",
      "99999999999999999999999999",
      "2003-12-31T",
      "2003-12-31T10:14:55+",
      "2003-12-31T10:14:55.Z",
      "Sat, 17 Apr 2021 02:56:39 GMT GMT",
      "Sat, 17 Apr Apr 2021 02:56:39 GMT",
      "Sat, 17 Apr 2021 02:56:39 (GMT",
      "17/04/2021",
      "04/17/2021",
      "Apr 2021",
      std::string("2003-12-31\0T10:14:55Z", 21),
      std::string(1 << 20, '9'),
      std::string(1 << 20, ' '),
      "Sat, 17 Apr 2021 02:56:39 GMT" + std::string(300, '.'),
  });

  // A cheap stand-in for the fuzzer: every prefix and every one-byte change
  // of the conformance inputs, then random bytes. Only "does not throw" is
  // checked, once, so the loop stays fast.
  const auto conformance = nlohmann::json::parse(read_file(kConformanceDir + "dates.json"));
  std::vector<std::string> inputs;
  for (const auto& c : conformance.at("cases")) {
    const auto input = c.at("input").get<std::string>();
    for (std::size_t i = 0; i <= input.size(); ++i) {
      inputs.push_back(input.substr(0, i));
      for (const char replacement : {'\0', '9', ':', '-', '+', 'T', ' ', '\xff', '('}) {
        if (i == input.size()) break;
        std::string mutated = input;
        mutated[i] = replacement;
        inputs.push_back(mutated);
      }
    }
  }
  const std::string_view alphabet = "0123456789:-+.,TZ /()AMPGESTJanFebX\xce\xeb";
  std::uint32_t state = 12345;
  for (int n = 0; n < 5000; ++n) {
    std::string random(state % 40, ' ');
    for (char& byte : random) {
      state = state * 1664525u + 1013904223u;
      byte = alphabet[(state >> 16) % alphabet.size()];
    }
    inputs.push_back(random);
  }
  int throws = 0;
  for (const std::string& input : inputs) {
    try {
      (void)dates::parse(input, "Asia/Shanghai");
      (void)dates::parse_rfc3339(input);
    } catch (...) {
      ++throws;
    }
  }
  CHECK(throws == 0);
}

TEST_CASE("Formats instants as RFC 3339 with milliseconds only when there are some") {
  CHECK(dates::format_rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(dates::format_rfc3339(1618628200000) == "2021-04-17T02:56:40Z");
  CHECK(dates::format_rfc3339(1618628200156) == "2021-04-17T02:56:40.156Z");
  CHECK(dates::format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(dates::format_rfc3339(-62167219200000) == "0000-01-01T00:00:00Z");
  CHECK(dates::format_rfc3339(253402300799999) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("Formats instants beyond four-digit years as the nearest one it can write") {
  CHECK(dates::format_rfc3339(INT64_MIN) == "0000-01-01T00:00:00Z");
  CHECK(dates::format_rfc3339(INT64_MAX) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("parse_rfc3339 reads what format_rfc3339 writes") {
  for (const UnixMillis t : {UnixMillis{0}, UnixMillis{1}, UnixMillis{-1}, UnixMillis{1618628200156},
                             UnixMillis{1072865695000}, UnixMillis{-62167219200000},
                             UnixMillis{253402300799999}, UnixMillis{951782400000}}) {
    INFO("t = " << t);
    CHECK(dates::parse_rfc3339(dates::format_rfc3339(t)) == t);
  }
}

TEST_CASE("parse_rfc3339 reads RFC 3339 instants and nothing else") {
  CHECK(dates::parse_rfc3339("2003-12-31T10:14:55Z") == 1072865695000);
  CHECK(dates::parse_rfc3339("2003-12-31T11:14:55.5+01:00") == 1072865695500);
  CHECK(dates::parse_rfc3339("2003-12-31T10:14:55.123456Z") == 1072865695123);
  CHECK(dates::parse_rfc3339("1969-12-31T23:59:59Z") == -1000);
  CHECK_FALSE(dates::parse_rfc3339("2003-12-31").has_value());
  CHECK_FALSE(dates::parse_rfc3339("2003-12-31T10:14:55").has_value());
  CHECK_FALSE(dates::parse_rfc3339("2003-12-31 10:14:55Z").has_value());
  CHECK_FALSE(dates::parse_rfc3339("2003-12-31T10:14:55+0100").has_value());
  CHECK_FALSE(dates::parse_rfc3339("2003-12-31T10:14Z").has_value());
  CHECK_FALSE(dates::parse_rfc3339(" 2003-12-31T10:14:55Z").has_value());
  CHECK_FALSE(dates::parse_rfc3339("2003-02-30T10:14:55Z").has_value());
  CHECK_FALSE(dates::parse_rfc3339("Wed, 31 Dec 2003 10:14:55 GMT").has_value());
  CHECK_FALSE(dates::parse_rfc3339("").has_value());
}

TEST_CASE("Gives the same answers from many threads at once") {
  const std::vector<std::string> inputs = {"Sat, 17 Apr 2021 10:56:39 CST", "2021-04-17 10:56:39",
                                           "Sun Jan  4 16:29:06 2004", "2003-12-31T10:14:55.123Z"};
  std::vector<std::optional<UnixMillis>> expected;
  for (const auto& input : inputs) expected.push_back(dates::parse(input, "Asia/Shanghai"));

  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 2000; ++n) {
        const std::size_t i = static_cast<std::size_t>(n) % inputs.size();
        if (dates::parse(inputs[i], "Asia/Shanghai") != expected[i]) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int count : mismatches) CHECK(count == 0);
}
