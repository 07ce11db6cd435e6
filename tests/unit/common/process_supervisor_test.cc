#include "common/process_supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/unit/eventually.h"

namespace tinyk8s {
namespace {

bool Eventually(const std::function<bool()>& f) {
  return tinyk8s::testing::Eventually(f, std::chrono::seconds(5), std::chrono::milliseconds(25));
}

// Verifies a child that dies is started again, and Stop() ends the running one.
TEST(ProcessSupervisorTest, RestartsAChildThatDiesAndStopsAll) {
  ProcessSupervisor::Options o;
  o.initial_backoff = std::chrono::milliseconds(10);
  ProcessSupervisor sup(o);
  sup.Add({"sleeper", {"/bin/sleep", "30"}, ""});
  sup.Start();
  ASSERT_TRUE(Eventually([&] { return sup.PidOf("sleeper") > 0; }));
  int first = sup.PidOf("sleeper");
  kill(first, SIGKILL);
  ASSERT_TRUE(Eventually([&] { return sup.StartsOf("sleeper") == 2 && sup.PidOf("sleeper") > 0; }));
  int second = sup.PidOf("sleeper");
  EXPECT_NE(first, second);
  sup.Stop();
  EXPECT_EQ(sup.PidOf("sleeper"), 0);
  EXPECT_NE(kill(second, 0), 0) << "child must be gone after Stop";
}

// Verifies repeated failures back off instead of spinning.
TEST(ProcessSupervisorTest, BacksOffOnRepeatedFailures) {
  ProcessSupervisor::Options o;
  o.initial_backoff = std::chrono::milliseconds(200);
  ProcessSupervisor sup(o);
  sup.Add({"failer", {"/bin/false"}, ""});
  sup.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  sup.Stop();
  // Without backoff /bin/false would have been started hundreds of times in 700 ms.
  EXPECT_GE(sup.StartsOf("failer"), 1);
  EXPECT_LE(sup.StartsOf("failer"), 4);
}

}  // namespace
}  // namespace tinyk8s
