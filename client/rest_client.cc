#include "client/rest_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <mutex>
#include <vector>

#include "api/json.h"
#include "api/meta.h"
#include "client/api_status.h"
#include "client/rest_watch_stream.h"
#include "client/server_url.h"
#include "client/token_bucket.h"
#include "common/http_connection.h"
#include "common/idle_connections.h"
#include "common/tls_client_context.h"

namespace tinyk8s::client {

using internal::ResponseParser;
using Request = HttpConnection::Request;
namespace net = internal::net;
namespace http = internal::http;

namespace {

// Query-string escaping (RFC 3986 unreserved kept).
std::string Escape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class Query {
 public:
  void Add(std::string_view k, std::string_view v) {
    if (v.empty()) return;
    q_ += q_.empty() ? '?' : '&';
    q_ += k;
    q_ += '=';
    q_ += Escape(v);
  }
  const std::string& str() const { return q_; }

 private:
  std::string q_;
};

void AddWriteOptions(Query& q, const WriteOptions& o) {
  q.Add("fieldManager", o.field_manager);
  if (o.dry_run) q.Add("dryRun", "All");
  if (o.force) q.Add("force", "true");
}

const char* PatchContentType(PatchType t) {
  switch (t) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategic:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

Result<ObjectPtr> ParseObject(const std::string& body) {
  auto doc = api::ParseJson(body);
  if (!doc.ok()) return Status::Internal("undecodable response: " + doc.status().message());
  // Callers may keep the object (caches): copy it out of the parser's 64 KiB pool chunk.
  return ObjectPtr(api::CompactDocument(*doc));
}

}  // namespace

struct RestClient::Impl {
  RestConfig config;
  RestClientOptions options;
  internal::ServerUrl endpoint;
  std::unique_ptr<net::ssl::context> ssl;
  std::unique_ptr<TokenBucket> bucket;  // null: unlimited
  std::unique_ptr<IdleConnections<HttpConnection>> idle;

  std::mutex mu;  // guards addresses
  net::ip::tcp::resolver::results_type addresses;

  Result<net::ip::tcp::resolver::results_type> Resolve() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!addresses.empty()) return addresses;
    }
    // Resolved once and cached: a per-request lookup would dominate small requests.
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto r = resolver.resolve(endpoint.target.host, endpoint.target.port, ec);
    if (ec) return Status::Unavailable("resolve " + endpoint.target.host + ": " + ec.message());
    std::lock_guard<std::mutex> lock(mu);
    addresses = r;
    return r;
  }

  Result<std::unique_ptr<HttpConnection>> NewConnection() {
    TK_ASSIGN_OR_RETURN(auto addrs, Resolve());
    auto c = HttpConnection::Connect(endpoint.target, addrs, ssl.get(),
                                     std::chrono::steady_clock::now() + options.connect_timeout);
    if (!c.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      addresses = {};  // re-resolve next time
    }
    return c;
  }

  Request MakeRequest(http::verb method, std::string_view target, std::string_view body,
                      std::string_view content_type) {
    Request req(method, endpoint.base_path + std::string(target), 11);
    req.set(http::field::host, endpoint.host_header);
    req.set(http::field::user_agent,
            config.user_agent.empty() ? std::string("tinyk8s-client") : config.user_agent);
    req.set(http::field::accept, "application/json");
    if (!config.bearer_token.empty()) {
      req.set(http::field::authorization, "Bearer " + config.bearer_token);
    }
    if (!body.empty()) {
      req.set(http::field::content_type, std::string(content_type));
      req.body() = std::string(body);
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  Result<RawResponse> Do(http::verb method, std::string_view target, std::string_view body,
                         std::string_view content_type) {
    if (bucket) bucket->Wait();
    auto deadline = std::chrono::steady_clock::now() + options.request_timeout;
    Request req = MakeRequest(method, target, body, content_type);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<HttpConnection> conn = idle->Take();
      bool reused = conn != nullptr;
      if (!conn) {
        TK_ASSIGN_OR_RETURN(conn, NewConnection());
      }
      ResponseParser parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      Status s = conn->Exchange(req, parser, deadline);
      if (!s.ok()) {
        // A pooled connection the server closed while idle fails before any response byte:
        // the request was not processed, so retrying on a fresh connection is safe. The server
        // closes idle connections by age, so the ones parked before this one are gone too:
        // dropping them keeps the retry from failing on the next dead one.
        if (reused && attempt == 0 && !parser.got_some() && s.code() != StatusCode::kTimeout) {
          idle->Clear();
          continue;
        }
        return s;
      }
      auto res = parser.release();
      idle->Park(std::move(conn));
      return RawResponse{res.result_int(), std::move(res.body())};
    }
  }

  // DoObject performs a request whose success body is an object.
  Result<ObjectPtr> DoObject(http::verb method, const std::string& target, std::string_view body,
                             std::string_view content_type = "application/json") {
    TK_ASSIGN_OR_RETURN(RawResponse r, Do(method, target, body, content_type));
    if (r.status < 200 || r.status >= 300) return StatusFromResponse(r.status, r.body);
    return ParseObject(r.body);
  }
};

RestClient::RestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestClient::~RestClient() = default;

Result<std::unique_ptr<RestClient>> RestClient::Create(const RestConfig& config,
                                                       const RestClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = options;
  impl->idle = std::make_unique<IdleConnections<HttpConnection>>(options.max_idle_connections);
  TK_ASSIGN_OR_RETURN(impl->endpoint,
                      internal::ParseServerUrl(config.server, config.tls_server_name));
  if (options.qps > 0) impl->bucket = std::make_unique<TokenBucket>(options.qps, options.burst);
  if (impl->endpoint.tls) {
    TlsClientOptions tls;
    tls.ca_pem = config.ca_data;
    tls.cert_pem = config.client_cert_data;
    tls.key_pem = config.client_key_data;
    tls.verify_peer = !config.insecure_skip_verify;
    tls.ca_name = "certificate-authority-data";
    tls.cert_name = "client-certificate-data";
    tls.key_name = "client-key-data";
    TK_ASSIGN_OR_RETURN(impl->ssl, NewTlsClientContext(tls));
  }
  return std::unique_ptr<RestClient>(new RestClient(std::move(impl)));
}

Result<RestClient::RawResponse> RestClient::Raw(std::string_view method, std::string_view target,
                                                std::string_view body,
                                                std::string_view content_type) {
  http::verb v = http::string_to_verb(internal::beast::string_view(method.data(), method.size()));
  if (v == http::verb::unknown) return Status::BadRequest("unknown method " + std::string(method));
  return impl_->Do(v, target, body, content_type);
}

Result<ObjectPtr> RestClient::Get(const Resource& r, std::string_view ns, std::string_view name) {
  return impl_->DoObject(http::verb::get, r.Path(ns, name), "");
}

Result<ObjectPtr> RestClient::GetSubresource(const Resource& r, std::string_view ns,
                                             std::string_view name, std::string_view subresource) {
  return impl_->DoObject(http::verb::get, r.Path(ns, name, subresource), "");
}

Result<ObjectList> RestClient::List(const Resource& r, std::string_view ns,
                                    const ListOptions& options) {
  ObjectList out;
  std::string cont;
  bool restarted = false;
  for (;;) {
    Query q;
    q.Add("labelSelector", options.label_selector);
    q.Add("fieldSelector", options.field_selector);
    if (options.page_size > 0) q.Add("limit", std::to_string(options.page_size));
    if (!cont.empty()) {
      q.Add("continue", cont);
    } else {
      q.Add("resourceVersion", options.resource_version);
    }
    TK_ASSIGN_OR_RETURN(RawResponse resp, impl_->Do(http::verb::get, r.Path(ns) + q.str(), "", ""));
    if (resp.status != 200) {
      Status s = StatusFromResponse(resp.status, resp.body);
      if (s.IsGone() && !cont.empty() && !restarted) {
        // The continue token expired mid-list: start over once, like upstream pagers.
        restarted = true;
        cont.clear();
        out.items.clear();
        continue;
      }
      return s;
    }
    auto doc = api::ParseJson(resp.body);
    if (!doc.ok()) return Status::Internal("undecodable list: " + doc.status().message());
    if (rapidjson::Value* items = api::FindMemberMutable(*doc, "items");
        items && items->IsArray()) {
      std::string kind = r.kind;
      std::string api_version = r.ApiVersion();
      out.items.reserve(out.items.size() + items->Size());
      for (auto& item : items->GetArray()) {
        if (options.drop_managed_fields) internal::DropManagedFields(item);
        if (options.transform && item.IsObject()) options.transform(item);
        // Room for kind and apiVersion: the member array grows by half when they are added.
        auto obj = api::CompactDocument(
            item, (item.IsObject() ? item.MemberCount() : 0) * sizeof(rapidjson::Value::Member) +
                      kind.size() + api_version.size() + 64);
        // List items omit kind/apiVersion on the wire; restore them so objects are
        // self-describing (upstream decoders set them too).
        if (!api::FindMember(*obj, "kind")) api::SetString(*obj, "kind", kind, obj->GetAllocator());
        if (!api::FindMember(*obj, "apiVersion")) {
          api::SetString(*obj, "apiVersion", api_version, obj->GetAllocator());
        }
        out.items.push_back(std::move(obj));
      }
    }
    out.resource_version = api::GetString(*doc, {"metadata", "resourceVersion"});
    cont = api::GetString(*doc, {"metadata", "continue"});
    if (cont.empty()) return out;
  }
}

Result<ObjectPtr> RestClient::Create(const Resource& r, std::string_view ns,
                                     const rapidjson::Value& obj, const WriteOptions& options) {
  std::string n = ns.empty() ? api::Namespace(obj) : std::string(ns);
  Query q;
  AddWriteOptions(q, options);
  return impl_->DoObject(http::verb::post, r.Path(n) + q.str(), api::ToJson(obj));
}

Result<ObjectPtr> RestClient::CreateSubresource(const Resource& r, std::string_view ns,
                                                std::string_view name, std::string_view subresource,
                                                const rapidjson::Value& body) {
  return impl_->DoObject(http::verb::post, r.Path(ns, name, subresource), api::ToJson(body));
}

Result<ObjectPtr> RestClient::Update(const Resource& r, const rapidjson::Value& obj,
                                     std::string_view subresource, const WriteOptions& options) {
  std::string name = api::Name(obj);
  if (name.empty()) return Status::Invalid("metadata.name: Required value");
  Query q;
  AddWriteOptions(q, options);
  return impl_->DoObject(http::verb::put, r.Path(api::Namespace(obj), name, subresource) + q.str(),
                         api::ToJson(obj));
}

Result<ObjectPtr> RestClient::Patch(const Resource& r, std::string_view ns, std::string_view name,
                                    PatchType type, std::string_view patch,
                                    std::string_view subresource, const WriteOptions& options) {
  Query q;
  AddWriteOptions(q, options);
  return impl_->DoObject(http::verb::patch, r.Path(ns, name, subresource) + q.str(), patch,
                         PatchContentType(type));
}

Result<ObjectPtr> RestClient::Delete(const Resource& r, std::string_view ns, std::string_view name,
                                     const DeleteOptions& options) {
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  api::SetString(body, "kind", "DeleteOptions", a);
  api::SetString(body, "apiVersion", "v1", a);
  if (options.grace_period_seconds) {
    api::SetInt(body, "gracePeriodSeconds", *options.grace_period_seconds, a);
  }
  if (!options.propagation_policy.empty()) {
    api::SetString(body, "propagationPolicy", options.propagation_policy, a);
  }
  if (!options.precondition_uid.empty() || !options.precondition_resource_version.empty()) {
    rapidjson::Value& pre = api::EnsureObject(body, {"preconditions"}, a);
    if (!options.precondition_uid.empty()) api::SetString(pre, "uid", options.precondition_uid, a);
    if (!options.precondition_resource_version.empty()) {
      api::SetString(pre, "resourceVersion", options.precondition_resource_version, a);
    }
  }
  if (options.dry_run) {
    rapidjson::Value arr(rapidjson::kArrayType);
    arr.PushBack(api::MakeString("All", a), a);
    api::SetValue(body, "dryRun", arr, a);
  }
  return impl_->DoObject(http::verb::delete_, r.Path(ns, name), api::ToJson(body));
}

Result<std::unique_ptr<WatchStream>> RestClient::Watch(const Resource& r, std::string_view ns,
                                                       const WatchOptions& options) {
  Query q;
  q.Add("watch", "true");
  q.Add("resourceVersion", options.resource_version);
  q.Add("labelSelector", options.label_selector);
  q.Add("fieldSelector", options.field_selector);
  if (options.allow_bookmarks) q.Add("allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) q.Add("timeoutSeconds", std::to_string(options.timeout_seconds));
  if (impl_->bucket) impl_->bucket->Wait();
  auto deadline = std::chrono::steady_clock::now() + impl_->options.request_timeout;
  // Watches never use pooled connections: the stream keeps its connection until it ends.
  TK_ASSIGN_OR_RETURN(auto conn, impl_->NewConnection());
  Request req = impl_->MakeRequest(http::verb::get, r.Path(ns) + q.str(), "", "");
  TK_RETURN_IF_ERROR(conn->Write(req, deadline));
  auto parser = std::make_unique<ResponseParser>();
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  TK_RETURN_IF_ERROR(conn->ReadHeader(*parser, deadline));
  unsigned code = parser->get().result_int();
  if (code != 200) {
    TK_RETURN_IF_ERROR(conn->ReadBody(*parser, deadline));
    return StatusFromResponse(code, parser->get().body());
  }
  return std::unique_ptr<WatchStream>(new internal::RestWatchStream(
      std::move(conn), std::move(parser), options.drop_managed_fields, options.transform));
}

const char* WatchEventTypeName(WatchEventType t) {
  switch (t) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

}  // namespace tinyk8s::client
