// What the removal-watch tests share: a fixed clock to run `once --now` at,
// article-sized prose, HTML answers and `feedd removed --json` read back.
#pragma once

#include <doctest/doctest.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/process.h"

namespace feedd::test::watch {

inline constexpr std::int64_t hour_ms = 3'600'000;
inline constexpr std::int64_t t0_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

// t0 + offset, as `--now` takes it.
inline std::string at(std::int64_t offset_ms) {
  const auto time = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(t0_ms + offset_ms));
  return fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(time));
}

// About 1,500 characters of prose, so that extraction finds an article.
inline std::string article_text(const std::string& topic) {
  std::string text;
  for (int i = 0; i < 12; ++i) {
    text += fmt::format("<p>Paragraph {} about {}: the council met on Tuesday, and after a long debate, members "
                        "agreed that the report, which had been delayed twice, would be published in full.</p>\n",
                        i, topic);
  }
  return text;
}

inline TestResponse html(std::string body, int status = 200) {
  return TestResponse{status, {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body)};
}

inline std::vector<nlohmann::json> removed_json(const std::filesystem::path& config, const std::string& since = "") {
  std::vector<std::string> args{"removed", "--config", config.string(), "--json"};
  if (!since.empty()) {
    args.push_back("--since");
    args.push_back(since);
  }
  const auto result = run_feedd(args);
  REQUIRE_MESSAGE(result.exit_status == 0, result.err);
  std::vector<nlohmann::json> lines;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace feedd::test::watch
