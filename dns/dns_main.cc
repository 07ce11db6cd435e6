#include "dns/dns_main.h"

#include <charconv>
#include <iostream>

#include "client/informer.h"
#include "client/rest_client.h"
#include "common/logging.h"
#include "common/termination_signals.h"
#include "dns/cluster_view.h"
#include "dns/resolver.h"
#include "dns/server.h"

namespace tinyk8s::dns {

namespace {

bool ParseListen(const std::string& text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  unsigned p = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [next, ec] = std::from_chars(begin, end, p);
  if (ec != std::errc() || next != end || begin == end || p > 65535 || host->empty()) return false;
  *port = static_cast<uint16_t>(p);
  return true;
}

// Feed routes one informer's events into the view.
template <typename Upsert, typename Remove>
client::ResourceEventHandler Feed(Upsert upsert, Remove remove) {
  client::ResourceEventHandler h;
  h.on_add = [upsert](const client::ObjectPtr& obj) { upsert(*obj); };
  h.on_update = [upsert](const client::ObjectPtr&, const client::ObjectPtr& obj) { upsert(*obj); };
  h.on_delete = [remove](const client::ObjectPtr& obj, bool) { remove(*obj); };
  return h;
}

}  // namespace

void FeedView(client::SharedInformerFactory& informers, ClusterView& view, PodMode pods) {
  informers.ForResource(client::resources::Services())
      .AddEventHandler(Feed([&view](const auto& o) { view.UpsertService(o); },
                            [&view](const auto& o) { view.DeleteService(o); }));
  informers.ForResource(client::resources::EndpointSlices())
      .AddEventHandler(Feed([&view](const auto& o) { view.UpsertEndpointSlice(o); },
                            [&view](const auto& o) { view.DeleteEndpointSlice(o); }));
  informers.ForResource(client::resources::Namespaces())
      .AddEventHandler(Feed([&view](const auto& o) { view.UpsertNamespace(o); },
                            [&view](const auto& o) { view.DeleteNamespace(o); }));
  if (pods == PodMode::kVerified) {
    informers.ForResource(client::resources::Pods())
        .AddEventHandler(Feed([&view](const auto& o) { view.UpsertPod(o); },
                              [&view](const auto& o) { view.DeletePod(o); }));
  }
}

int RunDns(const DnsFlags& flags) {
  log::SetComponent("dns");
  ResolverOptions ro;
  ro.zone = flags.zone;
  while (!ro.zone.empty() && ro.zone.back() == '.') ro.zone.pop_back();
  for (char& c : ro.zone) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ro.zone.empty()) {
    std::cerr << "invalid --zone: must not be empty\n";
    return 2;
  }
  if (flags.ttl < 0 || flags.ttl > 3600) {
    std::cerr << "invalid --ttl " << flags.ttl << ": must be 0..3600\n";
    return 2;
  }
  ro.ttl = static_cast<uint32_t>(flags.ttl);
  if (flags.pods == "insecure") {
    ro.pods = PodMode::kInsecure;
  } else if (flags.pods == "verified") {
    ro.pods = PodMode::kVerified;
  } else if (flags.pods == "disabled") {
    ro.pods = PodMode::kDisabled;
  } else {
    std::cerr << "invalid --pods " << flags.pods << ": expected insecure, verified or disabled\n";
    return 2;
  }
  ro.forward = !flags.upstream.empty();
  DnsServerOptions so;
  if (!ParseListen(flags.listen, &so.host, &so.port)) {
    std::cerr << "invalid --listen " << flags.listen << ": expected HOST:PORT\n";
    return 2;
  }
  so.upstream = flags.upstream;
  so.udp_workers = flags.udp_workers;

  TerminationSignals signals;
  auto client = client::RestClient::FromKubeconfig(flags.kubeconfig, "tinyk8s-dns");
  if (!client.ok()) {
    TK_LOG_ERROR << client.status().message();
    return 1;
  }
  ClusterView view(ro.zone);
  client::SharedInformerFactory informers(**client);
  FeedView(informers, view, ro.pods);
  informers.Start();
  // Answering before the caches are complete would hand out false NXDOMAINs.
  while (!informers.WaitForCacheSync(std::chrono::seconds(10))) {
    TK_LOG_WARN << "waiting for the service caches to sync";
    if (signals.WaitFor(std::chrono::milliseconds(0))) return 0;
  }
  Resolver resolver(view, ro);
  DnsServer server(resolver, so);
  Status started = server.Start();
  if (!started.ok()) {
    TK_LOG_ERROR << "cannot start the DNS server: " << started.message();
    return 1;
  }
  TK_LOG_INFO << "serving DNS for " << ro.zone << " on " << so.host << ":" << server.port()
              << " (udp+tcp), " << view.ServiceCount() << " services";
  signals.Wait();
  TK_LOG_INFO << "stopping";
  server.Stop();
  informers.Shutdown();
  return 0;
}

}  // namespace tinyk8s::dns
