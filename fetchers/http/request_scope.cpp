#include "fetchers/http/request_scope.h"

#include <algorithm>
#include <cctype>

#include "fetchers/http/url.h"

namespace feedd {

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
  const std::string host = url::host_of(request.url);
  const bool at_home = !host.empty() && std::any_of(home_urls.begin(), home_urls.end(), [&host](const std::string& home) {
    return url::host_of(home) == host;
  });
  request.trust_url_host = at_home;
  if (!at_home) {
    request.cookie.clear();
    request.username.clear();
    request.password.clear();
    request.bearer_token.clear();
    std::erase_if(request.headers, [](const auto& header) { return is_credential_header(header.first); });
  }
  return at_home;
}

}  // namespace feedd
