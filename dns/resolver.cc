#include "dns/resolver.h"

#include <algorithm>
#include <cctype>

namespace tinyk8s::dns {

namespace {

constexpr char kSchemaVersion[] = "1.1.0";  // DNS-1: what CoreDNS answers

// InZone: `name` is `zone` or below it; *rest gets the labels in front of the zone.
bool InZone(std::string_view name, std::string_view zone, std::string_view* rest) {
  if (name == zone) {
    *rest = {};
    return true;
  }
  if (name.size() > zone.size() && name.ends_with(zone) &&
      name[name.size() - zone.size() - 1] == '.') {
    *rest = name.substr(0, name.size() - zone.size() - 1);
    return true;
  }
  return false;
}

std::vector<std::string_view> SplitLabels(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t dot = s.find('.');
    out.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return out;
}

std::string_view StripUnderscore(std::string_view s) {
  if (!s.empty() && s.front() == '_') s.remove_prefix(1);
  return s;
}

bool MatchPort(std::string_view port, std::string_view proto, const PortInfo& p) {
  if (!port.empty() && port != "*" && port != p.name) return false;
  return proto.empty() || proto == "*" || proto == p.protocol;
}

// ParseReverse reads the address of a full reverse name ("7.1.42.10.in-addr.arpa").
std::optional<IpAddress> ParseReverse(std::string_view name) {
  std::string_view rest;
  if (InZone(name, "in-addr.arpa", &rest)) {
    auto labels = SplitLabels(rest);
    if (labels.size() != 4) return std::nullopt;
    std::string text;
    for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
      if (!text.empty()) text.push_back('.');
      text.append(*it);
    }
    return IpAddress::Parse(text);
  }
  if (InZone(name, "ip6.arpa", &rest)) {
    auto labels = SplitLabels(rest);
    if (labels.size() != 32) return std::nullopt;
    std::string text;
    for (size_t i = 0; i < 32; ++i) {
      std::string_view nibble = labels[31 - i];
      if (nibble.size() != 1 || !std::isxdigit(static_cast<unsigned char>(nibble[0]))) {
        return std::nullopt;
      }
      text.push_back(nibble[0]);
      if (i % 4 == 3 && i != 31) text.push_back(':');
    }
    return IpAddress::Parse(text);
  }
  return std::nullopt;
}

}  // namespace

Resolver::Resolver(const ClusterView& view, ResolverOptions options)
    : view_(view), options_(std::move(options)) {}

Answer Resolver::Resolve(const Question& q) const {
  Answer out;
  if (q.qclass != kClassIn && q.qclass != kClassAny) {
    out.rcode = Rcode::kRefused;
    return out;
  }
  std::string_view rest;
  if (InZone(q.name, options_.zone, &rest)) {
    out.authoritative = true;
    if (q.unusual) {
      NxDomain(&out, options_.zone);
    } else {
      ResolveClusterZone(q, rest, &out);
    }
    return out;
  }
  if (InZone(q.name, "in-addr.arpa", &rest) || InZone(q.name, "ip6.arpa", &rest)) {
    ResolveReverse(q, &out);
    return out;
  }
  if (options_.forward) {
    out.forward = true;
  } else {
    out.rcode = Rcode::kRefused;
  }
  return out;
}

void Resolver::ResolveClusterZone(const Question& q, std::string_view rest, Answer* out) const {
  const std::string& zone = options_.zone;
  if (rest.empty()) {
    if (q.type == rrtype::kSoa) {
      out->answer.push_back(Soa(zone));
    } else if (q.type == rrtype::kNs) {
      out->answer.push_back(Record::Ns("", options_.ttl, "ns.dns." + zone));
    } else {
      NoData(out, zone);
    }
    return;
  }
  if (rest == "dns-version") {
    if (q.type == rrtype::kTxt) {
      out->answer.push_back(Record::Txt("", options_.ttl, kSchemaVersion));
    } else {
      NoData(out, zone);
    }
    return;
  }
  std::vector<std::string_view> labels = SplitLabels(rest);
  std::string_view kind = labels.back();
  labels.pop_back();
  if (kind != "svc" && kind != "pod") return NxDomain(out, zone);
  if (labels.empty()) return NoData(out, zone);  // svc.<zone> and pod.<zone> exist
  if (!view_.HasNamespace(labels.back())) return NxDomain(out, zone);
  if (labels.size() == 1) return NoData(out, zone);  // <ns>.svc.<zone>

  std::vector<Target> targets;
  if (kind == "pod") {
    // DNS-8: <a-b-c-d>.<ns>.pod.<zone>.
    if (labels.size() != 2 || options_.pods == PodMode::kDisabled) return NxDomain(out, zone);
    std::string text(labels[0]);
    bool v6 = std::count(text.begin(), text.end(), '-') != 3;
    std::replace(text.begin(), text.end(), '-', v6 ? ':' : '.');
    auto ip = IpAddress::Parse(text);
    if (!ip || (options_.pods == PodMode::kVerified && !view_.PodIpExists(labels[1], *ip))) {
      return NxDomain(out, zone);
    }
    targets.push_back(Target{*ip, -1, q.name});
    return RenderTargets(q, targets, out);
  }
  std::string cname;
  switch (ServiceTargets(labels, &targets, &cname)) {
    case Lookup::kNxDomain:
      return NxDomain(out, zone);
    case Lookup::kNoData:
      return NoData(out, zone);
    case Lookup::kFound:
      break;
  }
  if (!cname.empty()) {
    // DNS-10: an ExternalName service is a CNAME to its external name.
    if (q.type == rrtype::kA || q.type == rrtype::kAaaa || q.type == rrtype::kCname ||
        q.type == rrtype::kAny) {
      out->answer.push_back(Record::Cname("", options_.ttl, cname));
      return;
    }
    return NoData(out, zone);
  }
  RenderTargets(q, targets, out);
}

Resolver::Lookup Resolver::ServiceTargets(const std::vector<std::string_view>& labels,
                                          std::vector<Target>* out, std::string* cname) const {
  size_t n = labels.size();  // [endpoint | _port _proto] service namespace
  if (n > 4) return Lookup::kNxDomain;
  std::string_view endpoint, port, proto;
  if (n == 3) endpoint = labels[0];
  if (n == 4) {
    port = StripUnderscore(labels[0]);
    proto = StripUnderscore(labels[1]);
  }
  ServiceEntryPtr svc = view_.FindService(labels[n - 1], labels[n - 2]);
  if (!svc) return Lookup::kNxDomain;
  if (svc->type == "ExternalName") {
    if (n != 2 || svc->external_name.empty()) return Lookup::kNxDomain;
    *cname = svc->external_name;
    return Lookup::kFound;
  }
  std::string base = svc->name + "." + svc->ns + ".svc." + options_.zone;
  if (svc->headless || !endpoint.empty()) {
    // DNS-4/5/6: endpoint records, with the endpoint (resolved target) ports.
    for (const auto& ep : svc->endpoints) {
      if (!endpoint.empty() && ep.label != endpoint) continue;
      for (const auto& p : *ep.ports) {
        if (!MatchPort(port, proto, p)) continue;
        out->push_back(Target{ep.ip, p.port, ep.label + "." + base});
      }
    }
  } else {
    // DNS-2/3: the cluster IPs, with the service ports.
    for (const auto& p : svc->ports) {
      if (!MatchPort(port, proto, p)) continue;
      for (const auto& ip : svc->cluster_ips) out->push_back(Target{ip, p.port, base});
    }
  }
  // CoreDNS: a service (or port, or endpoint) without matching items is a name error.
  return out->empty() ? Lookup::kNxDomain : Lookup::kFound;
}

void Resolver::RenderTargets(const Question& q, const std::vector<Target>& targets,
                             Answer* out) const {
  const uint32_t ttl = options_.ttl;
  auto address = [&](std::string name, const IpAddress& ip) {
    if (ip.v6) return Record::Aaaa(std::move(name), ttl, ip.bytes);
    return Record::A(std::move(name), ttl, {ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]});
  };
  if (q.type == rrtype::kA || q.type == rrtype::kAaaa) {
    bool want_v6 = q.type == rrtype::kAaaa;
    std::vector<const IpAddress*> seen;
    for (const auto& t : targets) {
      if (t.ip.v6 != want_v6) continue;
      if (std::any_of(seen.begin(), seen.end(), [&](const IpAddress* s) { return *s == t.ip; })) {
        continue;
      }
      seen.push_back(&t.ip);
      out->answer.push_back(address("", t.ip));
    }
  } else if (q.type == rrtype::kSrv) {
    // CoreDNS: priority 0, weight 100 spread over the records (at least 1).
    uint16_t weight = static_cast<uint16_t>(std::max<size_t>(1, 100 / targets.size()));
    std::vector<std::pair<std::string_view, int32_t>> srv_seen;
    std::vector<std::string_view> extra_seen;
    for (const auto& t : targets) {
      if (t.port < 0) continue;
      std::pair<std::string_view, int32_t> k{t.name, t.port};
      if (std::find(srv_seen.begin(), srv_seen.end(), k) != srv_seen.end()) continue;
      srv_seen.push_back(k);
      out->answer.push_back(Record::Srv("", ttl, 0, weight, static_cast<uint16_t>(t.port), t.name));
      if (std::find(extra_seen.begin(), extra_seen.end(), t.name) == extra_seen.end()) {
        extra_seen.push_back(t.name);
        out->additional.push_back(address(t.name, t.ip));
      }
    }
  }
  if (out->answer.empty()) NoData(out, options_.zone);
}

void Resolver::ResolveReverse(const Question& q, Answer* out) const {
  std::string zone = q.name.ends_with("ip6.arpa") ? "ip6.arpa" : "in-addr.arpa";
  auto ip = q.unusual ? std::nullopt : ParseReverse(q.name);
  std::vector<std::string> names;
  if (ip) names = view_.ReverseNames(*ip);
  if (names.empty()) {
    // Not ours: the upstream may know it (CoreDNS `fallthrough in-addr.arpa ip6.arpa`).
    if (options_.forward) {
      out->forward = true;
      return;
    }
    out->authoritative = true;
    return NxDomain(out, zone);
  }
  out->authoritative = true;
  if (q.type != rrtype::kPtr) return NoData(out, zone);
  for (auto& n : names) out->answer.push_back(Record::Ptr("", options_.ttl, std::move(n)));
}

Record Resolver::Soa(const std::string& zone) const {
  Record r;
  r.name = zone;
  r.type = rrtype::kSoa;
  r.ttl = options_.ttl;
  r.target = "ns.dns." + zone;
  r.text = "hostmaster." + zone;
  r.serial = view_.Serial();
  r.refresh = 7200;
  r.retry = 1800;
  r.expire = 86400;
  r.minimum = options_.ttl;
  return r;
}

void Resolver::NoData(Answer* out, const std::string& zone) const {
  out->rcode = Rcode::kNoError;
  out->answer.clear();
  out->additional.clear();
  out->authority.push_back(Soa(zone));
}

void Resolver::NxDomain(Answer* out, const std::string& zone) const {
  out->rcode = Rcode::kNxDomain;
  out->answer.clear();
  out->additional.clear();
  out->authority.push_back(Soa(zone));
}

}  // namespace tinyk8s::dns
