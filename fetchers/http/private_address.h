// Which hosts a transfer may reach: the shield against a feed (or a page or
// media URL taken from one) steering feedd at the operator's own network.
//
// The host an operator configured is trusted whatever it resolves to (a
// self-hosted RSSHub on the LAN must work). Any other host, reached through a
// redirect or named by feed content, is refused when the address actually
// connected to is loopback, link-local, private (RFC 1918), CGNAT or
// unique-local. Judging the connected address rather than a DNS answer means
// DNS rebinding cannot get around it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd {

// What kind of non-public address `ip` (textual IPv4 or IPv6) is: "loopback",
// "link-local", "private", "CGNAT", "unique-local", "unspecified"; nullopt
// for a public address or text that is not an address. IPv4-mapped IPv6
// addresses are judged as the IPv4 address they carry.
std::optional<std::string_view> private_address_kind(std::string_view ip);

struct AddressPolicy {
  bool allow_private = false;  // the operator's `allow_private = true`
  // Lower-cased host trusted whatever it resolves to; empty: none (a URL
  // taken from feed content).
  std::string trusted_host;

  // Why connecting to `ip` for a URL on `host` is refused, or nullopt when
  // it is allowed. `host` is the URL's host, as given (any case).
  std::optional<std::string> refusal(std::string_view host, std::string_view ip) const;
};

}  // namespace feedd
