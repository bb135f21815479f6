// Which of a source's request settings may follow a URL taken from its
// content (an article page, an image, an enclosure, a page rechecked for
// removal) to wherever that URL points.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fetchers/http/http_client.h"

namespace feedd {

// Whether a header of this name is likely to carry a secret: Authorization,
// Cookie, and any name holding "auth", "token", "key", "secret", "session"
// or "password" (X-Api-Key, X-Auth-Token...), in any case.
bool is_credential_header(std::string_view name);

// Narrows `request` (a source's request, already aimed at request.url) to
// what a host other than the source's own may see: when request.url's host
// is none of `home_urls`' hosts, the cookie, the credentials and credential
// headers are dropped and the host is not trusted past the private-network
// shield. Other headers go along (a Referer is what image hosts ask for),
// and so do proxy, user agent, CA file and timeout: they protect the
// reader, not the source. Returns whether the URL is at home.
// Also records `home_urls` in the request, so its redirects keep the rule.
bool confine_to_home_hosts(HttpRequest& request, const std::vector<std::string>& home_urls);

// Whether the request carries anything confine_to_home_hosts would drop:
// such a request's redirects are followed one hop at a time (redirect_hop),
// because libcurl re-sends custom headers and the cookie to any host.
bool carries_credentials(const HttpRequest& request);

// The request for the next hop of a redirect chain `first` started, aimed at
// `next_url`: first's settings, with the cookie, login and credential
// headers only when next_url's host is one of first's home hosts
// (first.home_urls, else first.url's). The private-network shield is the
// transfer's, judged as for `first`: trust_url_host is left as it was.
HttpRequest redirect_hop(const HttpRequest& first, const std::string& next_url);

}  // namespace feedd
