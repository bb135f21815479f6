// The private-network shield (fetchers/http/private_address.h) on real
// transfers: test servers on different loopback hosts stand in for a public
// feed and the operator's internal network.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

#include "fetchers/http/http_client.h"
#include "fetchers/http/private_address.h"
#include "tests/support/http_test_server.h"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using feedd::HttpClient;
using feedd::HttpRequest;
using feedd::HttpResponse;
using feedd::test::HttpTestServer;
using feedd::test::redirect_to;
using feedd::test::TestRequest;
using feedd::test::TestResponse;

HttpResponse fetch_one(HttpRequest request) {
  asio::io_context io;
  HttpClient client(io, {});
  std::optional<HttpResponse> result;
  client.fetch(std::move(request), [&](HttpResponse response) { result = std::move(response); });
  io.run_for(10s);
  REQUIRE(result.has_value());
  return std::move(*result);
}

HttpRequest get(std::string url, bool allow_private = false) {
  HttpRequest request;
  request.url = std::move(url);
  request.allow_private = allow_private;
  return request;
}

TestResponse secret() {
  TestResponse response;
  response.body = "<rss><channel><title>internal</title></channel></rss>";
  return response;
}

}  // namespace

TEST_CASE("Addresses are sorted into public and each private kind, IPv4 and IPv6") {
  using feedd::private_address_kind;
  CHECK(private_address_kind("127.0.0.1") == "loopback");
  CHECK(private_address_kind("127.9.9.9") == "loopback");
  CHECK(private_address_kind("10.1.2.3") == "private");
  CHECK(private_address_kind("172.16.0.1") == "private");
  CHECK(private_address_kind("172.31.255.255") == "private");
  CHECK(private_address_kind("172.32.0.1") == std::nullopt);
  CHECK(private_address_kind("192.168.1.1") == "private");
  CHECK(private_address_kind("169.254.169.254") == "link-local");
  CHECK(private_address_kind("100.64.0.1") == "CGNAT");
  CHECK(private_address_kind("100.128.0.1") == std::nullopt);
  CHECK(private_address_kind("0.0.0.0") == "unspecified");
  CHECK(private_address_kind("93.184.216.34") == std::nullopt);
  CHECK(private_address_kind("::1") == "loopback");
  CHECK(private_address_kind("[::1]") == "loopback");
  CHECK(private_address_kind("::") == "unspecified");
  CHECK(private_address_kind("fe80::1") == "link-local");
  CHECK(private_address_kind("fd12:3456::1") == "unique-local");
  CHECK(private_address_kind("::ffff:192.168.0.1") == "private");
  CHECK(private_address_kind("2001:db8::1") == std::nullopt);
  CHECK(private_address_kind("example.org") == std::nullopt);
}

TEST_CASE("The configured host is trusted on a private address; other hosts there are not") {
  feedd::AddressPolicy policy{.allow_private = false, .trusted_host = "rsshub.lan"};
  CHECK_FALSE(policy.refusal("RSSHub.lan", "192.168.1.5").has_value());
  CHECK_FALSE(policy.refusal("example.org", "93.184.216.34").has_value());
  const auto refused = policy.refusal("evil.example", "10.0.0.1");
  REQUIRE(refused.has_value());
  CHECK(refused->find("evil.example is at 10.0.0.1, a private address") != std::string::npos);
  policy.allow_private = true;
  CHECK_FALSE(policy.refusal("evil.example", "10.0.0.1").has_value());
  // Feed content names URLs nobody configured: no host is trusted.
  const feedd::AddressPolicy content{};
  CHECK(content.refusal("127.0.0.1", "127.0.0.1").has_value());
}

TEST_CASE("A feed on a loopback host is fetched: the host the operator configured is trusted") {
  HttpTestServer feed("127.0.0.1");
  feed.route("/feed.xml", [](const TestRequest&) { return secret(); });
  const HttpResponse response = fetch_one(get(feed.url("/feed.xml")));
  CHECK(response.ok());
  CHECK(response.status == 200);
}

TEST_CASE("A redirect to another loopback host is refused on the address connected, naming the URL") {
  HttpTestServer feed("127.0.0.1");
  HttpTestServer internal("127.0.0.2");
  const std::string target = internal.url("/secret.xml");
  feed.route("/feed.xml", [&](const TestRequest&) { return redirect_to(302, target); });
  internal.route("/secret.xml", [](const TestRequest&) { return secret(); });

  const HttpResponse refused = fetch_one(get(feed.url("/feed.xml")));
  CHECK_FALSE(refused.ok());
  CHECK(refused.body.empty());
  CHECK(refused.error.find("redirect to " + target + " refused") != std::string::npos);
  CHECK(refused.error.find("127.0.0.2, a loopback address") != std::string::npos);
  CHECK(refused.error.find("allow_private") != std::string::npos);
  // Refused after connecting, before a byte of the request was sent.
  CHECK(internal.requests("/secret.xml") == 0);

  const HttpResponse allowed = fetch_one(get(feed.url("/feed.xml"), true));
  CHECK(allowed.ok());
  CHECK(allowed.body.find("internal") != std::string::npos);
  CHECK(internal.requests("/secret.xml") == 1);
}

TEST_CASE("A redirect to another name for the same machine (localhost) is refused: names, not machines, are trusted") {
  HttpTestServer feed("127.0.0.1");
  HttpTestServer internal("127.0.0.1");
  const std::string target = "http://localhost:" + std::to_string(internal.port()) + "/secret.xml";
  feed.route("/feed.xml", [&](const TestRequest&) { return redirect_to(301, target); });
  internal.route("/secret.xml", [](const TestRequest&) { return secret(); });
  const HttpResponse refused = fetch_one(get(feed.url("/feed.xml")));
  CHECK_FALSE(refused.ok());
  CHECK(refused.error.find("redirect to " + target + " refused: localhost is at") != std::string::npos);
  CHECK(internal.requests("/secret.xml") == 0);
}

TEST_CASE("A URL from feed content (no trusted host) on a loopback address is refused outright") {
  HttpTestServer server("127.0.0.1");
  server.route("/image.png", [](const TestRequest&) { return secret(); });
  HttpRequest request = get(server.url("/image.png"));
  request.trust_url_host = false;
  const HttpResponse refused = fetch_one(request);
  CHECK_FALSE(refused.ok());
  CHECK(refused.error.find("URL " + server.url("/image.png") + " refused") != std::string::npos);
  CHECK(server.requests("/image.png") == 0);
}
