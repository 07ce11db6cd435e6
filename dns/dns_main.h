#pragma once
// Entry point of `tinyk8s dns`: the cluster DNS server over the API's Services, EndpointSlices,
// Namespaces (and Pods in verified pod mode), until SIGTERM/SIGINT.

#include <string>

#include "client/informer.h"
#include "dns/cluster_view.h"
#include "dns/resolver.h"

namespace tinyk8s::dns {

// FeedView registers informers for Services, EndpointSlices, Namespaces (and Pods when
// `pods` is kVerified) with `informers`, whose events keep `view` current. Start the factory
// afterwards. `view` must outlive the informers.
void FeedView(client::SharedInformerFactory& informers, ClusterView& view, PodMode pods);

struct DnsFlags {
  std::string kubeconfig;
  std::string listen = "127.0.0.1:10053";
  std::string zone = "cluster.local";
  int ttl = 5;
  std::string upstream;           // HOST:PORT; empty = REFUSED for names outside the zones
  std::string pods = "insecure";  // insecure | verified | disabled
  int udp_workers = 2;
};

// RunDns returns the process exit code (0 after a clean stop, 1 on failure, 2 on bad flags).
int RunDns(const DnsFlags& flags);

}  // namespace tinyk8s::dns
