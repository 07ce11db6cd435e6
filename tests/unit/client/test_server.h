#pragma once
// TestServer: an in-process API server on a free loopback port in a temp dir, plus a
// RestClient to it. Shared by the client tests.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/json.h"
#include "apiserver/server.h"
#include "client/rest_client.h"

namespace tinyk8s::client::testing {

class TestServer {
 public:
  TestServer() {
    char tmpl[] = "/tmp/client_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    apiserver::ApiServerOptions o;
    o.data_dir = dir_;
    o.durable = false;
    o.host = "127.0.0.1";
    o.port = 0;
    o.worker_threads = 4;
    o.insecure_http = true;  // client tests exercise the API, not TLS
    // A lone API server: no controller creates the "default" accounts pods would need.
    o.service_account_admission = false;
    auto s = apiserver::ApiServer::Start(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) server_ = std::move(*s);
    RestConfig config;
    config.server = server_ ? server_->url() : "http://127.0.0.1:1";
    auto c = RestClient::Create(config);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (c.ok()) client_ = std::move(*c);
  }
  ~TestServer() {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Restart stops the server and starts a new one on the same data and port. The new server's
  // watch cache starts at the current revision, so watches from older versions get 410.
  void Restart() {
    uint16_t port = server_->port();
    server_->Stop();
    server_.reset();
    apiserver::ApiServerOptions o;
    o.data_dir = dir_;
    o.durable = false;
    o.port = port;
    o.worker_threads = 4;
    o.insecure_http = true;  // client tests exercise the API, not TLS
    // A lone API server: no controller creates the "default" accounts pods would need.
    o.service_account_admission = false;
    auto s = apiserver::ApiServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }
  RestClient& client() { return *client_; }
  apiserver::ApiServer& server() { return *server_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<RestClient> client_;
};

inline rapidjson::Document Json(std::string_view text) {
  auto d = api::ParseJson(text);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? std::move(*d) : rapidjson::Document();
}

inline rapidjson::Document PodJson(const std::string& ns, const std::string& name,
                                   const std::string& node = "",
                                   const std::string& labels = "{\"app\":\"web\"}") {
  std::string spec = R"("containers":[{"name":"c","image":"nginx"}])";
  if (!node.empty()) spec += R"(,"nodeName":")" + node + "\"";
  return Json(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
              R"(","namespace":")" + ns + R"(","labels":)" + labels + R"(},"spec":{)" + spec +
              "}}");
}

}  // namespace tinyk8s::client::testing
