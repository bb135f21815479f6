// A small HTTP/1.1 server on the daemon's own io_context (Boost.Beast), for
// /metrics and /healthz. Each connection answers one GET and closes; slow or
// idle clients are cut off, and the number of connections is bounded, so a
// misbehaving scraper cannot hold the daemon's resources. At the bound a new
// connection is still served: the oldest one that has not sent its request
// yet makes room, so idle connections can never lock a health check out.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

namespace feedd {

struct EndpointResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpEndpoint {
 public:
  using Handler = std::function<EndpointResponse(std::string_view path)>;

  // Listens on `listen` ("127.0.0.1:9464", "[::1]:9464", or just "9464" for
  // loopback). Throws std::runtime_error naming the address when it cannot.
  HttpEndpoint(boost::asio::io_context& io, const std::string& listen, Handler handler);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  unsigned short port() const;
  void stop();  // stops accepting; open connections finish

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd
