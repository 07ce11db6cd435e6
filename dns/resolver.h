#pragma once
// Resolver: answers one question from a ClusterView the way CoreDNS's kubernetes plugin does
// (behavior-spec section 5, DNS-1..12): service, endpoint, SRV, pod, PTR and dns-version
// records; NXDOMAIN vs NODATA with the zone SOA; authoritative answers. Names outside the
// cluster and reverse zones are marked for forwarding (or REFUSED when there is no upstream).
//
// Stateless apart from the view; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "dns/cluster_view.h"
#include "dns/message.h"

namespace tinyk8s::dns {

enum class PodMode { kDisabled, kInsecure, kVerified };

struct ResolverOptions {
  std::string zone = "cluster.local";
  uint32_t ttl = 5;
  PodMode pods = PodMode::kInsecure;
  // An upstream is configured: names we do not serve (and unknown reverse names) are forwarded
  // instead of REFUSED / NXDOMAIN.
  bool forward = false;
};

struct Answer {
  Rcode rcode = Rcode::kNoError;
  bool authoritative = false;
  bool forward = false;  // hand the query to the upstream
  std::vector<Record> answer, authority, additional;
};

class Resolver {
 public:
  Resolver(const ClusterView& view, ResolverOptions options);

  // Resolve answers `q` (name lower-cased, without the trailing dot). Owner names of answers
  // are left empty ("the question name") so the encoder echoes the client's letter case.
  Answer Resolve(const Question& q) const;

  const ResolverOptions& options() const { return options_; }

 private:
  // A service-ish record before it is rendered per query type (CoreDNS msg.Service).
  struct Target {
    IpAddress ip;
    int32_t port = -1;
    std::string name;  // the record's own name: svc.ns.svc.zone or label.svc.ns.svc.zone
  };
  enum class Lookup { kFound, kNoData, kNxDomain };

  void ResolveClusterZone(const Question& q, std::string_view rest, Answer* out) const;
  void ResolveReverse(const Question& q, Answer* out) const;
  // ServiceTargets collects the records for [endpoint|_port._proto].svc.ns.svc.zone.
  Lookup ServiceTargets(const std::vector<std::string_view>& labels, std::vector<Target>* out,
                        std::string* cname) const;
  void RenderTargets(const Question& q, const std::vector<Target>& targets, Answer* out) const;
  void NoData(Answer* out, const std::string& zone) const;
  void NxDomain(Answer* out, const std::string& zone) const;
  Record Soa(const std::string& zone) const;

  const ClusterView& view_;
  ResolverOptions options_;
};

}  // namespace tinyk8s::dns
