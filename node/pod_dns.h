#pragma once
// The resolver configuration a kubelet gives a pod's containers (/etc/resolv.conf), computed the
// way upstream's pkg/kubelet/network/dns does it:
//  - dnsPolicy ClusterFirst (the default): the cluster DNS servers, search
//    `<ns>.svc.<zone> svc.<zone> <zone>` followed by the node's own search domains, `ndots:5`.
//    A hostNetwork pod with ClusterFirst uses the node's resolver instead (Default), and so does
//    any pod when no cluster DNS server is configured.
//  - ClusterFirstWithHostNet: like ClusterFirst, also for hostNetwork pods.
//  - Default: the node's resolver (nameservers, search, options of its resolv.conf); a node
//    without one (kubelet --resolv-conf "") gives `nameserver 127.0.0.1` and `search .`.
//  - None: nothing but spec.dnsConfig.
// spec.dnsConfig is then appended (nameservers and searches without duplicates; options merged by
// name, the pod's value winning) and the result is cut to the resolver's limits: 3 nameservers,
// 32 search domains of at most 253 characters and 2048 characters in all.

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace tinyk8s::node {

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::string> options;  // "ndots:5", "edns0"
  bool operator==(const ResolvConf&) const = default;
};

// ParseResolvConf reads resolv.conf text: nameserver lines, the last search line (trailing dots
// dropped, "." ignored), options lines; comments start with '#' or ';'.
ResolvConf ParseResolvConf(std::string_view text);

// FormatResolvConf renders the file a container would see: nameservers, search, options lines.
std::string FormatResolvConf(const ResolvConf& conf);

// What the node contributes (kubelet --cluster-dns, --cluster-domain, --resolv-conf).
struct NodeDnsSettings {
  std::vector<std::string> cluster_dns;  // empty: ClusterFirst falls back to Default
  std::string cluster_domain = "cluster.local";
  bool has_host_resolver = false;  // false: the kubelet's --resolv-conf "" behaviour
  ResolvConf host;                 // the node's resolver when has_host_resolver
};

inline constexpr size_t kMaxDnsNameservers = 3;
inline constexpr size_t kMaxDnsSearchPaths = 32;
inline constexpr size_t kMaxDnsSearchListChars = 2048;

// PodResolvConf computes a pod's resolver configuration from its spec (namespace, dnsPolicy,
// hostNetwork, dnsConfig) and the node's settings.
ResolvConf PodResolvConf(const rapidjson::Value& pod, const NodeDnsSettings& node);

}  // namespace tinyk8s::node
