// Talking to a feedd daemon's own HTTP endpoint (/metrics, /healthz) on
// loopback, as a scraper or a health check would: one plain GET per call.
#pragma once

#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace feedd::test {

// A loopback port free at this moment, for [http] listen.
inline unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

struct HttpAnswer {
  int status = 0;  // 0: no answer (not listening yet, or the connection failed)
  std::string body;
};

inline HttpAnswer http_get(unsigned short port, const std::string& target) {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code error;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, error);
  if (error) return {};
  beast::http::request<beast::http::empty_body> request(beast::http::verb::get, target, 11);
  request.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(socket, request, error);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(socket, buffer, response, error);
  if (error && error != beast::http::error::end_of_stream) return {};
  return {static_cast<int>(response.result_int()), response.body()};
}

}  // namespace feedd::test
