#include "api/meta.h"

#include <gtest/gtest.h>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api {
namespace {

using testing::J;

TEST(MetaTest, Accessors) {
  auto pod =
      J("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'ns','uid':'u1',"
        "'resourceVersion':'42','generation':3,'labels':{'app':'web'},'annotations':{'k':'v'},"
        "'deletionTimestamp':'2024-01-01T00:00:00Z','finalizers':['a/b','c'],"
        "'ownerReferences':[{'apiVersion':'apps/v1','kind':'DaemonSet','name':'ds','uid':'x',"
        "'controller':true}]}}");
  EXPECT_EQ(Name(pod), "p");
  EXPECT_EQ(Namespace(pod), "ns");
  EXPECT_EQ(Uid(pod), "u1");
  EXPECT_EQ(ResourceVersion(pod), "42");
  EXPECT_EQ(Generation(pod), 3);
  ASSERT_NE(Labels(pod), nullptr);
  EXPECT_EQ(Label(pod, "app"), "web");
  EXPECT_EQ(Annotation(pod, "k"), "v");
  EXPECT_EQ(Annotation(pod, "zz", "fb"), "fb");
  EXPECT_TRUE(HasDeletionTimestamp(pod));
  EXPECT_EQ(Finalizers(pod), (std::vector<std::string>{"a/b", "c"}));
  OwnerReference ref;
  ASSERT_TRUE(GetControllerOf(pod, &ref));
  EXPECT_EQ(ref.kind, "DaemonSet");
  EXPECT_EQ(ref.uid, "x");
  GroupVersionKind gvk = GetGroupVersionKind(pod);
  EXPECT_EQ(gvk, (GroupVersionKind{"", "v1", "Pod"}));
}

TEST(MetaTest, MissingOrMistypedFieldsReadAsEmpty) {
  auto obj = J("{'metadata':{'name':5,'labels':'x','finalizers':{}}}");
  EXPECT_EQ(Name(obj), "");
  EXPECT_EQ(Labels(obj), nullptr);
  EXPECT_TRUE(Finalizers(obj).empty());
  EXPECT_FALSE(HasDeletionTimestamp(obj));
  EXPECT_EQ(OwnerReferences(obj), nullptr);
  EXPECT_FALSE(GetControllerOf(obj, nullptr));
  EXPECT_EQ(Generation(J("[]")), 0);
}

TEST(MetaTest, ParseApiVersion) {
  EXPECT_EQ(ParseApiVersion("apps/v1"), (GroupVersion{"apps", "v1"}));
  EXPECT_EQ(ParseApiVersion("v1"), (GroupVersion{"", "v1"}));
  EXPECT_EQ(ParseApiVersion("a/b/c"), GroupVersion{});
  EXPECT_EQ(ParseApiVersion("/v1"), GroupVersion{});
  EXPECT_EQ(ParseApiVersion("apps/v1").ToString(), "apps/v1");
  EXPECT_EQ((GroupVersionKind{"", "v1", "Pod"}).ApiVersion(), "v1");
}

}  // namespace
}  // namespace tinyk8s::api
