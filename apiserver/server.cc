#include "apiserver/server.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <map>

#include "api/json.h"
#include "apiserver/api_handler.h"
#include "apiserver/auth/authn.h"
#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/bootstrap_policy.h"
#include "apiserver/auth/pki.h"
#include "apiserver/auth/service_account_token.h"
#include "apiserver/bootstrap.h"
#include "apiserver/endpoint_reconciler.h"
#include "apiserver/http_server.h"
#include "apiserver/ip_allocator.h"
#include "apiserver/metrics.h"
#include "apiserver/object_service.h"
#include "apiserver/registry.h"
#include "apiserver/view_migration.h"
#include "apiserver/watch_cache.h"
#include "common/logging.h"
#include "storage/etcd_store.h"
#include "storage/sqlite_store.h"

namespace tinyk8s::apiserver {

namespace {

namespace ssl = boost::asio::ssl;

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// ServingTls builds the TLS context: the serving certificate (generated in DATA_DIR/pki unless
// given) and the CA client certificates must chain to. *ca_pem is the CA clients should trust.
Result<std::shared_ptr<ssl::context>> ServingTls(const ApiServerOptions& o,
                                                 const std::string& cluster_ip,
                                                 std::string* ca_pem) {
  std::vector<std::string> dns = {"localhost", "kubernetes", "kubernetes.default",
                                  "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"};
  std::vector<std::string> ips = {"127.0.0.1"};
  if (!cluster_ip.empty()) ips.push_back(cluster_ip);
  std::vector<std::string> names = o.tls_sans;
  if (o.host != "0.0.0.0" && o.host != "::" && !o.host.empty()) names.push_back(o.host);
  for (const auto& n : names) {
    auto& list = auth::IsIpAddress(n) ? ips : dns;
    if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
  }
  TK_ASSIGN_OR_RETURN(auth::ClusterPki pki, auth::EnsureClusterPki(o.data_dir + "/pki", dns, ips));
  auth::CertKey serving = pki.serving;
  *ca_pem = pki.ca.cert_pem;
  if (!o.tls_cert_file.empty() || !o.tls_private_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_private_key_file.empty()) {
      return Status::Invalid("--tls-cert-file and --tls-private-key-file go together");
    }
    TK_ASSIGN_OR_RETURN(serving.cert_pem, auth::ReadFile(o.tls_cert_file));
    TK_ASSIGN_OR_RETURN(serving.key_pem, auth::ReadFile(o.tls_private_key_file));
    ca_pem->clear();  // signed by a CA we do not know: clients use their own trust
  }
  std::string client_ca = pki.ca.cert_pem;
  if (!o.client_ca_file.empty()) {
    TK_ASSIGN_OR_RETURN(client_ca, auth::ReadFile(o.client_ca_file));
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (!ec) ctx->use_certificate_chain(boost::asio::buffer(serving.cert_pem), ec);
  if (ec) return Status::Invalid("cannot use the serving certificate: " + ec.message());
  ctx->use_private_key(boost::asio::buffer(serving.key_pem), ssl::context::pem, ec);
  if (ec) return Status::Invalid("cannot use the serving key: " + ec.message());
  ctx->add_certificate_authority(boost::asio::buffer(client_ca), ec);
  if (ec) return Status::Invalid("cannot use the client CA: " + ec.message());
  // Advertise the client CA so clients (Go's TLS stack) only offer certificates it signed.
  STACK_OF(X509_NAME)* names_list = sk_X509_NAME_new_null();
  BIO* bio = BIO_new_mem_buf(client_ca.data(), static_cast<int>(client_ca.size()));
  while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    sk_X509_NAME_push(names_list, X509_NAME_dup(X509_get_subject_name(ca)));
    X509_free(ca);
  }
  BIO_free(bio);
  SSL_CTX_set_client_CA_list(ctx->native_handle(), names_list);
  static const unsigned char kSessionContext[] = "tinyk8s";
  SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext, sizeof kSessionContext - 1);
  // Verify a client certificate when one is sent; requests without one are anonymous.
  ctx->set_verify_mode(ssl::verify_peer, ec);
  return ctx;
}

Result<std::map<std::string, auth::UserInfo>> LoadTokens(const std::string& path) {
  if (path.empty()) return std::map<std::string, auth::UserInfo>{};
  TK_ASSIGN_OR_RETURN(std::string text, auth::ReadFile(path));
  return auth::ParseTokenFile(text);
}

// NewServiceAccountTokens: the token issuer and authenticator. The objects tokens name are read
// from the watch cache, so a deleted ServiceAccount's tokens stop working at once.
Result<std::unique_ptr<auth::ServiceAccountTokens>> NewServiceAccountTokens(
    const ApiServerOptions& o, ObjectService& objects, const Clock& clock) {
  std::string pem;
  if (!o.service_account_signing_key_file.empty()) {
    TK_ASSIGN_OR_RETURN(pem, auth::ReadFile(o.service_account_signing_key_file));
  } else {
    TK_ASSIGN_OR_RETURN(pem, auth::EnsureServiceAccountKey(o.data_dir + "/pki", o.durable));
  }
  TK_ASSIGN_OR_RETURN(auth::JwtSigningKey key, auth::JwtSigningKey::FromPem(pem));
  auth::ServiceAccountTokenOptions so;
  if (!o.service_account_issuer.empty()) so.issuer = o.service_account_issuer;
  so.api_audiences = o.api_audiences;
  auto getter = [&objects](std::string_view resource, const std::string& ns,
                           const std::string& name) -> std::optional<auth::LiveObject> {
    const ResourceInfo* r = objects.registry().FindByGroupResource("", std::string(resource));
    auto obj = r ? objects.Find(*r, ns, name) : nullptr;
    if (!obj) return std::nullopt;
    auth::LiveObject live{api::GetString(*obj, {"metadata", "uid"}), std::nullopt};
    if (Clock::TimePoint t;
        ParseRfc3339(api::GetString(*obj, {"metadata", "deletionTimestamp"}), &t)) {
      live.deletion_timestamp = t;
    }
    return live;
  };
  return std::make_unique<auth::ServiceAccountTokens>(std::move(key), std::move(so), clock,
                                                      std::move(getter));
}

Result<std::unique_ptr<storage::Store>> OpenStore(const ApiServerOptions& o) {
  if (o.storage == "etcd") {
    if (o.etcd_endpoints.empty()) return Status::Invalid("--storage etcd needs --etcd-endpoints");
    storage::EtcdStoreOptions eo;
    eo.client.endpoints = o.etcd_endpoints;
    eo.client.tls = {o.etcd_ca_file, o.etcd_cert_file, o.etcd_key_file};
    eo.prefix = o.etcd_prefix;
    TK_ASSIGN_OR_RETURN(auto store, storage::EtcdStore::Open(eo));
    return std::unique_ptr<storage::Store>(std::move(store));
  }
  if (o.storage != "sqlite") {
    return Status::Invalid("unknown storage \"" + o.storage + "\" (sqlite or etcd)");
  }
  storage::SqliteStoreOptions so;
  so.path = o.data_dir + "/state.db";
  so.durable = o.durable;
  TK_ASSIGN_OR_RETURN(auto store, storage::SqliteStore::Open(so));
  return std::unique_ptr<storage::Store>(std::move(store));
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  RealClock clock;
  Registry registry;
  Metrics metrics;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<WatchCache> cache;
  std::unique_ptr<ServiceAllocator> service_allocator;
  std::unique_ptr<ObjectService> objects;
  boost::asio::io_context timers;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      timers_work;
  std::thread timers_thread;
  std::unique_ptr<auth::ServiceAccountTokens> service_accounts;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<auth::Authorizer> authorizer;
  std::string ca_pem;
  std::unique_ptr<ApiHandler> handler;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<EndpointReconciler> endpoints;
  bool stopped = false;

  void Stop() {
    if (stopped) return;
    stopped = true;
    endpoints.reset();  // withdraws this server from the kubernetes Service while it can
    if (http) http->Stop();
    authorizer.reset();  // unwatches the cache
    cache.reset();       // ends watch streams' cache subscriptions
    if (timers_work) timers_work.reset();
    timers.stop();
    if (timers_thread.joinable()) timers_thread.join();
    handler.reset();
    http.reset();
    objects.reset();
    store.reset();
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { Stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.insecure_http && !IsLoopback(options.host)) {
    return Status::Invalid(
        "plain HTTP (--insecure-http) is only served on a loopback address, not " + options.host);
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec)
    return Status::Unavailable("cannot create data directory " + options.data_dir + ": " +
                               ec.message());
  ::chmod(options.data_dir.c_str(), 0700);
  TK_ASSIGN_OR_RETURN(impl->store, OpenStore(options));
  ServiceAllocatorOptions sao;
  sao.service_cidr = options.service_cidr;
  // Other API servers may share an etcd store: claim addresses there too.
  if (options.storage == "etcd") sao.shared_store = impl->store.get();
  TK_ASSIGN_OR_RETURN(impl->service_allocator, ServiceAllocator::Create(sao, impl->clock));
  RegisterBuiltinResources(impl->registry, impl->service_allocator.get(),
                           options.service_account_admission);
  // Before the cache reads the store: objects of older data dirs move to where they are read.
  TK_RETURN_IF_ERROR(MigrateViewObjects(*impl->store, impl->registry).status());
  TK_ASSIGN_OR_RETURN(impl->cache, WatchCache::Start(*impl->store, WatchCache::Options{}));
  TK_RETURN_IF_ERROR(impl->service_allocator->Follow(
      *impl->cache, impl->registry.FindByGroupResource("", "services")->KeyPrefix()));
  impl->objects =
      std::make_unique<ObjectService>(*impl->store, *impl->cache, impl->registry, impl->clock);
  TK_RETURN_IF_ERROR(Bootstrap(*impl->objects));
  TK_RETURN_IF_ERROR(auth::BootstrapPolicy(*impl->objects));
  std::shared_ptr<ssl::context> tls;
  if (!options.insecure_http) {
    TK_ASSIGN_OR_RETURN(tls,
                        ServingTls(options, impl->service_allocator->FirstIp(), &impl->ca_pem));
  }
  TK_ASSIGN_OR_RETURN(auto tokens, LoadTokens(options.token_auth_file));
  TK_ASSIGN_OR_RETURN(impl->service_accounts,
                      NewServiceAccountTokens(options, *impl->objects, impl->clock));
  impl->authenticator = std::make_unique<auth::Authenticator>(
      std::move(tokens), options.insecure_http, impl->service_accounts.get());
  impl->authorizer = std::make_unique<auth::Authorizer>(*impl->objects);
  impl->timers_work =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          impl->timers.get_executor());
  impl->timers_thread = std::thread([i = impl.get()] { i->timers.run(); });
  // A wildcard listen address is not something a client can dial: publish loopback instead.
  const std::string advertised_ip =
      options.host == "0.0.0.0" || options.host.empty() || options.host == "localhost" ? "127.0.0.1"
      : options.host == "::"                                                           ? "::1"
                             : options.host;
  // The port is the bound one (known once the HTTP server has started, before it serves).
  auto address = [i = impl.get(), advertised_ip] {
    std::string host =
        advertised_ip.find(':') != std::string::npos ? "[" + advertised_ip + "]" : advertised_ip;
    return host + ":" + std::to_string(i->http ? i->http->port() : 0);
  };
  impl->handler = std::make_unique<ApiHandler>(*impl->objects, impl->timers, address, impl->metrics,
                                               *impl->authenticator, *impl->authorizer,
                                               impl->service_accounts.get());
  HttpServerOptions ho;
  ho.host = options.host;
  ho.port = options.port;
  ho.worker_threads = options.worker_threads;
  ho.tls = tls;
  ApiHandler* handler = impl->handler.get();
  impl->http = std::make_unique<HttpServer>(
      ho, [handler](std::shared_ptr<HttpExchange> ex) { handler->Handle(ex); });
  auto port = impl->http->Start();
  if (!port.ok()) {
    impl->Stop();
    return port.status();
  }
  if (Status service =
          EnsureKubernetesService(*impl->objects, impl->service_allocator->FirstIp(), *port);
      !service.ok()) {
    // Someone else holds the address (a service CIDR change): serve anyway, say why.
    TK_LOG_WARN << "cannot create the kubernetes Service: " << service.message();
  }
  EndpointReconcilerOptions ero;
  ero.ip = advertised_ip;
  ero.port = *port;
  ero.shared_store = options.storage == "etcd";
  impl->endpoints = std::make_unique<EndpointReconciler>(*impl->objects, ero);
  if (Status endpoints = impl->endpoints->Start(); !endpoints.ok()) {
    TK_LOG_WARN << "cannot publish the kubernetes Service endpoints: " << endpoints.message();
  }
  if (Status dns =
          EnsureKubeDnsService(*impl->objects, ClusterDnsIp(impl->service_allocator->cidr()));
      !dns.ok()) {
    // Someone else holds the address: pods still get it as their nameserver; say why.
    TK_LOG_WARN << "cannot create the kube-dns Service: " << dns.message();
  }
  impl->handler->SetReady(true);
  TK_LOG_INFO << "serving the Kubernetes API on " << (tls ? "https://" : "http://") << options.host
              << ":" << *port << " (data in " << options.data_dir << ")";
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

uint16_t ApiServer::port() const { return impl_->http ? impl_->http->port() : 0; }

std::string ApiServer::url() const {
  std::string host = impl_->options.host;
  // A wildcard address is not something a client can dial; IPv6 literals need brackets.
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (impl_->options.insecure_http ? "http://" : "https://") + host + ":" +
         std::to_string(port());
}

std::string ApiServer::ca_pem() const { return impl_->ca_pem; }

void ApiServer::Stop() { impl_->Stop(); }

}  // namespace tinyk8s::apiserver
