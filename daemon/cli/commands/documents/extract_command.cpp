#include "daemon/cli/commands/documents/extract_command.h"

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "daemon/cli/output/json_string.h"
#include "daemon/runtime/exit_status.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "fetchers/article/article.h"
#include "fetchers/http/http_client.h"

namespace feedd {
namespace {

struct Input {
  std::string bytes;
  std::string content_type;
  std::string url;
  std::string error;  // non-empty: could not be had
};

bool is_web_url(std::string_view text) { return text.starts_with("http://") || text.starts_with("https://"); }

Input read_file(const std::string& path, const std::optional<std::string>& url) {
  Input input;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    input.error = "cannot open";
    return input;
  }
  input.bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) input.error = "read error";
  input.url = url.value_or("");
  return input;
}

// Every URL input fetched at once, through the client feeds use.
std::vector<Input> fetch_all(const std::vector<std::string>& urls) {
  std::vector<Input> results(urls.size());
  boost::asio::io_context io;
  HttpOptions http;
  http.user_agent = default_user_agent();
  HttpClient client(io, http);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    // A URL named on the command line is trusted like a configured feed's
    // (HttpRequest's defaults); the client's other settings are feedd's own.
    HttpRequest request;
    request.url = urls[i];
    client.fetch(std::move(request), [&results, i, url = urls[i]](HttpResponse response) {
      Input& input = results[i];
      if (!response.error.empty()) {
        input.error = response.error;
      } else if (response.status != 200) {
        input.error = fmt::format("HTTP {}", response.status);
      }
      input.bytes = std::move(response.body);
      input.content_type = std::move(response.content_type);
      input.url = response.effective_url.empty() ? url : response.effective_url;
    });
  }
  io.run();
  return results;
}

void append_field(std::string_view name, std::string_view value, std::string& out) {
  out += fmt::format(",\"{}\":", name);
  if (value.empty()) {
    out += "null";
  } else {
    append_json_string(value, out);
  }
}

std::string json_line(std::string_view input, const article::Article& found) {
  std::string out = "{\"input\":";
  append_json_string(input, out);
  append_field("title", found.title, out);
  append_field("byline", found.byline, out);
  append_field("published", found.published, out);
  append_field("content", found.content, out);
  append_field("text", found.text, out);
  return out + "}\n";
}

}  // namespace

int command_extract(const ExtractCommandOptions& options) {
  article::ExtractOptions extract;
  extract.selector = options.selector;
  extract.remove = options.remove;
  try {
    if (!extract.selector.empty()) article::check_selector(extract.selector);
    for (const auto& rule : extract.remove) article::check_selector(rule);
  } catch (const std::invalid_argument& error) {
    fmt::print(stderr, "feedd extract: {}\n", error.what());
    return exit_usage;
  }

  std::vector<std::string> urls;
  for (const auto& input : options.inputs) {
    if (is_web_url(input)) urls.push_back(input);
  }
  std::vector<Input> fetched = urls.empty() ? std::vector<Input>() : fetch_all(urls);

  int status = exit_ok;
  std::size_t next_url = 0;
  for (const auto& name : options.inputs) {
    Input input = is_web_url(name) ? std::move(fetched[next_url++]) : read_file(name, options.url);
    if (!input.error.empty()) {
      fmt::print(stderr, "feedd extract: {}: {}\n", name, input.error);
      status = exit_source_failed;
      continue;
    }
    const article::Article found =
        article::extract(article::Page{input.bytes, input.content_type, input.url}, extract);
    const std::string out = options.json ? json_line(name, found) : found.content + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  return status;
}

}  // namespace feedd
