#pragma once
// DaemonSetControllerTest: a DaemonSetController over a FakeClient whose informer caches the
// test fills explicitly (CacheAll), like upstream's newTestController with alwaysReady.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "client/event_recorder.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/pod_template.h"
#include "controllers/daemonset/util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/generate_name_client.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {

class DaemonSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Event names embed the timestamp: a real clock keeps them unique within one fake instant.
    recorder_ = std::make_unique<client::EventRecorder>(
        fake_, real_clock_, client::EventRecorderOptions{"daemonset-controller"});
    controllers::daemonset::DaemonSetControllerOptions o;
    o.parallelism = 1;  // deterministic action order
    ctrl_ = std::make_unique<controllers::daemonset::DaemonSetController>(
        client_, factory_, recorder_.get(), clock_, o);
  }
  void TearDown() override {
    ctrl_.reset();
    recorder_.reset();
  }

  void AddNodes(int n, const std::string& labels = "{}") {
    for (int i = 1; i <= n; ++i) {
      std::string name = "n";
      name += std::to_string(i);  // (not "n" + ...: a GCC 12 -Wrestrict false positive)
      fake_.Add(client::resources::Nodes(), NodeJson(name, labels));
    }
  }
  client::ObjectPtr AddDs(const std::string& json) {
    return fake_.Add(client::resources::DaemonSets(), json);
  }
  // The informers catch up with the fake server.
  void CacheAll() {
    for (const auto* r : {&client::resources::DaemonSets(), &client::resources::Pods(),
                          &client::resources::Nodes(), &client::resources::ControllerRevisions()}) {
      CacheFrom(fake_, factory_.ForResource(*r));
    }
  }
  // Marks every pod cached Running/Ready with Ready since `since`, and observes all expectations.
  void ObserveAll() {
    CacheAll();
    ctrl_->expectations().DeleteExpectations("t/ds");
  }
  Status Sync(const std::string& name = "ds") { return ctrl_->Sync({"t", name}); }

  std::vector<client::ObjectPtr> Pods() {
    auto l = fake_.List(client::resources::Pods(), "t");
    return l.ok() ? l->items : std::vector<client::ObjectPtr>{};
  }
  std::vector<client::ObjectPtr> Revisions() {
    auto l = fake_.List(client::resources::ControllerRevisions(), "t");
    return l.ok() ? l->items : std::vector<client::ObjectPtr>{};
  }
  client::ObjectPtr Get(const client::Resource& r, const std::string& name) {
    auto g = fake_.Get(r, r.namespaced ? "t" : "", name);
    return g.ok() ? *g : nullptr;
  }
  // Binds and readies every pod (a scheduler + kubelet), Ready since `ready_since`.
  // With only_new, pods already bound are left as they are.
  void RunAllPods(const std::string& ready_since = "2023-12-31T00:00:00Z", bool only_new = false) {
    for (const auto& p : Pods()) {
      if (api::HasDeletionTimestamp(*p)) continue;
      if (only_new && !api::GetString(*p, {"spec", "nodeName"}).empty()) continue;
      rapidjson::Document d = api::CloneDocument(*p);
      auto& a = d.GetAllocator();
      std::string node = controllers::daemonset::TargetNodeName(*p);
      api::SetString(api::EnsureObject(d, {"spec"}, a), "nodeName", node, a);
      auto upd = fake_.Update(client::resources::Pods(), d);
      ASSERT_TRUE(upd.ok()) << upd.status().ToString();
      d = api::CloneDocument(**upd);
      auto st = api::ParseJson(
          R"({"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":")" +
          ready_since + R"("}]})");
      rapidjson::Value sv(*st, a);
      api::SetValue(d, "status", sv, a);
      ASSERT_TRUE(fake_.Update(client::resources::Pods(), d, "status").ok());
    }
  }
  std::string PodOnNode(const std::string& node) {
    for (const auto& p : Pods()) {
      if (controllers::daemonset::TargetNodeName(*p) == node && !api::HasDeletionTimestamp(*p))
        return api::Name(*p);
    }
    return "";
  }
  // Events recorded so far, as "Reason message".
  std::vector<std::string> Events() {
    recorder_->Flush(std::chrono::seconds(10));
    std::vector<std::string> out;
    auto l = fake_.List(client::resources::Events(), "t");
    if (!l.ok()) return out;
    for (const auto& e : l->items) {
      out.push_back(api::GetString(*e, {"reason"}) + " " + api::GetString(*e, {"message"}));
    }
    return out;
  }

  FakeClient fake_;
  GenerateNameClient client_{fake_};
  FakeClock clock_;
  RealClock real_clock_;
  client::SharedInformerFactory factory_{fake_};
  std::unique_ptr<client::EventRecorder> recorder_;
  std::unique_ptr<controllers::daemonset::DaemonSetController> ctrl_;
};

}  // namespace tinyk8s::testing
