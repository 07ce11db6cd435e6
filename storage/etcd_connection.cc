#include "storage/etcd_connection.h"

#include <limits>

namespace tinyk8s::storage {

namespace http = boost::beast::http;

Result<EtcdEndpoint> ParseEtcdEndpoint(const std::string& url) {
  EtcdEndpoint ep;
  ep.url = url;
  std::string rest = url;
  if (rest.rfind("https://", 0) == 0) {
    ep.tls = true;
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return Status::Invalid("etcd endpoint must be http(s)://host:port: \"" + url + "\"");
  }
  if (!SplitHostPort(rest, &ep.host, &ep.port)) {
    return Status::Invalid("bad IPv6 host in \"" + url + "\"");
  }
  if (ep.port.empty()) ep.port = "2379";
  if (ep.host.empty() || ep.port.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("bad etcd endpoint \"" + url + "\"");
  }
  ep.target.host = ep.host;
  ep.target.port = ep.port;
  ep.target.server_name = IsIpAddress(ep.host) ? "" : ep.host;
  ep.target.label = "etcd " + url;
  return ep;
}

Result<std::unique_ptr<EtcdConnection>> EtcdConnection::Connect(const EtcdEndpoint& endpoint,
                                                                boost::asio::ssl::context* ssl,
                                                                Clock::time_point deadline) {
  if (endpoint.tls && ssl == nullptr) {
    return Status::Invalid("etcd endpoint " + endpoint.url + " needs TLS");
  }
  // Resolved per connection: members may move between addresses.
  TK_ASSIGN_OR_RETURN(auto addresses, HttpConnection::Resolve(endpoint.target));
  TK_ASSIGN_OR_RETURN(auto http, HttpConnection::Connect(endpoint.target, addresses,
                                                         endpoint.tls ? ssl : nullptr, deadline));
  return std::unique_ptr<EtcdConnection>(new EtcdConnection(endpoint, std::move(http)));
}

Status EtcdConnection::Send(const std::string& path, const std::string& body,
                            Clock::time_point deadline) {
  HttpConnection::Request req{http::verb::post, path, 11};
  req.set(http::field::host, endpoint_.host + ":" + endpoint_.port);
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  return http_->Write(req, deadline);
}

Result<std::pair<int, std::string>> EtcdConnection::Post(const std::string& path,
                                                         const std::string& body,
                                                         Clock::time_point deadline) {
  TK_RETURN_IF_ERROR(Send(path, body, deadline));
  HttpConnection::ResponseParser parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  TK_RETURN_IF_ERROR(http_->ReadBody(parser, deadline, "read response"));
  if (!parser.get().keep_alive()) http_->set_reusable(false);
  return std::make_pair(static_cast<int>(parser.get().result_int()),
                        std::move(parser.get().body()));
}

Result<int> EtcdConnection::StartStream(const std::string& path, const std::string& body,
                                        Clock::time_point deadline) {
  http_->set_reusable(false);  // a stream ends only by closing the connection
  TK_RETURN_IF_ERROR(Send(path, body, deadline));
  stream_.emplace();
  stream_->body_limit(std::numeric_limits<std::uint64_t>::max());
  TK_RETURN_IF_ERROR(http_->ReadHeader(*stream_, deadline, "read stream header"));
  return static_cast<int>(stream_->get().result_int());
}

Result<std::string> EtcdConnection::NextLine(Clock::duration wait) {
  if (!stream_) return Status::Internal("etcd: NextLine without a stream");
  const auto until =
      wait == Clock::duration::max() ? Clock::time_point::max() : Clock::now() + wait;
  while (true) {
    size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    if (stream_->is_done()) {
      return Status::Unavailable("etcd " + endpoint_.url + ": stream ended");
    }
    auto read = http_->ReadSome(*stream_, until);
    if (!read) return Status::Timeout("etcd " + endpoint_.url + ": no watch message in time");
    if (*read) {
      if (http_->cancelled()) return Status::Cancelled("etcd stream cancelled");
      return Status::Unavailable("etcd " + endpoint_.url + ": read stream: " + read->message());
    }
    // The string body grows by appending: taking its bytes after each read keeps it small.
    std::string& body = stream_->get().body();
    pending_ += body;
    body.clear();
  }
}

}  // namespace tinyk8s::storage
