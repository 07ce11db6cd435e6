#pragma once
// NodeIdentity: the stable facts of one simulated node (name, addresses, pod CIDR, capacity)
// and the objects the agent registers for it (Node, Lease) — what a kubelet would report.

#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <string>

#include "common/clock.h"

namespace tinyk8s::node {

struct NodeResources {
  std::string cpu = "4";
  std::string memory = "8Gi";
  int pods = 110;
  std::string ephemeral_storage = "100Gi";
};

struct NodeIdentity {
  std::string name;           // "node01"
  int index = 0;              // 1-based, in the name
  int address_index = 0;      // 1-based, in the addresses (the index unless taken by another)
  std::string internal_ip;    // 172.16.x.y
  std::string pod_cidr;       // 10.X.Y.0/24
  std::string pod_ip_prefix;  // "10.X.Y."
};

// MakeIdentity derives names and addresses from the 1-based index: node names have at least two
// digits (node01); each node gets a /24 from 10.128.0.0/9 and an InternalIP from 172.16.0.0/12.
NodeIdentity MakeIdentity(const std::string& prefix, int index);
// The same with the addresses of another index (one not used by any other node).
NodeIdentity MakeIdentity(const std::string& prefix, int index, int address_index);
// AddressIndexOfPodCidr is the address index whose /24 `pod_cidr` is, 0 for any other range.
int AddressIndexOfPodCidr(const std::string& pod_cidr);

// NodeObject builds the Node a kubelet registers: labels (hostname, os, arch + extra), pod CIDR,
// capacity = allocatable, addresses, nodeInfo and healthy conditions.
rapidjson::Document NodeObject(const NodeIdentity& id, const NodeResources& res,
                               const std::map<std::string, std::string>& extra_labels,
                               Clock::TimePoint now);

// NodeConditions renders status.conditions: the pressure conditions (healthy) and Ready (True,
// or False with KubeletNotReady when `ready` is false). `since` keeps lastTransitionTime stable.
rapidjson::Value NodeConditions(bool ready, Clock::TimePoint heartbeat, Clock::TimePoint since,
                                rapidjson::Document::AllocatorType& a);

// LeaseObject builds the node's Lease in kube-node-lease.
// The Lease is owned by its Node (node_uid) so that it goes away with it, like upstream.
rapidjson::Document LeaseObject(const std::string& node_name, const std::string& node_uid,
                                std::chrono::seconds duration, Clock::TimePoint now);

}  // namespace tinyk8s::node
