// Field sets, comparisons, apply merge and removal driven by the schema table (api/ssa/typed.h),
// checked against the FieldsV1 upstream writes for the same objects.
#include <gtest/gtest.h>

#include "api/ssa/typed.h"
#include "tests/unit/api/test_util.h"

namespace tinyk8s::api::ssa {
namespace {

using testing::Canon;
using testing::J;

const schema::Type* DaemonSet() { return schema::BuiltinSchemas().Find("apps.v1.DaemonSet"); }

std::string Fields(const std::string& obj) {
  return ToJsonSorted(J(ToFieldSet(DaemonSet(), J(obj)).ToJsonString()));
}

TEST(FieldSetTest, ToFieldSetTable) {
  struct Case {
    const char* name;
    const char* obj;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"granular maps and atomic selector",
       "{'metadata':{'labels':{'app':'a'}},'spec':{'selector':{'matchLabels':{'app':'a'}}}}",
       "{'f:metadata':{'f:labels':{'f:app':{}}},'f:spec':{'f:selector':{}}}"},
      {"associative list items are members, keyed by merge key",
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i'}]}}}}",
       "{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{},"
       "'f:image':{},'f:name':{}}}}}}}"},
      {"multi-key list with the protocol default",
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','ports':[{'containerPort':80}]}]}}}"
       "}",
       "{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{},"
       "'f:name':{},'f:ports':{'k:{\\'containerPort\\':80,\\'protocol\\':\\'TCP\\'}':{'.':{},"
       "'f:containerPort':{}}}}}}}}}"},
      {"atomic list and empty struct are leaves",
       "{'spec':{'template':{'spec':{'tolerations':[{'operator':'Exists'}],'containers':[{'name':"
       "'c','resources':{}}]}}}}",
       "{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{},"
       "'f:name':{},'f:resources':{}}},'f:tolerations':{}}}}}"},
      {"set list values", "{'metadata':{'finalizers':['a','b']}}",
       "{'f:metadata':{'f:finalizers':{'v:\\'a\\'':{},'v:\\'b\\'':{}}}}"},
      {"managedFields never counts", "{'metadata':{'managedFields':[{'manager':'x'}],'name':'n'}}",
       "{'f:metadata':{'f:name':{}}}"},
      {"unknown fields are deduced: maps granular, lists atomic",
       "{'spec':{'x':{'y':1,'z':[1,2]}}}", "{'f:spec':{'f:x':{'f:y':{},'f:z':{}}}}"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Fields(c.obj), Canon(c.want)) << c.name;
  }
}

TEST(FieldSetTest, SetOperationsAndPaths) {
  FieldSet a;
  a.Insert({"f:spec", "f:a"});
  a.Insert({"f:spec", "f:b", "f:c"});
  FieldSet b;
  b.Insert({"f:spec", "f:b"});
  FieldSet diff = a;
  diff.Subtract(b);
  EXPECT_EQ(diff.MemberCount(), 2u);  // b is not a member of a: nothing removed
  diff.SubtractRecursive(b);
  EXPECT_EQ(diff.ToJsonString(), R"({"f:spec":{"f:a":{}}})");
  EXPECT_TRUE(a.Intersection(b).Empty());
  EXPECT_EQ(PathString({"f:spec", "f:containers", "k:{\"name\":\"x\"}", "f:image"}),
            ".spec.containers[name=\"x\"].image");
  EXPECT_EQ(PathString({"f:ports", "k:{\"containerPort\":80,\"protocol\":\"TCP\"}"}),
            ".ports[containerPort=80,protocol=\"TCP\"]");
  EXPECT_EQ(PathString({"f:finalizers", "v:\"a\""}), ".finalizers[=\"a\"]");
  auto parsed = FieldSet::FromJson(J("{'f:a':{'.':{},'f:b':{}},'f:c':{}}"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->Has({"f:a"}));
  EXPECT_TRUE(parsed->Has({"f:a", "f:b"}));
  EXPECT_FALSE(FieldSet::FromJson(J("{'x:a':{}}")).ok());
  EXPECT_FALSE(FieldSet::FromJson(J("{'f:a':1}")).ok());
}

TEST(CompareTest, Table) {
  struct Case {
    const char* name;
    const char* old;
    const char* now;
    const char* added;
    const char* modified;
    const char* removed;
  };
  const char* base =
      "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:1','resources':{"
      "'requests':{'cpu':'150m'}}}]}}}}";
  const std::vector<Case> cases = {
      {"image change is a modified leaf", base,
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2','resources':{"
       "'requests':{'cpu':'150m'}}}]}}}}",
       "{}",
       "{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{"
       "'f:image':{}}}}}}}",
       "{}"},
      {"quantities compare by value", base,
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:1','resources':{"
       "'requests':{'cpu':0.15}}}]}}}}",
       "{}", "{}", "{}"},
      {"a new map records itself", "{'metadata':{'name':'n'}}",
       "{'metadata':{'name':'n','labels':{'a':'1'}}}",
       "{'f:metadata':{'f:labels':{'.':{},'f:a':{}}}}", "{}", "{}"},
      {"a removed item goes with its subtree; the emptied struct is a leaf", base,
       "{'spec':{'template':{'spec':{}}}}", "{'f:spec':{'f:template':{'f:spec':{}}}}", "{}",
       "{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{},"
       "'f:image':{},'f:name':{},'f:resources':{'f:requests':{'f:cpu':{}}}}}}}}}"},
  };
  for (const auto& c : cases) {
    auto old = J(c.old);
    Comparison cmp = Compare(DaemonSet(), &old, J(c.now));
    EXPECT_EQ(ToJsonSorted(J(cmp.added.ToJsonString())), Canon(c.added)) << c.name;
    EXPECT_EQ(ToJsonSorted(J(cmp.modified.ToJsonString())), Canon(c.modified)) << c.name;
    EXPECT_EQ(ToJsonSorted(J(cmp.removed.ToJsonString())), Canon(c.removed)) << c.name;
  }
}

TEST(MergeTest, Table) {
  struct Case {
    const char* name;
    const char* live;
    const char* config;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"items merge by key, new ones appended",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','args':['x']}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'b:1'},{'name':'a',"
       "'image':'a:2'}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:2','args':['x']},{"
       "'name':'b','image':'b:1'}]}}}}"},
      {"atomic lists are replaced, null removes",
       "{'spec':{'template':{'spec':{'tolerations':[{'key':'a'}],'nodeName':'n'}}}}",
       "{'spec':{'template':{'spec':{'tolerations':[{'key':'b'}],'nodeName':null}}}}",
       "{'spec':{'template':{'spec':{'tolerations':[{'key':'b'}]}}}}"},
      {"equal quantities keep the live spelling",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','resources':{'requests':{'cpu':"
       "'150m'}}}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','resources':{'requests':{'cpu':"
       "0.15}}}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','resources':{'requests':{'cpu':"
       "'150m'}}}]}}}}"},
      {"set lists union", "{'metadata':{'finalizers':['a']}}",
       "{'metadata':{'finalizers':['b','a']}}", "{'metadata':{'finalizers':['a','b']}}"},
  };
  for (const auto& c : cases) {
    auto live = J(c.live);
    Merge(DaemonSet(), live, J(c.config), live.GetAllocator());
    EXPECT_EQ(ToJson(live), ToJson(J(c.want))) << c.name;
  }
}

TEST(RemoveItemsTest, RemovesFieldsItemsAndEmptiedMaps) {
  auto obj =
      J("{'metadata':{'labels':{'a':'1'},'finalizers':['x','y']},'spec':{'template':{'spec':{"
        "'containers':[{'name':'a','image':'i'},{'name':'b','image':'j'}]}}}}");
  FieldSet drop;
  drop.Insert({"f:metadata", "f:labels", "f:a"});
  drop.Insert({"f:metadata", "f:finalizers", "v:\"x\""});
  drop.Insert({"f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"a\"}"});
  drop.Insert({"f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"b\"}", "f:image"});
  RemoveItems(DaemonSet(), obj, drop);
  EXPECT_EQ(ToJson(obj), ToJson(J("{'metadata':{'finalizers':['y']},'spec':{'template':{'spec':{"
                                  "'containers':[{'name':'b'}]}}}}")));
}

TEST(UndeclaredFieldsTest, Table) {
  struct Case {
    const char* name;
    const char* obj;
    const char* want;  // UndeclaredFieldsMessage, "" when all fields are declared
  };
  const std::vector<Case> cases = {
      {"declared fields, maps, raw values",
       "{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'n','labels':{'x':'1'}},"
       "'spec':{'template':{'spec':{'containers':[{'name':'c','resources':{'limits':{'cpu':1}}}],"
       "'nodeSelector':{'a':'b'}}}}}",
       ""},
      {"top level", "{'spec':{},'foo':1}", ".foo: field not declared in schema"},
      {"associative list item by key",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a'},{'name':'b','foo':{'x':1}}]}}}}",
       ".spec.template.spec.containers[name=\"b\"].foo: field not declared in schema"},
      {"multi-key list item",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,"
       "'bar':1}]}]}}}}",
       ".spec.template.spec.containers[name=\"a\"].ports[containerPort=80,protocol=\"TCP\"]"
       ".bar: field not declared in schema"},
      {"atomic list items by index and atomic structs",
       "{'spec':{'selector':{'matchLabels':{},'x':1},'template':{'spec':{'tolerations':[{},"
       "{'key':'k','y':2}]}}}}",
       "errors:\n  .spec.selector.x: field not declared in schema\n"
       "  .spec.template.spec.tolerations[1].y: field not declared in schema"},
      {"only the first per object", "{'spec':{'a':1,'b':2},'c':3}",
       "errors:\n  .spec.a: field not declared in schema\n  .c: field not declared in schema"},
      {"values of the wrong type are not this check's business",
       "{'spec':{'template':[1],'selector':'x'},'metadata':{'labels':[]}}", ""},
  };
  for (const auto& c : cases) {
    auto paths = UndeclaredFields(*DaemonSet(), J(c.obj));
    EXPECT_EQ(paths.empty() ? "" : UndeclaredFieldsMessage(paths), c.want) << c.name;
  }
}

// Values of the wrong type, in structured-merge-diff's words, with undeclared fields in
// document order.
TEST(TypeErrorsTest, Table) {
  struct Case {
    const char* obj;
    const char* want;  // TypeErrorsMessage, "" when the object types
  };
  const std::vector<Case> cases = {
      {"{'spec':{'minReadySeconds':'5'}}",
       ".spec.minReadySeconds: expected numeric (int or float), got string"},
      {"{'spec':{'minReadySeconds':{'a':1}}}",
       ".spec.minReadySeconds: expected numeric (int or float), got map[string]interface {}"},
      {"{'metadata':{'name':5}}",
       ".metadata.name: expected string, got &value.valueUnstructured{Value:5}"},
      {"{'metadata':{'labels':{'a':true}}}",
       ".metadata.labels.a: expected string, got &value.valueUnstructured{Value:true}"},
      {"{'metadata':{'labels':'x'}}", ".metadata.labels: expected map, got &{x}"},
      {"{'spec':{'template':{'spec':{'containers':{'name':'c'}}}}}",
       ".spec.template.spec.containers: expected list, got &{map[name:c]}"},
      {"{'spec':{'template':{'spec':{'hostNetwork':'yes','containers':[{'name':'c',"
       "'args':['a',1]}]}}}}",
       "errors:\n  .spec.template.spec.hostNetwork: expected boolean, got &{yes}\n"
       "  .spec.template.spec.containers[name=\"c\"].args[1]: expected string, got "
       "&value.valueUnstructured{Value:1}"},
      {"{'spec':{'template':{'spec':{'containers':[{'name':'c','resources':{'limits':"
       "{'cpu':[1]}}}]}}},'foo':1}",
       "errors:\n  .spec.template.spec.containers[name=\"c\"].resources.limits.cpu: expected any "
       "scalar, got &{[1]}\n  .foo: field not declared in schema"},
      {"{'spec':{'minReadySeconds':null,'template':{'metadata':{'labels':{'a':'b'}}}}}", ""},
  };
  for (const auto& c : cases) {
    auto errors = TypeErrors(*DaemonSet(), J(c.obj));
    EXPECT_EQ(errors.empty() ? "" : TypeErrorsMessage(errors), c.want) << c.obj;
  }
}

// A map of string lists (user extra): each value a list of strings, atomic for apply.
TEST(TypeErrorsTest, MapOfLists) {
  const schema::Type* review = schema::BuiltinSchemas().Find("authentication.v1.TokenReview");
  ASSERT_NE(review, nullptr);
  EXPECT_TRUE(TypeErrors(*review, J("{'status':{'user':{'extra':{'a':['x']}}}}")).empty());
  EXPECT_EQ(TypeErrorsMessage(TypeErrors(*review, J("{'status':{'user':{'extra':{'a':'x'}}}}"))),
            ".status.user.extra.a: expected list, got &{x}");
  EXPECT_EQ(
      TypeErrorsMessage(TypeErrors(*review, J("{'status':{'user':{'extra':{'a':['x',2]}}}}"))),
      ".status.user.extra.a: expected string, got &value.valueUnstructured{Value:2}");
  EXPECT_EQ(
      ToJsonSorted(
          J(ToFieldSet(review, J("{'status':{'user':{'extra':{'a':['x','y']}}}}")).ToJsonString())),
      ToJsonSorted(J("{'f:status':{'f:user':{'f:extra':{'f:a':{}}}}}")));
}

}  // namespace
}  // namespace tinyk8s::api::ssa
