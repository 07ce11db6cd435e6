// The manager recorded for writes without ?fieldManager= (apiserver/field_manager_name.h), and the
// User-Agents of our co-processes (common/version.h) that must map to upstream's manager names.
#include "apiserver/field_manager_name.h"

#include <gtest/gtest.h>

#include "common/version.h"

namespace tinyk8s::apiserver {
namespace {

TEST(FieldManagerFromUserAgentTest, ProductBeforeTheFirstSlash) {
  EXPECT_EQ(FieldManagerFromUserAgent("kubectl/v1.32.4 (linux/amd64) kubernetes/9a53b6e"),
            "kubectl");
  EXPECT_EQ(
      FieldManagerFromUserAgent("kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/70d3cc9/"
                                "system:serviceaccount:kube-system:daemon-set-controller"),
      "kube-controller-manager");
  EXPECT_EQ(FieldManagerFromUserAgent("curl/8.5.0"), "curl");
  EXPECT_EQ(FieldManagerFromUserAgent("no slash at all"), "no slash at all");
  EXPECT_EQ(FieldManagerFromUserAgent("/v1"), "");
  EXPECT_EQ(FieldManagerFromUserAgent(""), "");
}

TEST(FieldManagerFromUserAgentTest, DropsUnprintableCharacters) {
  EXPECT_EQ(FieldManagerFromUserAgent(std::string("a\tb\x01\x7f"
                                                  "c/1",
                                                  8)),
            "abc");
  EXPECT_EQ(FieldManagerFromUserAgent("caf\xC3\xA9/1"), "caf\xC3\xA9");  // é is printable
  EXPECT_EQ(FieldManagerFromUserAgent("a\xC2\xA0"
                                      "b\xE2\x80\x8B"
                                      "c/1"),
            "abc");  // NBSP, ZWSP
  EXPECT_EQ(FieldManagerFromUserAgent("a\xEE\x80\x80"
                                      "b/1"),
            "ab");  // private use
  // A byte that is not UTF-8 reads as U+FFFD (printable), one per byte, as in Go.
  EXPECT_EQ(FieldManagerFromUserAgent("a\xFF"
                                      "b/1"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(FieldManagerFromUserAgent("a\xE2\x82/1"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(FieldManagerFromUserAgent("a\xC0\xAF/1"), "a\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
}

TEST(FieldManagerFromUserAgentTest, CutsAt128BytesWithoutSplittingACharacter) {
  EXPECT_EQ(FieldManagerFromUserAgent(std::string(200, 'x') + "/1"), std::string(128, 'x'));
  EXPECT_EQ(FieldManagerFromUserAgent(std::string(128, 'x')), std::string(128, 'x'));
  // 127 bytes of ASCII leave no room for a two-byte character: it is left out whole.
  std::string almost(127, 'x');
  EXPECT_EQ(FieldManagerFromUserAgent(almost + "\xC3\xA9"
                                               "y/1"),
            almost);
  // Dropped characters take no room.
  EXPECT_EQ(FieldManagerFromUserAgent("\t\t\t" + std::string(130, 'x')), std::string(128, 'x'));
}

TEST(KubernetesUserAgentTest, UpstreamShapeAndManagerNames) {
  std::string platform(Platform());
  EXPECT_EQ(KubernetesUserAgent("kubelet"),
            "kubelet/v1.32.0 (" + platform + ") kubernetes/0000000");
  EXPECT_EQ(KubernetesUserAgent("kube-scheduler", "scheduler"),
            "kube-scheduler/v1.32.0 (" + platform + ") kubernetes/0000000/scheduler");
  for (const char* component : {"kube-controller-manager", "kube-scheduler", "kubelet"}) {
    EXPECT_EQ(FieldManagerFromUserAgent(KubernetesUserAgent(component)), component);
    EXPECT_EQ(FieldManagerFromUserAgent(KubernetesUserAgent(component, "leader-election")),
              component);
  }
}

}  // namespace
}  // namespace tinyk8s::apiserver
