#include "apiserver/server.h"

#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "apiserver/api_handler.h"
#include "apiserver/bootstrap.h"
#include "apiserver/http_server.h"
#include "apiserver/ip_allocator.h"
#include "apiserver/metrics.h"
#include "apiserver/object_service.h"
#include "apiserver/registry.h"
#include "apiserver/watch_cache.h"
#include "common/logging.h"
#include "storage/sqlite_store.h"

namespace tinyk8s::apiserver {

struct ApiServer::Impl {
  ApiServerOptions options;
  RealClock clock;
  Registry registry;
  Metrics metrics;
  std::unique_ptr<storage::SqliteStore> store;
  std::unique_ptr<WatchCache> cache;
  std::unique_ptr<ServiceAllocator> service_allocator;
  std::unique_ptr<ObjectService> objects;
  boost::asio::io_context timers;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      timers_work;
  std::thread timers_thread;
  std::unique_ptr<ApiHandler> handler;
  std::unique_ptr<HttpServer> http;
  bool stopped = false;

  void Stop() {
    if (stopped) return;
    stopped = true;
    if (http) http->Stop();
    cache.reset();  // ends watch streams' cache subscriptions
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
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec)
    return Status::Unavailable("cannot create data directory " + options.data_dir + ": " +
                               ec.message());
  ::chmod(options.data_dir.c_str(), 0700);
  storage::SqliteStoreOptions so;
  so.path = options.data_dir + "/state.db";
  so.durable = options.durable;
  TK_ASSIGN_OR_RETURN(impl->store, storage::SqliteStore::Open(so));
  ServiceAllocatorOptions sao;
  sao.service_cidr = options.service_cidr;
  TK_ASSIGN_OR_RETURN(impl->service_allocator, ServiceAllocator::Create(sao, impl->clock));
  TK_ASSIGN_OR_RETURN(impl->cache, WatchCache::Start(*impl->store, WatchCache::Options{}));
  RegisterBuiltinResources(impl->registry, impl->service_allocator.get());
  TK_RETURN_IF_ERROR(impl->service_allocator->Follow(
      *impl->cache, impl->registry.FindByGroupResource("", "services")->KeyPrefix()));
  impl->objects =
      std::make_unique<ObjectService>(*impl->store, *impl->cache, impl->registry, impl->clock);
  TK_RETURN_IF_ERROR(Bootstrap(*impl->objects));
  impl->timers_work =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          impl->timers.get_executor());
  impl->timers_thread = std::thread([i = impl.get()] { i->timers.run(); });
  std::string address = options.host + ":" + std::to_string(options.port);
  impl->handler =
      std::make_unique<ApiHandler>(*impl->objects, impl->timers, address, impl->metrics);
  HttpServerOptions ho;
  ho.host = options.host;
  ho.port = options.port;
  ho.worker_threads = options.worker_threads;
  ApiHandler* handler = impl->handler.get();
  impl->http = std::make_unique<HttpServer>(
      ho, [handler](std::shared_ptr<HttpExchange> ex) { handler->Handle(ex); });
  auto port = impl->http->Start();
  if (!port.ok()) {
    impl->Stop();
    return port.status();
  }
  Status kubernetes_service = EnsureKubernetesService(
      *impl->objects, impl->service_allocator->FirstIp(), options.host, *port);
  if (!kubernetes_service.ok()) {
    TK_LOG_WARN << "cannot publish the kubernetes Service endpoints: "
                << kubernetes_service.message();
  }
  impl->handler->SetReady(true);
  TK_LOG_INFO << "serving the Kubernetes API on http://" << options.host << ":" << *port
              << " (data in " << options.data_dir << ")";
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

uint16_t ApiServer::port() const { return impl_->http ? impl_->http->port() : 0; }

std::string ApiServer::url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(port());
}

void ApiServer::Stop() { impl_->Stop(); }

}  // namespace tinyk8s::apiserver
