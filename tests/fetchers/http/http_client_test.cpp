#include "fetchers/http/http_client.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ctime>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using feedd::HttpClient;
using feedd::HttpOptions;
using feedd::HttpRequest;
using feedd::HttpResponse;
using feedd::test::HttpTestServer;
using feedd::test::redirect_to;
using feedd::test::TestRequest;
using feedd::test::TestResponse;

// `feedd once` relies on run() returning when nothing is left, so a client
// that leaves a wait or timer armed fails here instead of hanging the suite.
void run_until_idle(asio::io_context& io, std::chrono::seconds limit = 10s) {
  io.restart();
  io.run_for(limit);
  REQUIRE_MESSAGE(io.stopped(), "the io_context still had work after ", limit.count(), " s");
}

HttpResponse fetch_one(HttpRequest request, HttpOptions options = {}) {
  asio::io_context io;
  HttpClient client(io, options);
  std::optional<HttpResponse> result;
  client.fetch(std::move(request), [&](HttpResponse response) { result = std::move(response); });
  run_until_idle(io);
  REQUIRE(result.has_value());
  CHECK(client.in_flight() == 0);
  CHECK(client.queued() == 0);
  return std::move(*result);
}

HttpRequest get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

HttpOptions limits(int max_in_flight, int max_per_host) {
  HttpOptions options;
  options.max_in_flight = max_in_flight;
  options.max_per_host = max_per_host;
  return options;
}

TestResponse respond(int status, std::string body = {}) {
  TestResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string http_date(std::time_t when) {
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return text;
}

unsigned short closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // closed again when `acceptor` goes
}

}  // namespace

TEST_CASE("Fetches a 200 response with its body, content type and size") {
  HttpTestServer server;
  server.serve("/feed.xml", "<rss version=\"2.0\"/>");
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")));
  CHECK(response.ok());
  CHECK(response.status == 200);
  CHECK(response.error.empty());
  CHECK(response.body == "<rss version=\"2.0\"/>");
  CHECK(response.content_type == "application/rss+xml");
  CHECK(response.effective_url == server.url("/feed.xml"));
  CHECK_FALSE(response.permanent_redirect.has_value());
  CHECK(response.bytes_received > response.body.size());  // headers count too
}

TEST_CASE("Captures ETag and Last-Modified, and a conditional request is answered 304") {
  HttpTestServer server;
  server.serve("/feed.xml", "<rss/>");
  const HttpResponse first = fetch_one(get(server.url("/feed.xml")));
  REQUIRE(first.ok());
  CHECK_FALSE(first.etag.empty());
  CHECK(first.last_modified == "Sat, 01 Jan 2022 00:00:00 GMT");

  HttpRequest conditional = get(server.url("/feed.xml"));
  conditional.etag = first.etag;
  conditional.last_modified = first.last_modified;
  const HttpResponse second = fetch_one(conditional);
  CHECK(second.status == 304);
  CHECK(second.ok());
  CHECK(second.body.empty());
  const TestRequest sent = server.request_log().back();
  CHECK(sent.headers.at("if-none-match") == first.etag);
  CHECK(sent.headers.at("if-modified-since") == first.last_modified);
}

TEST_CASE("Sends the configured User-Agent and offers compressed encodings") {
  HttpTestServer server;
  server.serve("/feed.xml", "<rss/>");
  HttpOptions options;
  options.user_agent = "feedd-test/1.0";
  REQUIRE(fetch_one(get(server.url("/feed.xml")), options).ok());
  const TestRequest sent = server.request_log().back();
  CHECK(sent.headers.at("user-agent") == "feedd-test/1.0");
  CHECK(sent.headers.at("accept-encoding").find("gzip") != std::string::npos);
  CHECK(sent.headers.count("if-none-match") == 0);
}

TEST_CASE("Decodes a gzip-encoded body and counts the compressed bytes as received") {
  HttpTestServer server;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "<item><title>Same old item</title></item>\n";
  server.route("/feed.xml", [&](const TestRequest&) {
    TestResponse response = respond(200, text);
    response.gzip = true;
    return response;
  });
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")));
  CHECK(response.ok());
  CHECK(response.body == text);
  CHECK(response.bytes_received < text.size() / 4);
}

TEST_CASE("A chain of 301 and 308 redirects to success reports the permanent redirect") {
  HttpTestServer server;
  server.route("/old", [&](const TestRequest&) { return redirect_to(301, server.url("/older")); });
  server.route("/older", [&](const TestRequest&) { return redirect_to(308, "/feed.xml"); });
  server.serve("/feed.xml", "<rss/>");
  const HttpResponse response = fetch_one(get(server.url("/old")));
  CHECK(response.ok());
  CHECK(response.body == "<rss/>");
  CHECK(response.effective_url == server.url("/feed.xml"));
  REQUIRE(response.permanent_redirect.has_value());
  CHECK(*response.permanent_redirect == server.url("/feed.xml"));
}

TEST_CASE("A temporary redirect anywhere in the chain means no permanent redirect") {
  HttpTestServer server;
  int temporary = 0;
  SUBCASE("302") { temporary = 302; }
  SUBCASE("303") { temporary = 303; }
  SUBCASE("307") { temporary = 307; }
  server.route("/old", [](const TestRequest&) { return redirect_to(301, "/moved"); });
  server.route("/moved", [&](const TestRequest&) { return redirect_to(temporary, "/feed.xml"); });
  server.serve("/feed.xml", "<rss/>");
  const HttpResponse response = fetch_one(get(server.url("/old")));
  CHECK(response.ok());
  CHECK(response.effective_url == server.url("/feed.xml"));
  CHECK_FALSE(response.permanent_redirect.has_value());
}

TEST_CASE("A permanent redirect to an error is not reported as the new address") {
  HttpTestServer server;
  server.route("/old", [&](const TestRequest&) { return redirect_to(301, "/gone"); });
  server.route("/gone", [](const TestRequest&) { return respond(410); });
  const HttpResponse response = fetch_one(get(server.url("/old")));
  CHECK(response.status == 410);
  CHECK(response.error == "HTTP 410 Gone");
  CHECK_FALSE(response.permanent_redirect.has_value());
}

TEST_CASE("A redirect loop fails after max_redirects hops") {
  HttpTestServer server;
  server.route("/a", [](const TestRequest&) { return redirect_to(301, "/b"); });
  server.route("/b", [](const TestRequest&) { return redirect_to(301, "/a"); });
  const HttpResponse response = fetch_one(get(server.url("/a")));
  CHECK_FALSE(response.ok());
  CHECK(response.status == 0);
  CHECK(response.error.find("redirects") != std::string::npos);
  CHECK(server.request_log().size() == 6);  // the first request and 5 redirects
  CHECK_FALSE(response.permanent_redirect.has_value());
}

TEST_CASE("A redirect from HTTP to a file:// URL is refused") {
  HttpTestServer server;
  feedd::test::TempDir dir;
  std::ofstream(dir / "secret") << "local data";
  server.route("/feed.xml", [&](const TestRequest&) { return redirect_to(302, "file://" + (dir / "secret").string()); });
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")));
  CHECK_FALSE(response.ok());
  CHECK_FALSE(response.error.empty());
  CHECK(response.body.empty());
}

TEST_CASE("HTTP 500 is an error that keeps the status and the URL stays out of the message") {
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) { return respond(500, "boom"); });
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")));
  CHECK_FALSE(response.ok());
  CHECK(response.status == 500);
  CHECK(response.error == "HTTP 500 Internal Server Error");
}

TEST_CASE("A refused connection is an error without a status") {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/feed.xml";
  const HttpResponse response = fetch_one(get(url));
  CHECK_FALSE(response.ok());
  CHECK(response.status == 0);
  CHECK(response.error.find("connect") != std::string::npos);
  CHECK(response.error.find(url) == std::string::npos);
}

TEST_CASE("Never runs more than max_per_host transfers against one host, nor max_in_flight in all") {
  HttpTestServer first("127.0.0.1");
  HttpTestServer second("127.0.0.2");
  for (HttpTestServer* server : {&first, &second}) {
    server->route("/feed.xml", [](const TestRequest&) {
      TestResponse response = respond(200, "<rss/>");
      response.delay = 50ms;
      return response;
    });
  }
  asio::io_context io;
  HttpClient client(io, limits(4, 2));
  int succeeded = 0;
  std::size_t peak_in_flight = 0;
  for (int i = 0; i < 10; ++i) {
    for (HttpTestServer* server : {&first, &second}) {
      client.fetch(get(server->url("/feed.xml")), [&](HttpResponse response) {
        succeeded += response.ok();
        peak_in_flight = std::max(peak_in_flight, client.in_flight());
      });
    }
  }
  CHECK(client.in_flight() == 4);
  CHECK(client.queued() == 16);
  run_until_idle(io);
  CHECK(succeeded == 20);
  CHECK(peak_in_flight <= 4);
  CHECK(first.max_concurrent_requests() == 2);
  CHECK(second.max_concurrent_requests() == 2);
  CHECK(first.max_concurrent_connections() <= 2);
  CHECK(second.max_concurrent_connections() <= 2);
}

TEST_CASE("Many concurrent transfers of large bodies all arrive intact") {
  HttpTestServer server;
  std::vector<std::string> bodies;
  for (int i = 0; i < 24; ++i) {
    bodies.push_back(std::string(512 * 1024, static_cast<char>('a' + i)));
    server.serve("/feed" + std::to_string(i), bodies.back());
  }
  asio::io_context io;
  HttpClient client(io, limits(8, 8));
  int intact = 0;
  for (int i = 0; i < 24; ++i) {
    client.fetch(get(server.url("/feed" + std::to_string(i))),
                 [&, i](HttpResponse response) { intact += response.ok() && response.body == bodies[i]; });
  }
  run_until_idle(io);
  CHECK(intact == 24);
}

TEST_CASE("A body larger than max_body aborts the transfer") {
  HttpTestServer server;
  HttpOptions options;

  SUBCASE("when Content-Length already says so") {
    options.max_body = 1000;
    server.route("/feed.xml", [](const TestRequest&) { return respond(200, std::string(5000, 'x')); });
  }
  SUBCASE("when a small gzip body decodes past the limit") {
    options.max_body = 1000;
    server.route("/feed.xml", [](const TestRequest&) {
      TestResponse response = respond(200, std::string(5000, 'x'));
      response.gzip = true;
      return response;
    });
  }
  SUBCASE("when it is a gzip bomb of 100 MB of zeros") {
    static const std::string bomb = feedd::test::gzip_zeros(std::size_t{100} << 20);
    server.route("/feed.xml", [](const TestRequest&) {
      TestResponse response = respond(200, bomb);
      response.headers.emplace_back("Content-Encoding", "gzip");
      return response;
    });
  }

  const HttpResponse response = fetch_one(get(server.url("/feed.xml")), options);
  CHECK_FALSE(response.ok());
  CHECK(response.status == 0);
  CHECK(response.body.empty());
  CHECK(response.error == "body larger than " + std::to_string(options.max_body) + "-byte limit");
}

TEST_CASE("A body_sink gets the decoded body in pieces, within max_body, and can stop the transfer") {
  HttpTestServer server;
  const std::string body = std::string(300000, 'a') + std::string(300000, 'b');
  server.route("/episode.mp3", [body](const TestRequest&) {
    TestResponse response = respond(200, body);
    response.gzip = true;  // the sink sees decoded bytes
    return response;
  });
  std::string received;
  int pieces = 0;
  HttpRequest request = get(server.url("/episode.mp3"));

  SUBCASE("the whole body, never in HttpResponse::body") {
    request.body_sink = [&](std::string_view piece) {
      received.append(piece);
      ++pieces;
      return true;
    };
    const HttpResponse response = fetch_one(request);
    CHECK(response.ok());
    CHECK(response.body.empty());
    CHECK(received == body);
    CHECK(pieces > 1);
  }
  SUBCASE("max_body counts the pieces") {
    request.max_body = 100000;
    request.body_sink = [&](std::string_view piece) {
      received.append(piece);
      return true;
    };
    const HttpResponse response = fetch_one(request);
    CHECK_FALSE(response.ok());
    CHECK(response.error == "body larger than 100000-byte limit");
    CHECK(received.size() <= 100000);
  }
  SUBCASE("a sink that fails aborts the transfer") {
    request.body_sink = [&](std::string_view piece) {
      received.append(piece);
      return received.size() < 50000;
    };
    const HttpResponse response = fetch_one(request);
    CHECK_FALSE(response.ok());
    CHECK(response.error == "body not accepted: its reader failed");
    CHECK(received.size() < body.size());
  }
}

TEST_CASE("A body_sink gets only the document when feedd follows a redirect itself (a request with a cookie)") {
  HttpTestServer server;
  // A redirect with a body of its own: feedd, not libcurl, follows it
  // because the request carries a cookie, so the 302's bytes reach the
  // write callback too.
  server.route("/episode.mp3", [](const TestRequest&) {
    TestResponse response = redirect_to(302, "/cdn/episode.mp3");
    response.body = "<html>Moved: see /cdn/episode.mp3</html>";
    return response;
  });
  server.serve("/cdn/episode.mp3", "ID3 the episode");
  std::string received;
  HttpRequest request = get(server.url("/episode.mp3"));
  request.cookie = "member=1";
  request.body_sink = [&](std::string_view piece) {
    received.append(piece);
    return true;
  };
  const HttpResponse response = fetch_one(request);
  CHECK(response.ok());
  CHECK(received == "ID3 the episode");
  REQUIRE(server.request_log().size() == 2);
}

TEST_CASE("A server that trickles is dropped by the low-speed limit") {
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) {
    TestResponse response = respond(200, std::string(200, 'x'));
    response.trickle = 250ms;
    return response;
  });
  HttpOptions options;
  options.low_speed_limit = 64;
  options.low_speed_time = 1s;
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")), options);
  CHECK_FALSE(response.ok());
  CHECK(response.error.find("too slow") != std::string::npos);
  CHECK(response.elapsed < 5s);
}

TEST_CASE("A server slower than the timeout fails the transfer with a timeout") {
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) {
    TestResponse response = respond(200, "<rss/>");
    response.delay = 3s;
    return response;
  });
  HttpOptions options;
  options.timeout = 300ms;
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")), options);
  CHECK_FALSE(response.ok());
  CHECK(response.status == 0);
  CHECK(response.error.find("timed out") != std::string::npos);
  CHECK(response.error.find(server.url("/feed.xml")) == std::string::npos);
  CHECK(response.elapsed >= 300ms);
  CHECK(response.elapsed < 2s);
}

TEST_CASE("Retry-After is read as seconds and as an HTTP date") {
  HttpTestServer server;
  std::string retry_after;
  std::optional<std::chrono::seconds> expected;
  SUBCASE("delay-seconds") {
    retry_after = "120";
    expected = 120s;
  }
  SUBCASE("an HTTP date an hour ahead") {
    retry_after = http_date(std::time(nullptr) + 3600);
    expected = 3600s;
  }
  SUBCASE("a date in the past means now") {
    retry_after = http_date(std::time(nullptr) - 3600);
    expected = 0s;
  }
  SUBCASE("nonsense is ignored") {
    retry_after = "soon";
  }
  server.route("/feed.xml", [&](const TestRequest&) {
    TestResponse response = respond(503);
    response.headers.emplace_back("Retry-After", retry_after);
    return response;
  });
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")));
  CHECK(response.status == 503);
  CHECK(response.error == "HTTP 503 Service Unavailable");
  REQUIRE(response.retry_after.has_value() == expected.has_value());
  if (expected) {
    CHECK(*response.retry_after <= *expected);
    CHECK(*response.retry_after >= *expected - 5s);
  }
}

TEST_CASE("Reads a file:// URL as a 200, and a missing file is an error") {
  feedd::test::TempDir dir;
  std::ofstream(dir / "feed.xml") << "<feed/>";
  const HttpResponse found = fetch_one(get("file://" + (dir / "feed.xml").string()));
  CHECK(found.ok());
  CHECK(found.status == 200);
  CHECK(found.body == "<feed/>");

  const HttpResponse missing = fetch_one(get("file://" + (dir / "missing.xml").string()));
  CHECK_FALSE(missing.ok());
  CHECK_FALSE(missing.error.empty());
}

TEST_CASE("A connection reset in the middle of the body is an error") {
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) {
    TestResponse response = respond(200, std::string(20000, 'x'));
    response.reset_mid_body = true;
    return response;
  });
  const HttpResponse response = fetch_one(get(server.url("/feed.xml")));
  CHECK_FALSE(response.ok());
  CHECK(response.status == 0);
  CHECK(response.body.empty());
  CHECK_FALSE(response.error.empty());
}

TEST_CASE("abort_all completes running and queued transfers with 'aborted', from the loop") {
  HttpTestServer server;
  server.route("/slow", [](const TestRequest&) {
    TestResponse response = respond(200, "<rss/>");
    response.delay = 3s;
    return response;
  });
  asio::io_context io;
  HttpClient client(io, limits(1, 1));
  std::vector<std::string> errors;
  for (int i = 0; i < 3; ++i) {
    client.fetch(get(server.url("/slow")), [&](HttpResponse response) { errors.push_back(response.error); });
  }
  asio::steady_timer later(io, 100ms);
  later.async_wait([&](boost::system::error_code) {
    client.abort_all();
    CHECK(errors.empty());  // posted, not run inside abort_all()
    CHECK(client.in_flight() == 0);
    CHECK(client.queued() == 0);
  });
  const auto started = std::chrono::steady_clock::now();
  run_until_idle(io);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(errors == std::vector<std::string>(3, "aborted"));
}

TEST_CASE("io_context::run() returns when all is done, and the client works again afterwards") {
  HttpTestServer server;
  server.serve("/feed.xml", "<rss/>");
  asio::io_context io;
  HttpClient client(io, HttpOptions{});
  for (int round = 0; round < 2; ++round) {
    int done = 0;
    client.fetch(get(server.url("/feed.xml")), [&](HttpResponse response) { done += response.ok(); });
    run_until_idle(io);
    CHECK(done == 1);
  }
}

TEST_CASE("Destroying the client with transfers in flight calls no callbacks and leaves nothing armed") {
  HttpTestServer server;
  server.route("/slow", [](const TestRequest&) {
    TestResponse response = respond(200, std::string(1000, 'x'));
    response.trickle = 20ms;
    return response;
  });
  asio::io_context io;
  int called = 0;
  {
    HttpClient client(io, limits(2, 2));
    for (int i = 0; i < 4; ++i) client.fetch(get(server.url("/slow")), [&](HttpResponse) { ++called; });
    io.run_for(300ms);
    CHECK(client.in_flight() == 2);
  }
  run_until_idle(io, 2s);
  CHECK(called == 0);
}

TEST_CASE("A callback may start the next fetch from inside itself") {
  HttpTestServer server;
  server.serve("/feed.xml", "<rss/>");
  asio::io_context io;
  HttpClient client(io, HttpOptions{});
  int remaining = 5;
  std::function<void(HttpResponse)> chain = [&](HttpResponse response) {
    CHECK(response.ok());
    if (--remaining > 0) client.fetch(get(server.url("/feed.xml")), chain);
  };
  client.fetch(get(server.url("/feed.xml")), chain);
  run_until_idle(io);
  CHECK(remaining == 0);
  CHECK(server.requests("/feed.xml") == 5);
}

TEST_CASE("A callback that throws does not escape into the event loop") {
  HttpTestServer server;
  server.serve("/feed.xml", "<rss/>");
  asio::io_context io;
  HttpClient client(io, HttpOptions{});
  int later_ok = 0;
  client.fetch(get(server.url("/feed.xml")), [](HttpResponse) { throw std::runtime_error("callback bug"); });
  client.fetch(get(server.url("/feed.xml")), [&](HttpResponse response) { later_ok += response.ok(); });
  CHECK_NOTHROW(run_until_idle(io));
  CHECK(later_ok == 1);
}

TEST_CASE("The test server refuses to bind outside loopback") {
  CHECK_THROWS_AS(HttpTestServer("0.0.0.0"), std::invalid_argument);
  CHECK_THROWS_AS(HttpTestServer("10.0.0.1"), std::invalid_argument);
  CHECK_THROWS_AS(HttpTestServer("not an address"), std::invalid_argument);
}

TEST_CASE("A file:// FIFO nobody writes times out off the loop while an HTTP transfer completes meanwhile") {
  feedd::test::TempDir dir;
  const auto fifo = dir / "blocked.xml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) { return respond(200, "<rss/>"); });
  asio::io_context io;
  HttpOptions options;
  options.timeout = 1500ms;
  HttpClient client(io, options);
  std::optional<HttpResponse> from_fifo;
  std::optional<HttpResponse> from_http;
  std::optional<std::chrono::steady_clock::time_point> http_done;
  const auto started = std::chrono::steady_clock::now();
  client.fetch(get("file://" + fifo.string()), [&](HttpResponse response) { from_fifo = std::move(response); });
  client.fetch(get(server.url("/feed.xml")), [&](HttpResponse response) {
    from_http = std::move(response);
    http_done = std::chrono::steady_clock::now();
  });
  run_until_idle(io);
  REQUIRE(from_fifo.has_value());
  REQUIRE(from_http.has_value());
  CHECK(from_http->ok());
  CHECK(*http_done - started < 1s);  // not queued behind the blocked read
  CHECK_FALSE(from_fifo->ok());
  CHECK(from_fifo->error.find("timed out after 1.5 s reading " + fifo.string()) != std::string::npos);
}

TEST_CASE("A file:// body over max_body fails, and abort_all ends a blocked read at once") {
  feedd::test::TempDir dir;
  std::ofstream(dir / "big.xml") << std::string(5000, 'x');
  HttpOptions options;
  options.max_body = 1000;
  const HttpResponse big = fetch_one(get("file://" + (dir / "big.xml").string()), options);
  CHECK_FALSE(big.ok());
  CHECK(big.error == "body larger than 1000-byte limit");

  const auto fifo = dir / "blocked.xml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  asio::io_context io;
  HttpClient client(io, {});
  std::optional<HttpResponse> result;
  client.fetch(get("file://" + fifo.string()), [&](HttpResponse response) { result = std::move(response); });
  asio::steady_timer later(io, 200ms);
  later.async_wait([&](const boost::system::error_code&) { client.abort_all(); });
  const auto started = std::chrono::steady_clock::now();
  run_until_idle(io);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  REQUIRE(result.has_value());
  CHECK(result->error == "aborted");
}
