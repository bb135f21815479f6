#include "fetchers/http/request_scope.h"

#include <algorithm>
#include <cctype>

#include "fetchers/http/url.h"

namespace feedd {
namespace {

bool is_home(const std::string& url, const std::vector<std::string>& home_urls) {
  const std::string host = url::host_of(url);
  return !host.empty() && std::any_of(home_urls.begin(), home_urls.end(), [&host](const std::string& home) {
    return url::host_of(home) == host;
  });
}

void drop_credentials(HttpRequest& request) {
  request.cookie.clear();
  request.username.clear();
  request.password.clear();
  request.bearer_token.clear();
  std::erase_if(request.headers, [](const auto& header) { return is_credential_header(header.first); });
}

}  // namespace

bool is_credential_header(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "cookie") return true;
  for (std::string_view part : {"auth", "token", "key", "secret", "session", "password"}) {
    if (lower.find(part) != std::string::npos) return true;
  }
  return false;
}

bool confine_to_home_hosts(HttpRequest& request, const std::vector<std::string>& home_urls) {
  const bool at_home = is_home(request.url, home_urls);
  request.trust_url_host = at_home;
  request.home_urls = home_urls;
  if (!at_home) drop_credentials(request);
  return at_home;
}

bool carries_credentials(const HttpRequest& request) {
  return !request.cookie.empty() || !request.username.empty() || !request.bearer_token.empty() ||
         std::any_of(request.headers.begin(), request.headers.end(),
                     [](const auto& header) { return is_credential_header(header.first); });
}

HttpRequest redirect_hop(const HttpRequest& first, const std::string& next_url) {
  HttpRequest hop = first;
  hop.url = next_url;
  const bool at_home = first.home_urls.empty() ? is_home(next_url, {first.url}) : is_home(next_url, first.home_urls);
  if (!at_home) drop_credentials(hop);
  return hop;
}

}  // namespace feedd
