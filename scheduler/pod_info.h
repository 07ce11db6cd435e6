#pragma once
// PodInfo: everything the scheduler reads from a Pod, parsed once from the informer's object.
// Immutable after ParsePodInfo; shared as shared_ptr<const PodInfo> by the queue, the cache and
// in-flight bindings (DESIGN §8.7 rule 2).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/resource.h"
#include "common/clock.h"
#include "scheduler/types.h"

namespace tinyk8s::scheduler {

struct PodInfo {
  client::ObjectPtr object;  // the API object this was parsed from (never null)
  std::string ns, name, uid;
  std::string scheduler_name;
  std::string node_name;            // spec.nodeName ("" = pending)
  std::string nominated_node_name;  // status.nominatedNodeName
  int32_t priority = 0;
  bool preempt_never = false;  // spec.preemptionPolicy == Never
  bool terminating = false;    // metadata.deletionTimestamp set
  bool terminal = false;       // status.phase Succeeded or Failed
  bool scheduling_gated = false;
  Clock::TimePoint start_time;  // status.startTime, else creationTimestamp

  // max(sum of containers, max of init containers) + overhead (SCH-14).
  ResourceList requests;
  // Like `requests`, but cpu/memory of 0 count as the scoring defaults.
  ResourceList non_zero_requests;
  std::vector<HostPort> host_ports;
  std::vector<Toleration> tolerations;
  std::vector<std::pair<std::string, std::string>> node_selector;
  // Required node affinity terms; nullopt when the pod has none.
  std::optional<std::vector<NodeSelectorTerm>> required_affinity;
  std::vector<PreferredSchedulingTerm> preferred_affinity;
  // Hash of spec + labels: lets the queue tell a real change from a status-only update.
  uint64_t spec_hash = 0;

  // "ns/name".
  std::string Key() const { return ns + "/" + name; }
};

using PodInfoPtr = std::shared_ptr<const PodInfo>;

// ParsePodInfo never fails: missing or malformed fields read as empty (the API server
// validated the object). REQUIRES: pod != nullptr.
PodInfoPtr ParsePodInfo(client::ObjectPtr pod);

// Builds a PodInfo from JSON text (tests, benchmarks). nullptr if the text is not JSON.
PodInfoPtr ParsePodInfoJson(std::string_view json);

}  // namespace tinyk8s::scheduler
