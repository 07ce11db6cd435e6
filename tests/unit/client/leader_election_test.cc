// GCC 12 reports false -Wrestrict positives on short std::string operations at -O2
// (GCC bug 105329); silence them in this test only.
#pragma GCC diagnostic ignored "-Wrestrict"

#include "client/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/json.h"
#include "tests/fakes/fake_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/client/test_server.h"
#include "tests/unit/eventually.h"

namespace tinyk8s::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

template <typename Pred>
bool Eventually(Pred pred, std::function<void()> step = nullptr) {
  return tinyk8s::testing::Eventually(pred, seconds(20), milliseconds(2), step);
}

LeaderElectionConfig Config(const std::string& id, std::atomic<int>* started,
                            std::atomic<int>* stopped) {
  LeaderElectionConfig c;
  c.lease_namespace = "kube-system";
  c.lease_name = "test-lock";
  c.identity = id;
  c.lease_duration = milliseconds(1000);
  c.renew_deadline = milliseconds(600);
  c.retry_period = milliseconds(100);
  c.on_started_leading = [started] { ++*started; };
  c.on_stopped_leading = [stopped] { ++*stopped; };
  return c;
}

TEST(LeaderElectionTest, RejectsInconsistentConfig) {
  tinyk8s::testing::FakeClient fake;
  tinyk8s::testing::FakeClock clock;
  LeaderElectionConfig c;
  c.lease_name = "x";
  c.identity = "a";
  c.renew_deadline = c.lease_duration;
  EXPECT_EQ(LeaderElector::Create(fake, clock, c).status().code(), StatusCode::kInvalid);
}

// Hand-over with a fake clock: B takes over only once A's record has been unchanged for the
// lease duration on B's clock.
TEST(LeaderElectionTest, TakesOverAnExpiredLeaseWithFakeClock) {
  tinyk8s::testing::FakeClient fake;
  tinyk8s::testing::FakeClock clock;
  std::atomic<int> a_started{0}, a_stopped{0}, b_started{0}, b_stopped{0};
  auto ca = Config("a", &a_started, &a_stopped);
  ca.lease_duration = seconds(15);
  ca.renew_deadline = seconds(10);
  ca.retry_period = seconds(2);
  ca.release_on_cancel = false;  // A "crashes": no release
  auto cb = ca;
  cb.identity = "b";
  cb.on_started_leading = [&] { ++b_started; };
  cb.on_stopped_leading = [&] { ++b_stopped; };
  auto a = LeaderElector::Create(fake, clock, ca);
  auto b = LeaderElector::Create(fake, clock, cb);
  ASSERT_TRUE(a.ok() && b.ok());
  std::thread ta([&] { (*a)->Run(); });
  ASSERT_TRUE(Eventually([&] { return (*a)->IsLeader(); }));
  std::thread tb([&] { (*b)->Run(); });
  ASSERT_TRUE(Eventually([&] { return (*b)->GetLeader() == "a" && clock.NumTimers() == 2; }));
  EXPECT_FALSE((*b)->IsLeader());
  // Kill A (no release), then let fake time pass until B leads.
  (*a)->Stop();
  ta.join();
  EXPECT_EQ(a_stopped.load(), 1);
  ASSERT_TRUE(Eventually([&] { return (*b)->IsLeader(); }, [&] { clock.Advance(seconds(1)); }));
  EXPECT_EQ((*b)->GetLeader(), "b");
  auto lease = fake.Get(resources::Leases(), "kube-system", "test-lock");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(api::GetInt(**lease, {"spec", "leaseTransitions"}), 1);
  EXPECT_EQ(api::GetInt(**lease, {"spec", "leaseDurationSeconds"}), 15);
  (*b)->Stop();
  tb.join();
  EXPECT_EQ(b_stopped.load(), 1);
}

// Hand-over on a real server with a short real lease: A releases on Stop, B takes over.
TEST(LeaderElectionTest, HandsOverOnRelease) {
  testing::TestServer ts;
  RealTimerClock clock;
  std::atomic<int> a_started{0}, a_stopped{0}, b_started{0}, b_stopped{0};
  auto a = LeaderElector::Create(ts.client(), clock, Config("a", &a_started, &a_stopped));
  auto b = LeaderElector::Create(ts.client(), clock, Config("b", &b_started, &b_stopped));
  ASSERT_TRUE(a.ok() && b.ok());
  std::thread ta([&] { (*a)->Run(); });
  ASSERT_TRUE(Eventually([&] { return (*a)->IsLeader(); }));
  std::thread tb([&] { (*b)->Run(); });
  ASSERT_TRUE(Eventually([&] { return (*b)->GetLeader() == "a"; }));
  EXPECT_FALSE((*b)->IsLeader());
  (*a)->Stop();
  ta.join();
  EXPECT_EQ(a_started.load(), 1);
  EXPECT_EQ(a_stopped.load(), 1);
  ASSERT_TRUE(Eventually([&] { return (*b)->IsLeader(); }));
  // IsLeader turns true just before the started callback runs on the elector's thread.
  ASSERT_TRUE(Eventually([&] { return b_started.load() == 1; }));
  (*b)->Stop();
  tb.join();
  auto lease = ts.client().Get(resources::Leases(), "kube-system", "test-lock");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(api::GetString(**lease, {"spec", "holderIdentity"}), "");  // released
  EXPECT_EQ(api::GetInt(**lease, {"spec", "leaseTransitions"}), 1);
}

}  // namespace
}  // namespace tinyk8s::client
