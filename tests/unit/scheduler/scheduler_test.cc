// The Scheduler end to end on a FakeClient: informer events are fed by hand, API writes run
// inline (api_workers = 0) and time is a FakeClock, so every step is deterministic.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "api/json.h"
#include "tests/fakes/fake_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/scheduler/test_util.h"

namespace tinyk8s::scheduler {
namespace {

using testing::Node;
using testing::Pod;
using tinyk8s::testing::FakeClient;
using tinyk8s::testing::FakeClock;
namespace res = client::resources;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Make({"default-scheduler"}); }
  void Make(const std::vector<std::string>& names) {
    std::vector<std::unique_ptr<Profile>> profiles;
    for (const auto& n : names) {
      ProfileConfig pc;
      pc.scheduler_name = n;
      profiles.push_back(Profile::Create(pc).value());
    }
    SchedulerOptions o;
    o.api_workers = 0;
    o.seed = 1;
    sched_ = std::make_unique<Scheduler>(fake_, clock_, std::move(profiles), o);
  }
  void AddNode(const Node& n) { sched_->OnNodeAdd(fake_.Add(res::Nodes(), *n.Obj())); }
  client::ObjectPtr AddPod(const Pod& p) {
    client::ObjectPtr obj = fake_.Add(res::Pods(), *p.Obj());
    sched_->OnPodAdd(obj);
    return obj;
  }
  client::ObjectPtr Get(const std::string& name) {
    auto r = fake_.Get(res::Pods(), "default", name);
    return r.ok() ? *r : nullptr;
  }
  // "reason component: message" of every event about `name`.
  std::vector<std::string> Events(const std::string& name) {
    sched_->FlushEvents(std::chrono::seconds(10));
    std::vector<std::string> out;
    auto list = fake_.List(res::Events(), "default");
    for (const auto& e : list->items) {
      if (api::GetString(*e, {"involvedObject", "name"}) != name) continue;
      out.push_back(api::GetString(*e, {"reason"}) + " " +
                    api::GetString(*e, {"source", "component"}) + ": " +
                    api::GetString(*e, {"message"}));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> Writes() {
    std::vector<std::string> out;
    for (const auto& w : fake_.WriteActions()) {
      if (w.find(" events") == std::string::npos) out.push_back(w);
    }
    return out;
  }

  FakeClient fake_;
  FakeClock clock_;
  std::unique_ptr<Scheduler> sched_;
};

TEST_F(SchedulerTest, BindsPendingPodAndRecordsScheduledEvent) {
  AddNode(Node("n1"));
  auto before = AddPod(Pod("p1").Cpu("100m"));
  fake_.ClearActions();
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(Writes(), std::vector<std::string>{"create pods/binding default/p1"});
  EXPECT_EQ(api::GetString(*Get("p1"), {"spec", "nodeName"}), "n1");
  EXPECT_EQ(Events("p1"),
            std::vector<std::string>{
                "Scheduled default-scheduler: Successfully assigned default/p1 to n1"});
  EXPECT_TRUE(sched_->cache().IsAssumed("uid-p1"));
  sched_->OnPodUpdate(before, Get("p1"));  // the informer confirms the binding
  EXPECT_FALSE(sched_->cache().IsAssumed("uid-p1"));
  EXPECT_EQ(sched_->cache().NumPods(), 1u);
  EXPECT_FALSE(sched_->ScheduleNext());
}

TEST_F(SchedulerTest, LeavesPodsOfOtherSchedulersAlone) {
  AddNode(Node("n1"));
  AddPod(Pod("ghost").SchedulerName("nobody"));
  fake_.ClearActions();
  EXPECT_FALSE(sched_->ScheduleNext());
  EXPECT_TRUE(Writes().empty());
  EXPECT_TRUE(Events("ghost").empty());
}

TEST_F(SchedulerTest, ProfilesNameTheirEvents) {
  Make({"default-scheduler", "my-scheduler"});
  AddNode(Node("n1"));
  AddPod(Pod("mine").SchedulerName("my-scheduler"));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(
      Events("mine"),
      std::vector<std::string>{"Scheduled my-scheduler: Successfully assigned default/mine to n1"});
}

TEST_F(SchedulerTest, UnfittablePodGetsConditionAndEventAndEvictsNothing) {
  AddNode(Node("n1").Cpu("1"));
  AddPod(Pod("peer").Node("n1").Cpu("800m").Priority(100));
  AddPod(Pod("big").Cpu("500m").Priority(100));
  fake_.ClearActions();
  ASSERT_TRUE(sched_->ScheduleNext());
  const std::string msg =
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No "
      "preemption victims found for incoming pod.";
  EXPECT_EQ(Writes(), std::vector<std::string>{"patch pods/status default/big"});
  EXPECT_EQ(Events("big"), std::vector<std::string>{"FailedScheduling default-scheduler: " + msg});
  auto pod = Get("big");
  const auto& cond = (*pod)["status"]["conditions"][0];
  EXPECT_EQ(api::GetString(cond, {"type"}) + " " + api::GetString(cond, {"status"}) + " " +
                api::GetString(cond, {"reason"}) + ": " + api::GetString(cond, {"message"}),
            "PodScheduled False Unschedulable: " + msg);
  EXPECT_EQ(sched_->queue().counts().unschedulable, 1u);
  ASSERT_NE(Get("peer"), nullptr);
}

// Verifies AT-12 on fakes: victims are deleted with a Preempted event, the preemptor is
// nominated, and it binds once the victim is gone.
TEST_F(SchedulerTest, PreemptsLowerPriorityPodAndBindsLater) {
  AddNode(Node("n1").Cpu("1"));
  auto filler = AddPod(Pod("filler").Node("n1").Cpu("800m").Priority(100));
  AddPod(Pod("vip").Cpu("500m").Priority(2000001000));
  fake_.ClearActions();
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(Writes(), (std::vector<std::string>{"delete pods default/filler",
                                                "patch pods/status default/vip"}));
  EXPECT_EQ(
      Events("filler"),
      std::vector<std::string>{"Preempted default-scheduler: Preempted by pod uid-vip on node n1"});
  EXPECT_EQ(Events("vip"), std::vector<std::string>{
                               "FailedScheduling default-scheduler: 0/1 nodes are available: 1 "
                               "Insufficient cpu."});
  EXPECT_EQ(api::GetString(*Get("vip"), {"status", "nominatedNodeName"}), "n1");
  EXPECT_EQ(sched_->stats().preemptions, 1);

  sched_->OnPodDelete(filler);           // the victim is gone from the API
  EXPECT_FALSE(sched_->ScheduleNext());  // still backing off
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(api::GetString(*Get("vip"), {"spec", "nodeName"}), "n1");
}

// Verifies the preemptor waits (and preempts nothing more) while its victim terminates.
TEST_F(SchedulerTest, WaitsForTerminatingVictim) {
  AddNode(Node("n1").Cpu("1"));
  AddNode(Node("n2").Cpu("1"));
  AddPod(Pod("victim").Node("n1").Cpu("800m").Terminating());
  AddPod(Pod("other").Node("n2").Cpu("800m"));
  AddPod(Pod("vip").Cpu("500m").Priority(1000).Nominated("n1"));
  fake_.ClearActions();
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(Writes(), std::vector<std::string>{"patch pods/status default/vip"});
  EXPECT_NE(Get("other"), nullptr);
}

TEST_F(SchedulerTest, PreemptionPolicyNeverDoesNotEvict) {
  AddNode(Node("n1").Cpu("1"));
  AddPod(Pod("low").Node("n1").Cpu("800m"));
  AddPod(Pod("polite").Cpu("500m").Priority(1000).PreemptNever());
  fake_.ClearActions();
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(Writes(), std::vector<std::string>{"patch pods/status default/polite"});
}

TEST_F(SchedulerTest, NewNodeReactivatesUnschedulablePod) {
  AddNode(Node("n1").Cpu("1"));
  AddPod(Pod("big").Cpu("2"));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_FALSE(sched_->ScheduleNext());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(sched_->ScheduleNext());  // no cluster change yet
  AddNode(Node("n2").Cpu("4"));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(api::GetString(*Get("big"), {"spec", "nodeName"}), "n2");
}

TEST_F(SchedulerTest, HostPortConflictKeepsPodsApart) {
  AddNode(Node("n1"));
  AddNode(Node("n2"));
  AddPod(Pod("a").HostPort(9000));
  AddPod(Pod("b").HostPort(9000));
  AddPod(Pod("c").HostPort(9000));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sched_->ScheduleNext());
  std::set<std::string> nodes = {api::GetString(*Get("a"), {"spec", "nodeName"}),
                                 api::GetString(*Get("b"), {"spec", "nodeName"})};
  EXPECT_EQ(nodes, (std::set<std::string>{"n1", "n2"}));
  EXPECT_EQ(api::GetString(*Get("c"), {"spec", "nodeName"}), "");
  auto events = Events("c");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("2 node(s) didn't have free ports for the requested pod ports"),
            std::string::npos)
      << events[0];
}

TEST_F(SchedulerTest, FailedBindingReleasesTheRoomAndRetries) {
  AddNode(Node("n1").Cpu("1"));
  fake_.PrependReactor("create", "pods", [](const tinyk8s::testing::FakeAction& a) {
    return a.subresource == "binding" ? std::optional<Status>(Status::Internal("etcd is sad"))
                                      : std::nullopt;
  });
  AddPod(Pod("a").Cpu("600m"));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_FALSE(sched_->cache().IsAssumed("uid-a"));
  EXPECT_EQ(sched_->stats().bind_errors, 1);
  EXPECT_EQ(sched_->queue().counts().backoff, 1u);
  auto events = Events("a");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("FailedScheduling default-scheduler: Binding rejected: "),
            std::string::npos)
      << events[0];
}

TEST_F(SchedulerTest, FinishedPodsFreeTheirRoom) {
  AddNode(Node("n1").Cpu("1"));
  auto job = AddPod(Pod("job").Node("n1").Cpu("800m"));
  AddPod(Pod("next").Cpu("500m"));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(api::GetString(*Get("next"), {"spec", "nodeName"}), "");
  sched_->OnPodUpdate(job, Pod("job").Node("n1").Cpu("800m").Phase("Succeeded").Obj());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(sched_->ScheduleNext());
  EXPECT_EQ(api::GetString(*Get("next"), {"spec", "nodeName"}), "n1");
}

// Verifies a late informer event from before the binding (which re-queues the pod) does not
// lead to a second binding while the first is unconfirmed.
TEST_F(SchedulerTest, StaleUpdateAfterBindingDoesNotBindTwice) {
  AddNode(Node("n1"));
  auto pending = AddPod(Pod("p1"));
  ASSERT_TRUE(sched_->ScheduleNext());
  fake_.ClearActions();
  sched_->OnPodUpdate(pending, Pod("p1").Memory("1Mi").Obj());
  EXPECT_TRUE(sched_->ScheduleNext());
  EXPECT_TRUE(Writes().empty());
  EXPECT_EQ(sched_->stats().scheduled, 1);
}

}  // namespace
}  // namespace tinyk8s::scheduler
