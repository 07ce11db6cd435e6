#pragma once
// Builders of Pod and Node objects for scheduler unit tests: each setter adds one field, so a
// test reads as the situation it sets up (`Pod("p").Cpu("500m").Priority(10)`).

#include <rapidjson/document.h>

#include <string>

#include "api/json.h"
#include "api/meta.h"
#include "client/resource.h"
#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

namespace tinyk8s::scheduler::testing {

class Pod {
 public:
  explicit Pod(const std::string& name, const std::string& ns = "default") {
    doc_.SetObject();
    auto& a = doc_.GetAllocator();
    api::SetString(doc_, "apiVersion", "v1", a);
    api::SetString(doc_, "kind", "Pod", a);
    auto& meta = api::EnsureObject(doc_, {"metadata"}, a);
    api::SetString(meta, "name", name, a);
    api::SetString(meta, "namespace", ns, a);
    api::SetString(meta, "uid", "uid-" + name, a);
    api::SetString(meta, "creationTimestamp", "2024-01-01T00:00:00Z", a);
    auto& spec = api::EnsureObject(doc_, {"spec"}, a);
    api::SetString(spec, "schedulerName", "default-scheduler", a);
    rapidjson::Value containers(rapidjson::kArrayType);
    rapidjson::Value c(rapidjson::kObjectType);
    api::SetString(c, "name", "main", a);
    api::SetString(c, "image", "nginx", a);
    containers.PushBack(c, a);
    api::SetValue(spec, "containers", containers, a);
    api::SetString(api::EnsureObject(doc_, {"status"}, a), "phase", "Pending", a);
  }
  Pod(const Pod& o) { doc_.CopyFrom(o.doc_, doc_.GetAllocator()); }
  Pod& operator=(const Pod& o) {
    doc_.CopyFrom(o.doc_, doc_.GetAllocator());
    return *this;
  }
  Pod& Request(const std::string& resource, const std::string& amount) {
    auto& a = doc_.GetAllocator();
    auto& c = doc_["spec"]["containers"][0];
    api::SetString(api::EnsureObject(c, {"resources", "requests"}, a), resource, amount, a);
    return *this;
  }
  Pod& Cpu(const std::string& q) { return Request("cpu", q); }
  Pod& Memory(const std::string& q) { return Request("memory", q); }
  Pod& Priority(int p) { return SpecInt("priority", p); }
  Pod& PreemptNever() { return SpecString("preemptionPolicy", "Never"); }
  Pod& SchedulerName(const std::string& n) { return SpecString("schedulerName", n); }
  Pod& Node(const std::string& n) { return SpecString("nodeName", n); }
  Pod& StartTime(const std::string& t) { return Status("startTime", t); }
  Pod& Nominated(const std::string& n) { return Status("nominatedNodeName", n); }
  Pod& Phase(const std::string& p) { return Status("phase", p); }
  Pod& Terminating() {
    auto& a = doc_.GetAllocator();
    api::SetString(doc_["metadata"], "deletionTimestamp", "2024-01-01T00:01:00Z", a);
    return *this;
  }
  Pod& HostPort(int port, const std::string& protocol = "TCP", const std::string& ip = "") {
    auto& a = doc_.GetAllocator();
    auto& c = doc_["spec"]["containers"][0];
    if (!c.HasMember("ports")) {
      rapidjson::Value ports(rapidjson::kArrayType);
      api::SetValue(c, "ports", ports, a);
    }
    rapidjson::Value p(rapidjson::kObjectType);
    api::SetInt(p, "containerPort", port, a);
    api::SetInt(p, "hostPort", port, a);
    api::SetString(p, "protocol", protocol, a);
    if (!ip.empty()) api::SetString(p, "hostIP", ip, a);
    c["ports"].PushBack(p, a);
    return *this;
  }
  Pod& NodeSelector(const std::string& k, const std::string& v) {
    auto& a = doc_.GetAllocator();
    api::SetString(api::EnsureObject(doc_, {"spec", "nodeSelector"}, a), k, v, a);
    return *this;
  }
  // Raw JSON for a spec field (tolerations, affinity, ...).
  Pod& SpecJson(const std::string& field, const std::string& json) {
    auto& a = doc_.GetAllocator();
    auto parsed = api::ParseJson(json);
    rapidjson::Value v(*parsed, a);
    api::SetValue(doc_["spec"], field, v, a);
    return *this;
  }

  client::ObjectPtr Obj() const {
    return std::make_shared<const rapidjson::Document>(api::CloneDocument(doc_));
  }
  PodInfoPtr Info() const { return ParsePodInfo(Obj()); }
  operator PodInfoPtr() const { return Info(); }  // NOLINT: builder convenience

 private:
  Pod& SpecString(const char* k, const std::string& v) {
    api::SetString(doc_["spec"], k, v, doc_.GetAllocator());
    return *this;
  }
  Pod& SpecInt(const char* k, int64_t v) {
    api::SetInt(doc_["spec"], k, v, doc_.GetAllocator());
    return *this;
  }
  Pod& Status(const char* k, const std::string& v) {
    api::SetString(doc_["status"], k, v, doc_.GetAllocator());
    return *this;
  }
  rapidjson::Document doc_;
};

class Node {
 public:
  explicit Node(const std::string& name) {
    doc_.SetObject();
    auto& a = doc_.GetAllocator();
    api::SetString(doc_, "apiVersion", "v1", a);
    api::SetString(doc_, "kind", "Node", a);
    auto& meta = api::EnsureObject(doc_, {"metadata"}, a);
    api::SetString(meta, "name", name, a);
    api::SetString(meta, "uid", "node-uid-" + name, a);
    api::SetString(api::EnsureObject(meta, {"labels"}, a), "kubernetes.io/hostname", name, a);
    auto& alloc = api::EnsureObject(doc_, {"status", "allocatable"}, a);
    api::SetString(alloc, "cpu", "4", a);
    api::SetString(alloc, "memory", "8Gi", a);
    api::SetString(alloc, "pods", "110", a);
    api::EnsureObject(doc_, {"spec"}, a);
  }
  Node(const Node& o) { doc_.CopyFrom(o.doc_, doc_.GetAllocator()); }
  Node& operator=(const Node& o) {
    doc_.CopyFrom(o.doc_, doc_.GetAllocator());
    return *this;
  }
  Node& Allocatable(const std::string& resource, const std::string& amount) {
    auto& a = doc_.GetAllocator();
    api::SetString(doc_["status"]["allocatable"], resource, amount, a);
    return *this;
  }
  Node& Cpu(const std::string& q) { return Allocatable("cpu", q); }
  Node& Pods(int n) { return Allocatable("pods", std::to_string(n)); }
  Node& Label(const std::string& k, const std::string& v) {
    api::SetString(doc_["metadata"]["labels"], k, v, doc_.GetAllocator());
    return *this;
  }
  Node& Unschedulable() {
    api::SetBool(doc_["spec"], "unschedulable", true, doc_.GetAllocator());
    return *this;
  }
  Node& Taint(const std::string& key, const std::string& value, const std::string& effect) {
    auto& a = doc_.GetAllocator();
    if (!doc_["spec"].HasMember("taints")) {
      rapidjson::Value taints(rapidjson::kArrayType);
      api::SetValue(doc_["spec"], "taints", taints, a);
    }
    rapidjson::Value t(rapidjson::kObjectType);
    api::SetString(t, "key", key, a);
    if (!value.empty()) api::SetString(t, "value", value, a);
    api::SetString(t, "effect", effect, a);
    doc_["spec"]["taints"].PushBack(t, a);
    return *this;
  }
  client::ObjectPtr Obj() const {
    return std::make_shared<const rapidjson::Document>(api::CloneDocument(doc_));
  }
  NodeSpecPtr Spec() const { return ParseNodeSpec(Obj()); }
  // A NodeInfo holding this node and `pods`.
  NodeInfo Info(std::initializer_list<PodInfoPtr> pods = {}) const {
    NodeInfo info(api::Name(doc_));
    info.SetNode(Spec());
    for (const auto& p : pods) info.AddPod(p);
    return info;
  }

 private:
  rapidjson::Document doc_;
};

}  // namespace tinyk8s::scheduler::testing
