// TerminationSignals: SIGTERM and SIGINT become pending signals taken synchronously, SIGPIPE is
// ignored. Each case runs in a forked child (a death test) so the test process keeps its own
// signal dispositions.
#include "common/termination_signals.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace tinyk8s {
namespace {

using std::chrono::milliseconds;

TEST(TerminationSignalsTest, TakesSigtermAndSigintSynchronously) {
  EXPECT_EXIT(
      {
        TerminationSignals signals;
        bool quiet = !signals.WaitFor(milliseconds(10));  // nothing pending yet
        raise(SIGTERM);                                   // blocked: stays pending
        bool term = signals.WaitFor(milliseconds(0));
        raise(SIGINT);
        int sig = signals.Wait();
        std::exit(quiet && term && sig == SIGINT ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(TerminationSignalsTest, IgnoresSigpipe) {
  EXPECT_EXIT(
      {
        TerminationSignals signals;
        raise(SIGPIPE);
        std::exit(3);
      },
      ::testing::ExitedWithCode(3), "");
}

}  // namespace
}  // namespace tinyk8s
