// How sources are reached, end to end: the real feedd binary, real HTTP
// servers (and proxies) on loopback, real config files and stores.
#include <netdb.h>
#include <signal.h>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <memory>
#include <optional>

#include "tests/support/eventually.h"
#include "tests/support/feeds.h"
#include "tests/support/http_test_server.h"
#include "tests/support/post_files.h"
#include "tests/support/process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using feedd::test::HttpTestServer;
using feedd::test::redirect_to;
using feedd::test::run_feedd;
using feedd::test::TempDir;
using feedd::test::TestRequest;
using feedd::test::TestResponse;
using feedd::test::write_file;

namespace {

const std::string storage = "[storage]\ndatabase = \"state/feedd.db\"\nposts_dir = \"site/_posts\"\n";

fs::path write_config(const TempDir& dir, const std::string& body) {
  const auto path = dir / "feedd.toml";
  write_file(path, storage + body);
  return path;
}

feedd::test::ProcessResult once(const fs::path& config) {
  return run_feedd({"once", "--config", config.string()}, 60s);
}

std::string output_of(const feedd::test::ProcessResult& result) { return result.out + result.err; }

TestResponse feed_response(const std::string& body) {
  TestResponse response;
  response.body = body;
  response.headers.emplace_back("Content-Type", "application/rss+xml");
  return response;
}

unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // free again once `acceptor` goes
}

bool accepts_connections(unsigned short port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code error;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, error);
  return !error;
}

// A proxy from Debian's packages, run on loopback for one test and killed
// with it.
struct Proxy {
  unsigned short port = free_port();
  std::unique_ptr<feedd::test::ChildProcess> process;

  void start(std::vector<std::string> argv) {
    process = std::make_unique<feedd::test::ChildProcess>(std::move(argv));
    REQUIRE_MESSAGE(feedd::test::eventually([&] { return accepts_connections(port); }), "the proxy did not start");
  }
};

// tinyproxy with a login; it names itself in a Via header on what it forwards.
Proxy start_tinyproxy(const TempDir& dir) {
  Proxy proxy;
  const auto conf = dir / "tinyproxy.conf";
  write_file(conf, fmt::format("Port {}\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\nMaxClients 20\n"
                               "LogLevel Error\nBasicAuth feeduser proxy-secret-1\n",
                               proxy.port));
  proxy.start({"/usr/bin/tinyproxy", "-d", "-c", conf.string()});
  return proxy;
}

// microsocks with a login, connecting out from 127.0.0.3 so the feed server
// can tell a request came through it.
Proxy start_microsocks() {
  Proxy proxy;
  proxy.start({"/usr/bin/microsocks", "-i", "127.0.0.1", "-p", std::to_string(proxy.port), "-u", "sockuser", "-P",
               "socks-secret-2", "-b", "127.0.0.3"});
  return proxy;
}

// Every byte feedd keeps: the database and its WAL, the posts.
std::string everything_stored(const TempDir& dir) {
  std::string bytes;
  for (const auto& item : fs::recursive_directory_iterator(dir.path())) {
    if (!item.is_regular_file()) continue;
    const auto name = item.path().string();
    if (name.find("/state/") == std::string::npos && name.find("/site/") == std::string::npos) continue;
    bytes += feedd::test::read_file(item.path());
  }
  return bytes;
}

std::size_t post_count(const TempDir& dir) { return feedd::test::post_count(dir / "site/_posts"); }

}  // namespace

TEST_CASE("A feed redirecting to another loopback host is refused naming source and URL, and allowed with allow_private") {
  HttpTestServer feed("127.0.0.1");
  HttpTestServer internal("127.0.0.2");
  const std::string target = internal.url("/secret.xml");
  feed.route("/feed.xml", [&](const TestRequest&) { return redirect_to(302, target); });
  internal.route("/secret.xml", [](const TestRequest&) { return feed_response(feedd::test::rss_with(2, "internal")); });

  TempDir dir;
  const std::string source = fmt::format("[[sources]]\nname = \"Public\"\nurl = \"{}\"\n", feed.url("/feed.xml"));
  const auto refused = once(write_config(dir, source));
  CHECK(refused.exit_status != 0);
  CHECK(output_of(refused).find(fmt::format("source Public ({}): redirect to {} refused", feed.url("/feed.xml"),
                                            target)) != std::string::npos);
  CHECK(internal.requests("/secret.xml") == 0);
  CHECK(post_count(dir) == 0);

  // The refusal counted as a failure, so `once` would wait out its backoff.
  const auto allowed = run_feedd({"once", "--force", "--config", write_config(dir, source + "allow_private = true\n").string()}, 60s);
  CHECK(allowed.exit_status == 0);
  CHECK(post_count(dir) == 2);

  TempDir global;
  const auto by_default = once(write_config(global, "[fetch]\nallow_private = true\n" + source));
  CHECK(by_default.exit_status == 0);
  CHECK(post_count(global) == 2);
}

TEST_CASE("Credentials in a source URL are hidden in logs, check, sources and config errors; export-opml keeps them") {
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest& request) {
    TestResponse response = feed_response(feedd::test::rss_with(1, "private"));
    if (request.headers.count("authorization") == 0) response.status = 401;
    return response;
  });
  const std::string secret = "s3cret-pass";
  const std::string url = fmt::format("http://reader:{}@127.0.0.1:{}/feed.xml", secret, server.port());
  const std::string shown = fmt::format("http://***@127.0.0.1:{}/feed.xml", server.port());
  TempDir dir;
  const auto config = write_config(dir, fmt::format("[[sources]]\nname = \"Members\"\nurl = \"{}\"\n", url));

  std::vector<std::string> outputs;
  const auto polled = once(config);
  CHECK(polled.exit_status == 0);  // libcurl sent the URL's credentials
  CHECK(post_count(dir) == 1);
  outputs.push_back(output_of(polled));
  CHECK(output_of(polled).find("Members (" + shown + ")") != std::string::npos);

  server.route("/feed.xml", [](const TestRequest&) {
    TestResponse response;
    response.status = 503;
    return response;
  });
  const auto failed = once(config);
  CHECK(failed.exit_status != 0);
  CHECK(output_of(failed).find("source Members (" + shown + "): HTTP 503") != std::string::npos);
  outputs.push_back(output_of(failed));

  const auto checked = run_feedd({"check", "--config", config.string()});
  CHECK(checked.exit_status == 0);
  CHECK(checked.out.find(shown) != std::string::npos);
  outputs.push_back(output_of(checked));
  for (const auto& listed : {run_feedd({"sources", "--config", config.string(), "--json"}),
                             run_feedd({"sources", "--config", config.string()})}) {
    CHECK(output_of(listed).find("***@127.0.0.1") != std::string::npos);
    outputs.push_back(output_of(listed));
  }

  TempDir other;
  const auto bad = write_config(other, fmt::format("[[sources]]\nname = \"Members\"\nurl = \"ftp{}\"\n", url.substr(4)));
  const auto refused = run_feedd({"check", "--config", bad.string()});
  CHECK(refused.exit_status != 0);
  CHECK(refused.err.find("ftp://***@127.0.0.1") != std::string::npos);
  outputs.push_back(output_of(refused));

  for (const auto& output : outputs) {
    CAPTURE(output);
    CHECK(output.find(secret) == std::string::npos);
  }

  // The export is a working subscription list: it must carry a URL that
  // still logs in (documented in the README).
  const auto exported = run_feedd({"export-opml", "--config", config.string()});
  CHECK(exported.out.find(secret) != std::string::npos);
}

TEST_CASE("A file:// FIFO source times out with a clear error while another source is polled and stored") {
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) { return feed_response(feedd::test::rss_with(3, "open")); });
  TempDir dir;
  const auto fifo = dir / "blocked.xml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto config = write_config(dir, fmt::format("[fetch]\ntimeout = \"2s\"\n"
                                                    "[[sources]]\nname = \"Blocked\"\nurl = \"file://{}\"\n"
                                                    "[[sources]]\nname = \"Open\"\nurl = \"{}\"\n",
                                                    fifo.string(), server.url("/feed.xml")));
  const auto started = std::chrono::steady_clock::now();
  const auto result = once(config);
  CHECK(std::chrono::steady_clock::now() - started < 20s);
  CHECK(result.exit_status != 0);
  CHECK(post_count(dir) == 3);
  CHECK(output_of(result).find(fmt::format("source Blocked (file://{}): timed out after 2 s reading {}", fifo.string(),
                                           fifo.string())) != std::string::npos);
}

TEST_CASE("SIGTERM stops feedd run while a file:// FIFO source blocks") {
  TempDir dir;
  const auto fifo = dir / "blocked.xml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  HttpTestServer server;
  server.route("/feed.xml", [](const TestRequest&) { return feed_response(feedd::test::rss_with(1, "open")); });
  const auto config = write_config(dir, fmt::format("[daemon]\nshutdown_grace = \"1s\"\n"
                                                    "[[sources]]\nname = \"Blocked\"\nurl = \"file://{}\"\n"
                                                    "[[sources]]\nname = \"Open\"\nurl = \"{}\"\n",
                                                    fifo.string(), server.url("/feed.xml")));
  feedd::test::ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (post_count(dir) == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  CHECK(post_count(dir) == 1);  // the other source was polled and stored
  daemon.signal(SIGTERM);
  const auto status = daemon.wait(10s);
  CHECK(status.has_value());
  CHECK(status.value_or(-1) == 0);
}

TEST_CASE("A challenge page and a text notice are reported as not a feed, never as a parse error") {
  HttpTestServer server;
  server.route("/challenge.xml", [](const TestRequest&) {
    TestResponse response;
    response.headers.emplace_back("Content-Type", "text/html; charset=UTF-8");
    response.body = "<!DOCTYPE html>\n<html lang=\"en-US\"><head><title>Just a moment...</title>"
                    "<meta http-equiv=\"refresh\" content=\"35\"></head><body><p>Checking your browser</p></body></html>";
    return response;
  });
  server.route("/notice.xml", [](const TestRequest&) {
    TestResponse response;
    response.headers.emplace_back("Content-Type", "text/plain");
    response.body = "We will gradually restrict access to rsshub.app for some feed readers.\n"
                    "We strongly recommend self-hosting RSSHub.\n";
    return response;
  });
  server.route("/blocked.xml", [](const TestRequest&) {
    TestResponse response;
    response.status = 403;
    response.headers.emplace_back("Content-Type", "text/html");
    response.body = "<html><head><title>Attention Required! | Cloudflare</title></head><body></body></html>";
    return response;
  });
  server.serve("/feed.xml", feedd::test::rss_with(1, "real"));
  TempDir dir;
  const auto config = write_config(
      dir, fmt::format("[[sources]]\nname = \"联合早报\"\nurl = \"{}\"\n[[sources]]\nname = \"Notice\"\nurl = \"{}\"\n"
                       "[[sources]]\nname = \"Blocked\"\nurl = \"{}\"\n[[sources]]\nname = \"Real\"\nurl = \"{}\"\n",
                       server.url("/challenge.xml"), server.url("/notice.xml"), server.url("/blocked.xml"),
                       server.url("/feed.xml")));
  const auto result = once(config);
  const std::string output = output_of(result);
  INFO(output);
  CHECK(result.exit_status != 0);
  CHECK(post_count(dir) == 1);
  CHECK(output.find(fmt::format("source 联合早报 ({}): HTTP 200 but text/html, not a feed: 'Just a moment...'",
                                server.url("/challenge.xml"))) != std::string::npos);
  CHECK(output.find(fmt::format("source Notice ({}): HTTP 200 but text/plain, not a feed: 'We will gradually "
                                "restrict access to rsshub.app for some feed readers.",
                                server.url("/notice.xml"))) != std::string::npos);
  CHECK(output.find(fmt::format("source Blocked ({}): HTTP 403 Forbidden: text/html, not a feed: 'Attention "
                                "Required! | Cloudflare'",
                                server.url("/blocked.xml"))) != std::string::npos);
  CHECK(output.find("line ") == std::string::npos);
}

// The name socks5h hands to the proxy to resolve: "localhost" where this
// machine's resolver knows it; a bare chroot without /etc/hosts does not,
// and then the proxy is given the address itself.
std::string host_the_proxy_resolves() {
  addrinfo* found = nullptr;
  const addrinfo hints{0, AF_INET, SOCK_STREAM, 0, 0, nullptr, nullptr, nullptr};
  const bool known = ::getaddrinfo("localhost", nullptr, &hints, &found) == 0;
  if (found != nullptr) ::freeaddrinfo(found);
  if (!known) MESSAGE("localhost does not resolve here: the SOCKS5 source names 127.0.0.1 instead");
  return known ? "localhost" : "127.0.0.1";
}

TEST_CASE("Sources reach their feed through an HTTP proxy (tinyproxy) and a SOCKS5 proxy (microsocks), with logins") {
  TempDir dir;
  Proxy http_proxy = start_tinyproxy(dir);
  Proxy socks = start_microsocks();
  HttpTestServer server;
  std::vector<TestRequest> seen_http;
  std::vector<TestRequest> seen_socks;
  std::mutex mutex;
  server.route("/via-http.xml", [&](const TestRequest& request) {
    const std::lock_guard lock(mutex);
    seen_http.push_back(request);
    return feed_response(feedd::test::rss_with(1, "via-http"));
  });
  HttpTestServer internal("127.0.0.2");
  internal.route("/secret.xml", [](const TestRequest&) { return feed_response(feedd::test::rss_with(1, "secret")); });
  server.route("/to-internal.xml", [&](const TestRequest&) { return redirect_to(302, internal.url("/secret.xml")); });
  server.route("/via-socks.xml", [&](const TestRequest& request) {
    const std::lock_guard lock(mutex);
    seen_socks.push_back(request);
    return feed_response(feedd::test::rss_with(1, "via-socks"));
  });
  const auto config = write_config(
      dir, fmt::format("[fetch]\nproxy = \"http://feeduser:proxy-secret-1@127.0.0.1:{}\"\n"
                       "[[sources]]\nname = \"Through tinyproxy\"\nurl = \"{}\"\n"
                       "[[sources]]\nname = \"Through microsocks\"\n"
                       "url = \"http://{}:{}/via-socks.xml\"\n"
                       "proxy = \"socks5h://sockuser:socks-secret-2@127.0.0.1:{}\"\n"
                       "[[sources]]\nname = \"Redirected\"\nurl = \"{}\"\n",
                       http_proxy.port, server.url("/via-http.xml"), host_the_proxy_resolves(), server.port(), socks.port,
                       server.url("/to-internal.xml")));
  const auto result = once(config);
  INFO(output_of(result));
  CHECK(result.exit_status != 0);
  CHECK(post_count(dir) == 2);
  // Through a proxy the address connected to is the proxy's; a host written
  // as a private address is still refused.
  CHECK(output_of(result).find(fmt::format("source Redirected ({}): redirect to {} refused",
                                           server.url("/to-internal.xml"), internal.url("/secret.xml"))) !=
        std::string::npos);
  CHECK(internal.requests("/secret.xml") == 0);
  {
    const std::lock_guard lock(mutex);
    REQUIRE(seen_http.size() == 1);
    CHECK(seen_http[0].headers["via"].find("tinyproxy") != std::string::npos);
    REQUIRE(seen_socks.size() == 1);
    CHECK(seen_socks[0].peer == "127.0.0.3");  // microsocks' outgoing address, not feedd's
    CHECK(seen_socks[0].headers.count("via") == 0);
  }
  const auto checked = run_feedd({"check", "--config", config.string()});
  CHECK(checked.out.find(fmt::format("proxy:      http://***@127.0.0.1:{}", http_proxy.port)) != std::string::npos);
  for (const auto& output : {output_of(result), output_of(checked),
                             output_of(run_feedd({"sources", "--config", config.string(), "--json"})),
                             output_of(run_feedd({"export-opml", "--config", config.string()})),
                             everything_stored(dir)}) {
    CHECK(output.find("proxy-secret-1") == std::string::npos);
    CHECK(output.find("socks-secret-2") == std::string::npos);
  }
}

TEST_CASE("Basic auth, a bearer token, headers, a cookie and a User-Agent reach the server; secrets appear nowhere") {
  TempDir dir;
  HttpTestServer server;
  std::map<std::string, TestRequest> seen;
  std::mutex mutex;
  for (const std::string path : {"/basic.xml", "/bearer.xml"}) {
    server.route(path, [&, path](const TestRequest& request) {
      const std::lock_guard lock(mutex);
      seen[path] = request;
      if (request.headers.count("authorization") == 0) {
        TestResponse denied;
        denied.status = 401;
        return denied;
      }
      return feed_response(feedd::test::rss_with(1, path.substr(1, path.size() - 5)));
    });
  }
  fs::create_directories(dir / "secrets");
  write_file(dir / "secrets/password", "pw-secret-3\n");
  TempDir credentials;  // as systemd's LoadCredential= lays it out
  write_file(credentials / "feed-token", "token-secret-4");
  const auto config = write_config(
      dir, fmt::format("[fetch]\nuser_agent = \"global-agent/1\"\nheaders = {{ X-Feed-Key = \"k1\" }}\n"
                       "[[sources]]\nname = \"Basic\"\nurl = \"{}\"\nusername = \"reader\"\n"
                       "password_file = \"secrets/password\"\ncookie = \"session=c00kie\"\n"
                       "[[sources]]\nname = \"Bearer\"\nurl = \"{}\"\n"
                       "token_file = \"$CREDENTIALS_DIRECTORY/feed-token\"\n"
                       "user_agent = \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
                       "headers = {{ Referer = \"https://example.org/\", Accept-Language = \"zh-CN\" }}\n",
                       server.url("/basic.xml"), server.url("/bearer.xml")));
  const std::vector<std::pair<std::string, std::string>> env{{"CREDENTIALS_DIRECTORY", credentials.path().string()}};
  const auto result = feedd::test::run_process({FEEDD_BINARY, "once", "--config", config.string(), "-v"}, 60s, env);
  INFO(output_of(result));
  CHECK(result.exit_status == 0);
  CHECK(post_count(dir) == 2);
  {
    const std::lock_guard lock(mutex);
    auto& basic = seen["/basic.xml"].headers;
    CHECK(basic["authorization"] == "Basic cmVhZGVyOnB3LXNlY3JldC0z");  // reader:pw-secret-3
    CHECK(basic["cookie"] == "session=c00kie");
    CHECK(basic["x-feed-key"] == "k1");
    CHECK(basic["user-agent"] == "global-agent/1");
    auto& bearer = seen["/bearer.xml"].headers;
    CHECK(bearer["authorization"] == "Bearer token-secret-4");
    CHECK(bearer["referer"] == "https://example.org/");
    CHECK(bearer["accept-language"] == "zh-CN");
    CHECK(bearer.count("x-feed-key") == 0);  // the source's headers replace [fetch]'s
    CHECK(bearer["user-agent"] == "Mozilla/5.0 (X11; Linux x86_64)");
  }

  // Outside the service the credential folder is missing: the poll fails
  // naming the file, check names file, line and key.
  const auto without = once(config);
  CHECK(without.exit_status != 0);
  CHECK(output_of(without).find("source Bearer (" + server.url("/bearer.xml") +
                                "): cannot read $CREDENTIALS_DIRECTORY/feed-token: CREDENTIALS_DIRECTORY is not set") !=
        std::string::npos);
  fs::remove(dir / "secrets/password");
  const auto checked = run_feedd({"check", "--config", config.string()});
  CHECK(checked.exit_status != 0);
  CHECK(checked.err.find(config.string() + ":7: sources[0].password_file: cannot read " +
                         (dir / "secrets/password").string()) != std::string::npos);

  for (const auto& output : {output_of(result), output_of(without), output_of(checked),
                             output_of(run_feedd({"sources", "--config", config.string(), "--json"})),
                             output_of(run_feedd({"export-opml", "--config", config.string()})),
                             everything_stored(dir)}) {
    CHECK(output.find("pw-secret-3") == std::string::npos);
    CHECK(output.find("token-secret-4") == std::string::npos);
    CHECK(output.find("cmVhZGVyOnB3LXNlY3JldC0z") == std::string::npos);
  }
}

TEST_CASE("Config checks of the fetch keys name file, line and key") {
  TempDir dir;
  auto error_of = [&](const std::string& body) {
    const auto result = run_feedd({"check", "--config", write_config(dir, body).string()});
    CHECK(result.exit_status != 0);
    return result.err;
  };
  const std::string file = (dir / "feedd.toml").string();
  CHECK(error_of("[fetch]\nproxy = \"ftp://u:pw@proxy:21\"\n")
            .find(file + ":5: fetch.proxy: must be an http://, https://, socks5:// or socks5h:// URL, got "
                         "\"ftp://***@proxy:21\"") != std::string::npos);
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"https://x/\"\nheaders = { Authorization = \"Basic eA==\" }\n")
            .find(file + ":7: sources[0].headers.Authorization: set username and password_file, or token_file") !=
        std::string::npos);
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"https://x/\"\nusername = \"me\"\n")
            .find(file + ":7: sources[0].username: needs password_file too") != std::string::npos);
  CHECK(error_of("[[sources]]\nname = \"a\"\nurls = [\"https://x/\", \"gopher://y/\"]\n")
            .find(file + ":6: sources[0].urls[1]: must be an http(s) or file URL") != std::string::npos);
  CHECK(error_of("[[sources]]\nname = \"a\"\nurl = \"https://x/\"\nurls = [\"https://y/\"]\n")
            .find(file + ":7: sources[0].urls: its first URL must be url's") != std::string::npos);
}

TEST_CASE("Mirrors: a failing primary fails over to the next URL, feedd sticks to it, and returns to the primary") {
  HttpTestServer primary;
  HttpTestServer mirror;
  std::atomic<int> primary_mode{0};  // 0: challenge page, 1: 503, 2: healthy
  const std::string feed = feedd::test::rss_with(2, "mirrored");
  primary.route("/feed.xml", [&](const TestRequest&) {
    TestResponse response = feed_response(feed);
    if (primary_mode == 0) {
      response.status = 403;
      response.headers = {{"Content-Type", "text/html"}};
      response.body = "<html><head><title>Just a moment...</title></head></html>";
    } else if (primary_mode == 1) {
      response.status = 503;
    }
    return response;
  });
  mirror.route("/feed.xml", [&](const TestRequest&) { return feed_response(feed); });
  TempDir dir;
  const auto config = write_config(
      dir, fmt::format("[schedule]\nmin_interval = \"100ms\"\ninterval = \"1s\"\n[[sources]]\nname = \"联合早报\"\n"
                       "urls = [\"{}\", \"{}\"]\nprimary_retry = \"3s\"\n",
                       primary.url("/feed.xml"), mirror.url("/feed.xml")));
  const auto first = once(config);
  INFO(output_of(first));
  CHECK(first.exit_status == 0);
  CHECK(post_count(dir) == 2);
  CHECK(output_of(first).find(fmt::format("(after {}: HTTP 403 Forbidden: text/html, not a feed: 'Just a moment...')",
                                          primary.url("/feed.xml"))) != std::string::npos);
  CHECK(run_feedd({"sources", "--config", config.string(), "--json"}).out.find(mirror.url("/feed.xml")) !=
        std::string::npos);

  primary_mode = 1;
  feedd::test::ChildProcess daemon({FEEDD_BINARY, "run", "--config", config.string()});
  // Sticks to the mirror: after the first poll of this process tried the
  // primary, polls go to the mirror until primary_retry has passed.
  REQUIRE(feedd::test::eventually([&] { return mirror.requests("/feed.xml") >= 8; }, 30s));
  const auto primary_tries = primary.requests("/feed.xml");
  // Polled about every second, the primary tried again every 3 s: polls
  // trying the primary each time would have reached it 8 times.
  CHECK(primary_tries <= 5);
  primary_mode = 2;
  REQUIRE(feedd::test::eventually([&] { return primary.requests("/feed.xml") >= primary_tries + 2; }, 20s));
  const auto mirror_after = mirror.requests("/feed.xml");
  REQUIRE(feedd::test::eventually([&] { return primary.requests("/feed.xml") >= primary_tries + 4; }, 20s));
  CHECK(mirror.requests("/feed.xml") <= mirror_after + 1);  // back on the primary for good
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(15s).has_value());
  CHECK(run_feedd({"sources", "--config", config.string(), "--json"}).out.find(primary.url("/feed.xml")) !=
        std::string::npos);
  CHECK(post_count(dir) == 2);  // the same entries from either URL are the same posts
  CHECK(feedd::test::sqlite_count(dir / "state/feedd.db", "SELECT count(*) FROM entries") == 2);
}

TEST_CASE("A source's own timeout overrides [fetch] timeout") {
  HttpTestServer server;
  server.route("/slow.xml", [](const TestRequest&) {
    TestResponse response = feed_response(feedd::test::rss_with(1, "slow"));
    response.delay = 3s;
    return response;
  });
  TempDir dir;
  const auto config = write_config(dir, fmt::format("[fetch]\ntimeout = \"30s\"\n"
                                                    "[[sources]]\nname = \"Slow\"\nurl = \"{}\"\ntimeout = \"1s\"\n",
                                                    server.url("/slow.xml")));
  const auto started = std::chrono::steady_clock::now();
  const auto result = once(config);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(result.exit_status != 0);
  const auto line = output_of(result).find("source Slow (" + server.url("/slow.xml") + "): ");
  REQUIRE(line != std::string::npos);
  CHECK(output_of(result).find("timed out after 1", line) != std::string::npos);
  CHECK(post_count(dir) == 0);
}

TEST_CASE("An HTTPS source with its own CA is refused until tls_ca_file names that CA") {
  TempDir dir;
  const auto key = dir / "key.pem";
  const auto cert = dir / "ca.pem";
  const auto made = feedd::test::run_process(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out",
       cert.string(), "-days", "2", "-subj", "/CN=feedd test CA", "-addext", "subjectAltName=IP:127.0.0.1"},
      60s);
  REQUIRE_MESSAGE(made.exit_status == 0, made.err);
  fs::create_directories(dir / "www");
  write_file(dir / "www/a.xml", feedd::test::rss_with(1, "tls-a"));
  write_file(dir / "www/b.xml", feedd::test::rss_with(1, "tls-b"));
  // Python's own TLS server: a real TLS stack that is not libcurl's.
  const std::string server_script =
      "import functools, http.server, ssl, sys\n"
      "handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])\n"
      "handler.func.log_message = lambda *args: None\n"
      "server = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), handler)\n"
      "context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
      "context.load_cert_chain(sys.argv[3], sys.argv[4])\n"
      "server.socket = context.wrap_socket(server.socket, server_side=True)\n"
      "server.serve_forever()\n";
  Proxy tls_server;  // not a proxy: the same start-and-wait for any loopback server
  tls_server.start({"/usr/bin/python3", "-c", server_script, std::to_string(tls_server.port), (dir / "www").string(),
                    cert.string(), key.string()});
  const std::string base = fmt::format("https://127.0.0.1:{}", tls_server.port);
  const auto config = write_config(dir, fmt::format("[[sources]]\nname = \"Unknown CA\"\nurl = \"{}/a.xml\"\n"
                                                    "[[sources]]\nname = \"Own CA\"\nurl = \"{}/b.xml\"\n"
                                                    "tls_ca_file = \"ca.pem\"\n",
                                                    base, base));
  const auto result = once(config);
  const std::string output = output_of(result);
  INFO(output);
  CHECK(result.exit_status != 0);
  CHECK(post_count(dir) == 1);
  CHECK(output.find("Own CA (" + base + "/b.xml): HTTP 200") != std::string::npos);
  const auto refused = output.find("source Unknown CA (" + base + "/a.xml): ");
  REQUIRE(refused != std::string::npos);
  CHECK(output.find("certificate", refused) != std::string::npos);
}
