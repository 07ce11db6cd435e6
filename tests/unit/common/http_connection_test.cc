// HttpConnection against a real loopback server written by hand (a blocking Asio acceptor on
// its own thread): keep-alive exchanges, a stream read that outlives its wait without losing
// bytes, Cancel from another thread, and host:port splitting.

#include "common/http_connection.h"

#include <gtest/gtest.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "common/tls_client_context.h"

namespace tinyk8s {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using Clock = HttpConnection::Clock;

// OneConnectionServer accepts one connection on 127.0.0.1 and runs `script` on it.
class OneConnectionServer {
 public:
  explicit OneConnectionServer(std::function<void(net::ip::tcp::socket&)> script)
      : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, script = std::move(script)] {
      net::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket);
      script(socket);
    });
  }
  ~OneConnectionServer() { thread_.join(); }
  HttpTarget target() const {
    return HttpTarget{"127.0.0.1", std::to_string(acceptor_.local_endpoint().port()), "", "test"};
  }

 private:
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// ReadRequest reads one request header (the tests send no bodies).
void ReadRequest(net::ip::tcp::socket& socket, std::string& buffer) {
  size_t n = net::read_until(socket, net::dynamic_buffer(buffer), "\r\n\r\n");
  buffer.erase(0, n);
}

void Send(net::ip::tcp::socket& socket, const std::string& bytes) {
  net::write(socket, net::buffer(bytes));
}

std::unique_ptr<HttpConnection> ConnectTo(const HttpTarget& target) {
  auto addresses = HttpConnection::Resolve(target);
  EXPECT_TRUE(addresses.ok()) << addresses.status().ToString();
  auto c =
      HttpConnection::Connect(target, *addresses, nullptr, Clock::now() + std::chrono::seconds(10));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

HttpConnection::Request Get(const std::string& path) {
  HttpConnection::Request req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

// StreamAfter answers one request with a chunked stream's header, waits for `go`, then sends
// `rest` of the stream.
std::function<void(net::ip::tcp::socket&)> StreamAfter(std::future<void>& go, std::string rest) {
  return [&go, rest](net::ip::tcp::socket& socket) {
    std::string buffer;
    ReadRequest(socket, buffer);
    Send(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    go.wait();
    if (!rest.empty()) Send(socket, rest);
  };
}

// OpenStream sends `req` and reads the header of the streamed response.
void OpenStream(HttpConnection& c, HttpConnection::Request& req,
                HttpConnection::ResponseParser& parser) {
  ASSERT_TRUE(c.Write(req, Clock::now() + std::chrono::seconds(10)).ok());
  ASSERT_TRUE(c.ReadHeader(parser, Clock::now() + std::chrono::seconds(10)).ok());
}

TEST(HttpConnectionTest, KeepsAliveUntilTheServerSaysClose) {
  OneConnectionServer server([](net::ip::tcp::socket& socket) {
    std::string buffer;
    ReadRequest(socket, buffer);
    Send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
    ReadRequest(socket, buffer);
    Send(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo");
  });
  auto c = ConnectTo(server.target());
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  auto req = Get("/a");
  HttpConnection::ResponseParser first;
  ASSERT_TRUE(c->Exchange(req, first, deadline).ok());
  EXPECT_EQ(first.get().result_int(), 200u);
  EXPECT_EQ(first.get().body(), "one");
  EXPECT_TRUE(c->reusable());
  HttpConnection::ResponseParser second;
  ASSERT_TRUE(c->Exchange(req, second, deadline).ok());
  EXPECT_EQ(second.get().result_int(), 404u);
  EXPECT_EQ(second.get().body(), "two");
  EXPECT_FALSE(c->reusable());
}

TEST(HttpConnectionTest, StreamReadOutlivesItsWaitWithoutLosingBytes) {
  std::promise<void> client_timed_out;
  auto timed_out = client_timed_out.get_future();
  OneConnectionServer server(StreamAfter(timed_out, "6\r\nlate\n\n\r\n0\r\n\r\n"));
  auto c = ConnectTo(server.target());
  auto req = Get("/watch");
  HttpConnection::ResponseParser parser;
  OpenStream(*c, req, parser);
  // Nothing arrives within the wait: the read stays pending.
  EXPECT_FALSE(c->ReadSome(parser, Clock::now() + std::chrono::milliseconds(50)).has_value());
  client_timed_out.set_value();
  std::string body;
  while (!parser.is_done()) {
    auto ec = c->ReadSome(parser, Clock::time_point::max());
    ASSERT_TRUE(ec.has_value());
    ASSERT_FALSE(*ec) << ec->message();
    body += parser.get().body();
    parser.get().body().clear();
  }
  EXPECT_EQ(body, "late\n\n");
}

TEST(HttpConnectionTest, CancelFromAnotherThreadEndsABlockedStreamRead) {
  std::promise<void> done;
  auto finished = done.get_future();
  OneConnectionServer server(StreamAfter(finished, ""));  // open and silent until the end
  auto c = ConnectTo(server.target());
  auto req = Get("/watch");
  HttpConnection::ResponseParser parser;
  OpenStream(*c, req, parser);
  std::thread canceller([&c] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c->Cancel();
  });
  auto ec = c->ReadSome(parser, Clock::time_point::max());
  canceller.join();
  done.set_value();
  ASSERT_TRUE(ec.has_value());
  EXPECT_TRUE(*ec);
  EXPECT_TRUE(c->cancelled());
  EXPECT_FALSE(c->reusable());
  // Deadline-bounded calls on a cancelled connection say so.
  EXPECT_EQ(c->Write(req, Clock::now() + std::chrono::seconds(1)).code(), StatusCode::kCancelled);
}

TEST(HttpConnectionTest, ConnectionRefusedIsUnavailable) {
  HttpTarget target;
  {
    net::io_context ioc;
    net::ip::tcp::acceptor closed(ioc, {net::ip::make_address("127.0.0.1"), 0});
    target = HttpTarget{"127.0.0.1", std::to_string(closed.local_endpoint().port()), "", "peer"};
  }
  auto addresses = HttpConnection::Resolve(target);
  ASSERT_TRUE(addresses.ok());
  auto c =
      HttpConnection::Connect(target, *addresses, nullptr, Clock::now() + std::chrono::seconds(5));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(c.status().message().rfind("peer: connect: ", 0), 0u) << c.status().message();
}

TEST(SplitHostPortTest, NamesAddressesAndPorts) {
  std::string host, port;
  ASSERT_TRUE(SplitHostPort("example.com:6443", &host, &port));
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, "6443");
  ASSERT_TRUE(SplitHostPort("[::1]:2379", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, "2379");
  ASSERT_TRUE(SplitHostPort("[fe80::1]", &host, &port));
  EXPECT_EQ(host, "fe80::1");
  EXPECT_EQ(port, "");
  ASSERT_TRUE(SplitHostPort("localhost", &host, &port));
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, "");
  EXPECT_FALSE(SplitHostPort("[::1:2379", &host, &port));
  EXPECT_TRUE(IsIpAddress("::1"));
  EXPECT_FALSE(IsIpAddress("localhost"));
}

TEST(TlsClientContextTest, NamesThePartThatDoesNotLoad) {
  TlsClientOptions options;
  options.ca_pem = "not a certificate";
  options.ca_name = "certificate-authority-data";
  auto bad_ca = NewTlsClientContext(options);
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_EQ(bad_ca.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(bad_ca.status().message().rfind("certificate-authority-data: ", 0), 0u);

  options.ca_pem.clear();  // the system's CAs
  options.cert_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  options.cert_name = "etcd cert /x/client.crt";
  auto bad_cert = NewTlsClientContext(options);
  ASSERT_FALSE(bad_cert.ok());
  EXPECT_EQ(bad_cert.status().message().rfind("etcd cert /x/client.crt: ", 0), 0u);

  options.cert_pem.clear();
  EXPECT_TRUE(NewTlsClientContext(options).ok());
}

}  // namespace
}  // namespace tinyk8s
