#include "fetchers/redact/redact_url.h"

#include <algorithm>

namespace feedd::url {

std::string redact(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::string(text);
  const auto authority = scheme_end + 3;
  const auto authority_end = std::min(text.find_first_of("/?#", authority), text.size());
  const auto at = text.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(text);
  return std::string(text.substr(0, authority)) + "***" + std::string(text.substr(at));
}

}  // namespace feedd::url
