#include "daemon/runtime/pipeline/source_request.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace feedd {
namespace {

namespace fs = std::filesystem;

// Far above any password or token; a mistaken path such as /dev/zero must
// not be read for ever.
constexpr std::size_t max_secret_bytes = 64 * 1024;

fs::path expanded(const fs::path& path) {
  const std::string text = path.string();
  for (std::string_view variable : {"$CREDENTIALS_DIRECTORY/", "${CREDENTIALS_DIRECTORY}/"}) {
    if (!text.starts_with(variable)) continue;
    const char* folder = std::getenv("CREDENTIALS_DIRECTORY");
    if (folder == nullptr || *folder == '\0') {
      throw std::runtime_error(fmt::format("cannot read {}: CREDENTIALS_DIRECTORY is not set (systemd sets it for "
                                           "a unit with LoadCredential=)",
                                           text));
    }
    return fs::path(folder) / text.substr(variable.size());
  }
  return path;
}

}  // namespace

std::string read_secret_file(const fs::path& path) {
  const fs::path file = expanded(path);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  std::string secret(max_secret_bytes + 1, '\0');
  in.read(secret.data(), static_cast<std::streamsize>(secret.size()));
  secret.resize(static_cast<std::size_t>(in.gcount()));
  if (secret.size() > max_secret_bytes) {
    throw std::runtime_error(fmt::format("{} is larger than 64 KiB", file.string()));
  }
  if (secret.ends_with('\n')) secret.pop_back();
  if (secret.ends_with('\r')) secret.pop_back();
  if (secret.empty()) throw std::runtime_error(fmt::format("{} is empty", file.string()));
  // A line break inside would end the Authorization header early.
  if (secret.find_first_of("\r\n") != std::string::npos) {
    throw std::runtime_error(fmt::format("{} holds more than one line", file.string()));
  }
  return secret;
}

HttpRequest source_request(const config::Source& source, const std::string& url, const SourceValidators& validators) {
  HttpRequest request;
  request.url = url;
  if (validators.polled_url.empty() || validators.polled_url == url) {
    request.etag = validators.etag;
    request.last_modified = validators.last_modified;
  }
  const config::SourceFetch& fetch = source.fetch;
  request.allow_private = source.allow_private;
  request.proxy = fetch.proxy;
  request.user_agent = fetch.user_agent;
  request.headers = fetch.headers;
  request.cookie = fetch.cookie;
  request.ca_file = fetch.tls_ca_file.string();
  request.timeout = fetch.timeout;
  request.home_urls = source.urls.empty() ? std::vector<std::string>{source.url} : source.urls;
  if (!fetch.token_file.empty()) {
    request.bearer_token = read_secret_file(fetch.token_file);
  } else if (!fetch.username.empty()) {
    request.username = fetch.username;
    request.password = read_secret_file(fetch.password_file);
  }
  return request;
}

}  // namespace feedd
