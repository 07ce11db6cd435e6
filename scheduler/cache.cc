#include "scheduler/cache.h"

#include <algorithm>

namespace tinyk8s::scheduler {

bool Cache::AddOrUpdateNode(NodeSpecPtr node) {
  std::lock_guard<std::mutex> lock(mu_);
  NodeInfo* info = GetOrCreateNodeLocked(node->name);
  const NodeSpec* old = info->node();
  bool changed = !old || !old->SchedulingEqual(*node);
  if (!old) node_list_.push_back(info);
  info->SetNode(std::move(node));
  return changed;
}

void Cache::RemoveNode(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end() || !it->second->node()) return;
  NodeInfo* info = it->second.get();
  node_list_.erase(std::remove(node_list_.begin(), node_list_.end(), info), node_list_.end());
  info->SetNode(nullptr);
  MaybeDropNodeLocked(name);
}

void Cache::AddOrUpdatePod(PodInfoPtr pod) {
  std::lock_guard<std::mutex> lock(mu_);
  RemovePodLocked(pod->uid);
  RemoveNominatedLocked(pod->uid);
  AddPodLocked(std::move(pod), /*assumed=*/false);
}

bool Cache::RemovePod(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  return RemovePodLocked(uid);
}

bool Cache::IsAssumed(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(uid);
  return it != pods_.end() && it->second.assumed;
}

bool Cache::ForgetPod(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end() || !it->second.assumed) return false;
  return RemovePodLocked(uid);
}

void Cache::AddNominatedPod(PodInfoPtr pod, const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  AddNominatedLocked(std::move(pod), node);
}

void Cache::RemoveNominatedPod(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  RemoveNominatedLocked(uid);
}

size_t Cache::NumNodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return node_list_.size();
}

size_t Cache::NumPods() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pods_.size();
}

NodeInfo* Cache::GetOrCreateNodeLocked(const std::string& name) {
  auto& slot = nodes_[name];
  if (!slot) slot = std::make_unique<NodeInfo>(name);
  return slot.get();
}

void Cache::AddPodLocked(PodInfoPtr pod, bool assumed) {
  GetOrCreateNodeLocked(pod->node_name)->AddPod(pod);
  std::string uid = pod->uid;
  pods_[uid] = PodState{std::move(pod), assumed};
}

bool Cache::RemovePodLocked(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) return false;
  std::string node = it->second.pod->node_name;
  pods_.erase(it);
  auto n = nodes_.find(node);
  if (n != nodes_.end()) {
    n->second->RemovePod(uid);
    MaybeDropNodeLocked(node);
  }
  return true;
}

// A NodeInfo without a Node object exists only to account for its pods.
void Cache::MaybeDropNodeLocked(const std::string& name) {
  auto it = nodes_.find(name);
  if (it != nodes_.end() && !it->second->node() && it->second->pods().empty()) nodes_.erase(it);
}

void Cache::AddNominatedLocked(PodInfoPtr pod, const std::string& node) {
  RemoveNominatedLocked(pod->uid);
  if (node.empty()) return;
  nominated_by_node_[node].push_back(pod);
  std::string uid = pod->uid;
  nominated_[uid] = Nomination{node, std::move(pod)};
}

void Cache::RemoveNominatedLocked(const std::string& uid) {
  auto it = nominated_.find(uid);
  if (it == nominated_.end()) return;
  auto by_node = nominated_by_node_.find(it->second.node);
  if (by_node != nominated_by_node_.end()) {
    auto& v = by_node->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const PodInfoPtr& p) { return p->uid == uid; }),
            v.end());
    if (v.empty()) nominated_by_node_.erase(by_node);
  }
  nominated_.erase(it);
}

const NodeInfo* Cache::View::Get(const std::string& name) const {
  auto it = cache_->nodes_.find(name);
  return it == cache_->nodes_.end() ? nullptr : it->second.get();
}

const std::vector<PodInfoPtr>* Cache::View::NominatedPods(const std::string& node) const {
  if (cache_->nominated_by_node_.empty()) return nullptr;
  auto it = cache_->nominated_by_node_.find(node);
  return it == cache_->nominated_by_node_.end() ? nullptr : &it->second;
}

std::string Cache::View::NominatedNodeOf(const std::string& uid) const {
  auto it = cache_->nominated_.find(uid);
  return it == cache_->nominated_.end() ? "" : it->second.node;
}

PodInfoPtr Cache::View::Assume(const PodInfoPtr& pod, const std::string& node) {
  auto assumed = std::make_shared<PodInfo>(*pod);
  assumed->node_name = node;
  assumed->nominated_node_name.clear();
  cache_->RemovePodLocked(pod->uid);
  cache_->RemoveNominatedLocked(pod->uid);
  cache_->AddPodLocked(assumed, /*assumed=*/true);
  return assumed;
}

void Cache::View::Nominate(PodInfoPtr pod, const std::string& node) {
  cache_->AddNominatedLocked(std::move(pod), node);
}

}  // namespace tinyk8s::scheduler
