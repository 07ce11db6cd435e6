#pragma once
// Static pods: manifests in a directory become mirror pods on every node of the agent (named
// <pod>-<node>, annotation kubernetes.io/config.mirror = content hash, owned by the Node), like
// the kubelet's file source. Level-triggered: each Reconcile compares the directory with the
// mirror pods in the cache and creates, replaces (content changed) or deletes.

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/lister.h"
#include "common/clock.h"

namespace tinyk8s::node {

inline constexpr const char* kMirrorAnnotation = "kubernetes.io/config.mirror";
inline constexpr const char* kConfigSourceAnnotation = "kubernetes.io/config.source";

struct StaticPodManifest {
  std::string file;
  std::string hash;
  rapidjson::Document pod;  // the parsed manifest (a Pod)
};

// ReadStaticPodManifests reads *.yaml, *.yml and *.json files of `dir` (unreadable or invalid
// files are skipped with a log line).
std::vector<StaticPodManifest> ReadStaticPodManifests(const std::string& dir);

// MirrorPodFor builds the mirror pod of `manifest` on node `node_name` (uid of the Node).
rapidjson::Document MirrorPodFor(const StaticPodManifest& manifest, const std::string& node_name,
                                 const std::string& node_uid, Clock::TimePoint now);

struct NodeRef {
  std::string name;
  std::string uid;
};

// ReconcileStaticPods makes the mirror pods of `nodes` match `manifests`. Returns the first error
// (the rest is still attempted).
Status ReconcileStaticPods(client::Client& client, const client::Lister& pods,
                           const std::vector<StaticPodManifest>& manifests,
                           const std::vector<NodeRef>& nodes, const Clock& clock);

}  // namespace tinyk8s::node
