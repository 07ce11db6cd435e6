#include "storage/etcd_client.h"

#include <rapidjson/error/en.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/logging.h"
#include "common/tls_client_context.h"

namespace tinyk8s::storage {

using Clock = std::chrono::steady_clock;

namespace {

// gRPC status codes that the gateway reports in "code".
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcResourceExhausted = 8;
constexpr int kGrpcPermissionDenied = 7;
constexpr int kGrpcUnavailable = 14;
constexpr int kGrpcUnauthenticated = 16;

Result<rapidjson::Document> ParseJson(const std::string& text, const std::string& where) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Internal(
        "etcd " + where + ": bad JSON response: " +
        (doc.HasParseError() ? rapidjson::GetParseError_En(doc.GetParseError()) : "not an object"));
  }
  return doc;
}

Result<std::string> ReadPemFile(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) return Status::Invalid(name + ": cannot read the file");
  return text.str();
}

}  // namespace

Status EtcdError(int http_status, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  std::string message = body;
  int code = -1;
  if (!doc.HasParseError() && doc.IsObject()) {
    // Unary errors are flat; stream errors nest them under "error".
    const rapidjson::Value* err = &doc;
    if (doc.HasMember("error") && doc["error"].IsObject()) err = &doc["error"];
    if (err->HasMember("message") && (*err)["message"].IsString()) {
      message = (*err)["message"].GetString();
    } else if (err->HasMember("error") && (*err)["error"].IsString()) {
      message = (*err)["error"].GetString();
    }
    for (const char* name : {"code", "grpc_code"}) {
      if (err->HasMember(name) && (*err)[name].IsInt()) code = (*err)[name].GetInt();
    }
  }
  message = "etcd: " + message;
  if (message.find("required revision has been compacted") != std::string::npos) {
    return Status::Gone(message);
  }
  if (message.find("required revision is a future revision") != std::string::npos) {
    return Status::Invalid(message);
  }
  switch (code) {
    case kGrpcUnavailable:
      return Status::Unavailable(message);
    case kGrpcInvalidArgument:
      return Status::Invalid(message);
    case kGrpcResourceExhausted:
      return Status(StatusCode::kRequestEntityTooLarge, message);
    case kGrpcPermissionDenied:
      return Status(StatusCode::kForbidden, message);
    case kGrpcUnauthenticated:
      return Status(StatusCode::kUnauthorized, message);
    default:
      return Status::Internal(message + " (HTTP " + std::to_string(http_status) + ")");
  }
}

Result<rapidjson::Document> EtcdWatchStream::NextWithin(EtcdConnection::Clock::duration wait) {
  TK_ASSIGN_OR_RETURN(std::string line, connection_->NextLine(wait));
  TK_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(line, connection_->endpoint().url));
  if (!doc.HasMember("result") || !doc["result"].IsObject()) {
    Status error = EtcdError(200, line);
    // A broken stream is for the caller to resume elsewhere, whatever the member said.
    return error.code() == StatusCode::kGone ? error : Status::Unavailable(error.message());
  }
  return doc;
}

Result<rapidjson::Document> EtcdWatchStream::Next() {
  while (true) {
    auto message = NextWithin(client_->options_.watch_silence);
    if (message.ok() || message.status().code() != StatusCode::kTimeout) return message;
    // Silence: an idle cluster, or a member that hangs. Only the latter fails to answer.
    if (!client_->Answers(endpoint_)) {
      client_->MarkFailed(endpoint_);
      return Status::Unavailable("etcd " + endpoint() + ": watch silent for " +
                                 std::to_string(client_->options_.watch_silence.count()) +
                                 " ms and the member does not answer");
    }
  }
}

Result<std::shared_ptr<EtcdClient>> EtcdClient::Create(const EtcdClientOptions& options) {
  if (options.endpoints.empty()) return Status::Invalid("etcd: no endpoints");
  std::shared_ptr<EtcdClient> client(new EtcdClient(options));
  bool any_tls = false;
  for (const std::string& url : options.endpoints) {
    TK_ASSIGN_OR_RETURN(EtcdEndpoint ep, ParseEtcdEndpoint(url));
    any_tls = any_tls || ep.tls;
    client->endpoints_.push_back(std::move(ep));
  }
  for (size_t i = 0; i < client->endpoints_.size(); ++i) {
    client->idle_.push_back(
        std::make_unique<IdleConnections<EtcdConnection>>(options.max_idle_per_endpoint));
  }
  if (any_tls || !options.tls.ca_file.empty()) {
    TlsClientOptions tls;
    tls.ca_name = "etcd CA file " + options.tls.ca_file;
    tls.cert_name = "etcd cert " + options.tls.cert_file;
    tls.key_name = "etcd key " + options.tls.key_file;
    if (!options.tls.ca_file.empty()) {
      TK_ASSIGN_OR_RETURN(tls.ca_pem, ReadPemFile(options.tls.ca_file, tls.ca_name));
    }
    if (!options.tls.cert_file.empty()) {
      TK_ASSIGN_OR_RETURN(tls.cert_pem, ReadPemFile(options.tls.cert_file, tls.cert_name));
      TK_ASSIGN_OR_RETURN(tls.key_pem, ReadPemFile(options.tls.key_file, tls.key_name));
    }
    TK_ASSIGN_OR_RETURN(client->ssl_, NewTlsClientContext(tls));
  }
  return client;
}

EtcdClient::~EtcdClient() = default;

size_t EtcdClient::Preferred() {
  std::lock_guard<std::mutex> lock(mu_);
  return preferred_;
}

void EtcdClient::MarkFailed(size_t endpoint) {
  idle_[endpoint]->Clear();  // a member that failed once likely broke all its connections
  std::lock_guard<std::mutex> lock(mu_);
  if (preferred_ == endpoint) preferred_ = (endpoint + 1) % endpoints_.size();
}

Result<std::unique_ptr<EtcdConnection>> EtcdClient::Acquire(size_t endpoint, bool* reused) {
  if (auto connection = idle_[endpoint]->Take()) {
    *reused = true;
    return connection;
  }
  *reused = false;
  return EtcdConnection::Connect(endpoints_[endpoint], ssl_.get(),
                                 Clock::now() + options_.dial_timeout);
}

void EtcdClient::Release(size_t endpoint, std::unique_ptr<EtcdConnection> connection) {
  idle_[endpoint]->Park(std::move(connection));
}

size_t EtcdClient::FailOver(size_t endpoint, int attempt) {
  MarkFailed(endpoint);
  const size_t n = endpoints_.size();
  // Once every member has been tried, give the cluster a moment (leader election).
  if ((attempt + 1) % static_cast<int>(n) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return (endpoint + 1) % n;
}

bool EtcdClient::Answers(size_t endpoint) {
  // A fresh connection: a pooled one may have been closed while idle, which proves nothing.
  const auto deadline = Clock::now() + options_.dial_timeout;
  auto connection = EtcdConnection::Connect(endpoints_[endpoint], ssl_.get(), deadline);
  if (!connection.ok()) return false;
  auto response = (*connection)
                      ->Post("/v3/kv/range", R"({"key":"AA==","count_only":true})",
                             deadline);  // key "\0"
  return response.ok() && response->first == 200;
}

Result<rapidjson::Document> EtcdClient::Call(const std::string& path, const std::string& body,
                                             bool* maybe_applied) {
  const auto give_up = Clock::now() + options_.retry_window;
  size_t endpoint = Preferred();
  Status last;
  bool unknown_outcome = false;  // an earlier attempt reached a member; it may have applied
  for (int attempt = 0;; ++attempt) {
    if (maybe_applied != nullptr) *maybe_applied = unknown_outcome;
    bool reused = false;
    auto connection = Acquire(endpoint, &reused);
    if (connection.ok()) {
      auto response = (*connection)->Post(path, body, Clock::now() + options_.request_timeout);
      if (response.ok()) {
        Release(endpoint, std::move(connection).value());
        if (response->first == 200) return ParseJson(response->second, endpoints_[endpoint].url);
        Status error = EtcdError(response->first, response->second);
        if (error.code() != StatusCode::kUnavailable) return error;
        last = error;
      } else {
        last = response.status();
        // A kept-alive connection the member closed while idle: try a fresh one at once. Not
        // after a timeout (the member may hang): that fails over.
        if (reused && last.code() != StatusCode::kTimeout) {
          idle_[endpoint]->Clear();
          unknown_outcome = true;
          continue;
        }
      }
      unknown_outcome = true;
    } else {
      last = connection.status();
    }
    if (Clock::now() >= give_up) break;
    endpoint = FailOver(endpoint, attempt);
  }
  return Status::Unavailable(last.message());
}

Result<std::unique_ptr<EtcdWatchStream>> EtcdClient::Watch(const std::string& create_request) {
  const std::string body = "{\"create_request\":" + create_request + "}";
  const auto give_up = Clock::now() + options_.retry_window;
  size_t endpoint = Preferred();
  Status last;
  for (int attempt = 0;; ++attempt) {
    auto connection = EtcdConnection::Connect(endpoints_[endpoint], ssl_.get(),
                                              Clock::now() + options_.dial_timeout);
    if (connection.ok()) {
      auto http_status =
          (*connection)->StartStream("/v3/watch", body, Clock::now() + options_.request_timeout);
      if (http_status.ok() && *http_status == 200) {
        auto stream =
            std::make_unique<EtcdWatchStream>(this, endpoint, std::move(connection).value());
        auto created = stream->NextWithin(options_.request_timeout);
        if (created.ok()) return stream;
        last = created.status();
        if (last.code() == StatusCode::kGone) return last;
      } else if (http_status.ok()) {
        last = Status::Unavailable("etcd " + endpoints_[endpoint].url + ": watch answered HTTP " +
                                   std::to_string(*http_status));
      } else {
        last = http_status.status();
      }
    } else {
      last = connection.status();
    }
    if (Clock::now() >= give_up) break;
    endpoint = FailOver(endpoint, attempt);
  }
  return Status::Unavailable(last.message());
}

}  // namespace tinyk8s::storage
