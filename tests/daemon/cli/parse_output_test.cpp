// The pieces `feedd parse` is built from: JSON strings written without a
// JSON tree (held to nlohmann's bytes), and work done on several threads
// but used in order.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/cli/output/in_order.h"
#include "daemon/cli/output/json_string.h"

namespace {

// What feedd parse --json wrote before it wrote JSON itself.
std::string nlohmann_dump(std::string_view text) {
  return nlohmann::ordered_json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_string(std::string_view text) {
  std::string out = "[";  // appends, never replaces what is there
  feedd::append_json_string(text, out);
  return out;
}

std::string valid_json_string(std::string_view text) {
  std::string out = "[";
  feedd::append_valid_json_string(text, out);
  return out;
}

}  // namespace

TEST_CASE("JSON strings: quotes, backslashes and controls are escaped as nlohmann escapes them") {
  CHECK(json_string("") == "[\"\"");
  CHECK(json_string("a\"b\\c/d") == "[\"a\\\"b\\\\c/d\"");
  CHECK(json_string("\b\f\n\r\t") == "[\"\\b\\f\\n\\r\\t\"");
  CHECK(json_string(std::string_view("\0\x1f\x7f", 3)) == "[\"\\u0000\\u001f\x7f\"");
  for (int c = 0; c < 0x80; ++c) {
    const std::string text(1, static_cast<char>(c));
    CAPTURE(c);
    CHECK(json_string(text) == "[" + nlohmann_dump(text));
    CHECK(valid_json_string(text) == "[" + nlohmann_dump(text));
  }
}

TEST_CASE("JSON strings: non-ASCII text is copied as it is") {
  for (const std::string_view text : {"中文", "联合早报\xC2\xA0-\xC2\xA0中国即时", "\xF0\x9F\x98\x80 emoji", "\xEF\xBF\xBD",
                                      "\xE2\x80\xA8 line separator"}) {
    CAPTURE(text);
    CHECK(json_string(text) == "[\"" + std::string(text) + "\"");
    CHECK(valid_json_string(text) == json_string(text));
  }
}

TEST_CASE("JSON strings: an escape is found at every offset of a long string") {
  for (const std::string_view special : {"\"", "\\", "\n", "\x01", "中", "\xC2\xA0"}) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string text(24, 'x');
      text.insert(at, special);
      text += "尾";
      CAPTURE(special);
      CAPTURE(at);
      CHECK(json_string(text) == "[" + nlohmann_dump(text));
      CHECK(valid_json_string(text) == "[" + nlohmann_dump(text));
    }
  }
}

TEST_CASE("JSON strings: ill-formed UTF-8 gets the U+FFFD nlohmann's replace handler gives it") {
  for (const std::string_view text : {"\xFF", "a\xE4\xB8", "\xE4\xB8z", "\xB8\xAD", "\xC0\xAF", "\xED\xA0\x80",
                                      "\xF4\x90\x80\x80", "\xF0\x9F\x98", "ok \"quoted\" then \xC3"}) {
    CAPTURE(text);
    CHECK(json_string(text) == "[" + nlohmann_dump(text));
  }
  CHECK(json_string("\xFF") == "[\"\xEF\xBF\xBD\"");
}

TEST_CASE("JSON strings: random bytes come out as nlohmann writes them") {
  std::mt19937 random(20240417);
  const std::vector<std::string> pieces = {"a", "abcdefgh", "\"", "\\", "\n", "\x1f", std::string(1, '\0'), "中",
                                           "\xC2\xA0", "\xF0\x9F\x98\x80", "\xE4", "\xB8", "\xED\xA0\x80", "\x7f"};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 20);
    for (int i = 0; i < length; ++i) {
      text += random() % 10 == 0 ? std::string(1, static_cast<char>(random() % 256)) : pieces[random() % pieces.size()];
    }
    CAPTURE(text);
    REQUIRE(json_string(text) == "[" + nlohmann_dump(text));
  }
}

TEST_CASE("run_in_order consumes every result once, in order, within the window") {
  for (const unsigned threads : {1U, 2U, 4U}) {
    constexpr std::size_t count = 200;
    constexpr std::size_t window = 3;
    std::atomic<std::size_t> produced{0};
    std::atomic<std::size_t> furthest{0};  // highest index started
    std::vector<std::size_t> consumed;
    feedd::run_in_order<std::size_t>(
        count, threads, window,
        [&](std::size_t i) {
          std::size_t seen = furthest.load();
          while (i > seen && !furthest.compare_exchange_weak(seen, i)) {
          }
          // Later indexes finishing first must still be consumed in order.
          if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
          ++produced;
          return i * 10;
        },
        [&](std::size_t i, std::size_t result) {
          CHECK(result == i * 10);
          // Nothing starts more than `window` ahead of what is consumed.
          CHECK(furthest.load() < i + window + 1);
          consumed.push_back(i);
        });
    CAPTURE(threads);
    CHECK(produced == count);
    REQUIRE(consumed.size() == count);
    for (std::size_t i = 0; i < count; ++i) CHECK(consumed[i] == i);
  }
}

TEST_CASE("run_in_order rethrows a producer's exception in its place, after everything before it") {
  for (const unsigned threads : {1U, 2U, 4U}) {
    std::vector<std::size_t> consumed;
    const auto run = [&] {
      feedd::run_in_order<int>(
          50, threads, 4,
          [](std::size_t i) {
            if (i == 20) throw std::runtime_error("file 20");
            return static_cast<int>(i);
          },
          [&](std::size_t i, int) { consumed.push_back(i); });
    };
    CAPTURE(threads);
    CHECK_THROWS_WITH_AS(run(), "file 20", std::runtime_error);
    REQUIRE(consumed.size() == 20);
    CHECK(consumed.back() == 19);
  }
}
