#include <gtest/gtest.h>

#include <random>

#include "api/patch.h"
#include "tests/unit/api/test_util.h"

namespace tinyk8s::api {
namespace {

using testing::J;
using testing::Q;

std::string Apply(const std::string& original, const std::string& patch,
                  const PatchMetaLookup& meta = DefaultPatchMeta()) {
  auto doc = J(original);
  Status s = ApplyStrategicMergePatch(doc, J(patch), doc.GetAllocator(), meta);
  if (!s.ok()) return "ERROR: " + s.message();
  return ToJson(doc);
}

struct Case {
  const char* name;
  const char* original;
  const char* patch;
  const char* want;  // compact JSON in member order, or "ERROR: <prefix>"
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    std::string got = Apply(c.original, c.patch);
    std::string want = Q(c.want);
    if (want.rfind("ERROR", 0) == 0) {
      EXPECT_EQ(got.rfind(want, 0), 0u) << c.name << ": " << got;
    } else {
      EXPECT_EQ(got, want) << c.name;
    }
  }
}

TEST(StrategicMergePatchTest, MapsAndScalars) {
  RunCases({
      {"merge", "{'a':1,'m':{'x':1}}", "{'b':2,'m':{'y':2}}", "{'a':1,'m':{'x':1,'y':2},'b':2}"},
      {"null deletes", "{'a':1,'b':2}", "{'a':null}", "{'b':2}"},
      {"null for missing key is dropped", "{'a':1}", "{'z':null}", "{'a':1}"},
      {"nested nulls in new value dropped", "{}", "{'m':{'x':null,'y':1}}", "{'m':{'y':1}}"},
      {"type change replaces", "{'a':{'x':1}}", "{'a':[1]}", "{'a':[1]}"},
      {"$patch replace map", "{'m':{'x':1,'y':2}}", "{'m':{'$patch':'replace','z':3}}",
       "{'m':{'z':3}}"},
      {"$patch delete map", "{'m':{'x':1},'k':1}", "{'m':{'$patch':'delete'}}", "{'m':{},'k':1}"},
      // Upstream accepts only replace and delete in a map; merge is the implicit default.
      {"$patch merge map refused", "{'m':{'x':1}}", "{'m':{'$patch':'merge','y':2}}",
       "ERROR: unknown patch type: \"merge\" in map"},
      {"$patch bad", "{'m':{}}", "{'m':{'$patch':'frob'}}", "ERROR: unknown patch type"},
      {"$retainKeys", "{'s':{'type':'A','a':{'x':1},'keep':1}}",
       "{'s':{'$retainKeys':['type','b'],'type':'B','b':{'y':2}}}",
       "{'s':{'type':'B','b':{'y':2}}}"},
      {"$retainKeys must list patched keys", "{'s':{}}", "{'s':{'$retainKeys':['a'],'b':1}}",
       "ERROR: invalid patch format of retainKeys"},
      {"atomic list replaced", "{'spec':{'tolerations':[{'key':'a'}],'containers':[]}}",
       "{'spec':{'tolerations':[{'key':'b'}]}}",
       "{'spec':{'tolerations':[{'key':'b'}],'containers':[]}}"},
  });
}

TEST(StrategicMergePatchTest, ListsByMergeKey) {
  RunCases({
      {"merge by name",
       "{'spec':{'containers':[{'name':'a','image':'1'},{'name':'b','image':'1'}]}}",
       "{'spec':{'containers':[{'name':'b','image':'2'}]}}",
       "{'spec':{'containers':[{'name':'a','image':'1'},{'name':'b','image':'2'}]}}"},
      {"new item placed by upstream's ordering", "{'spec':{'containers':[{'name':'a'}]}}",
       "{'spec':{'containers':[{'name':'c'}]}}",
       "{'spec':{'containers':[{'name':'c'},{'name':'a'}]}}"},
      {"patch order wins for patched items",
       "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
       "{'spec':{'containers':[{'name':'c'},{'name':'a'}]}}",
       "{'spec':{'containers':[{'name':'b'},{'name':'c'},{'name':'a'}]}}"},
      {"$patch delete item", "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
       "{'spec':{'containers':[{'name':'a','$patch':'delete'}]}}",
       "{'spec':{'containers':[{'name':'b'}]}}"},
      {"$patch delete needs merge key", "{'spec':{'containers':[{'name':'a'}]}}",
       "{'spec':{'containers':[{'$patch':'delete'}]}}",
       "ERROR: map: {\"$patch\":\"delete\"} does not contain declared merge key: name"},
      {"$patch replace list", "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
       "{'spec':{'containers':[{'name':'x','env':[{'name':'E','value':null}]},{'$patch':'replace'}]"
       "}}",
       "{'spec':{'containers':[{'name':'x','env':[{'name':'E'}]}]}}"},
      {"$patch merge in list rejected", "{'spec':{'containers':[]}}",
       "{'spec':{'containers':[{'$patch':'merge'}]}}",
       "ERROR: merging lists cannot yet be specified"},
      {"missing merge key", "{'spec':{'containers':[{'name':'a'}]}}",
       "{'spec':{'containers':[{'image':'x'}]}}", "ERROR: map: {\"image\":\"x\"} does not contain"},
      {"nested merge keys",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':"
       "[{'name':'X','value':'1'},{'name':'Y','value':'1'}],'ports':[{'containerPort':80,'name':'h'"
       "}]}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'Y','value':'2'},"
       "{'name':'X','$patch':'delete'}],'ports':[{'containerPort':80,'protocol':'TCP'}]}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'Y','value':'2'}],"
       "'ports':[{'containerPort':80,'name':'h','protocol':'TCP'}]}]}}}}"},
      {"service ports by port", "{'spec':{'ports':[{'port':80,'name':'a'},{'port':443}]}}",
       "{'spec':{'ports':[{'port':80,'targetPort':8080}]}}",
       "{'spec':{'ports':[{'port':80,'name':'a','targetPort':8080},{'port':443}]}}"},
      {"conditions by type",
       "{'status':{'conditions':[{'type':'Ready','status':'False'},"
       "{'type':'X','status':'True'}]}}",
       "{'status':{'conditions':[{'type':'Ready','status':'True'}]}}",
       "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'X','status':'True'}]}}"},
      {"volumes retainKeys", "{'spec':{'volumes':[{'name':'v','hostPath':{'path':'/x'}}]}}",
       "{'spec':{'volumes':[{'name':'v','$retainKeys':['name','emptyDir'],'emptyDir':{}}]}}",
       "{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}"},
      {"list item null field", "{'spec':{'containers':[{'name':'a','image':'i','args':['x']}]}}",
       "{'spec':{'containers':[{'name':'a','args':null}]}}",
       "{'spec':{'containers':[{'name':'a','image':'i'}]}}"},
      {"lists of lists rejected", "{'spec':{'containers':[[1]]}}", "{'spec':{'containers':[[2]]}}",
       "ERROR: lists of lists"},
  });
}

TEST(StrategicMergePatchTest, PrimitiveListsAndDirectives) {
  RunCases({
      {"finalizers union", "{'metadata':{'finalizers':['a','b']}}",
       "{'metadata':{'finalizers':['c','a']}}", "{'metadata':{'finalizers':['c','a','b']}}"},
      {"$deleteFromPrimitiveList", "{'metadata':{'finalizers':['a','b','c']}}",
       "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','zz']}}",
       "{'metadata':{'finalizers':['a','c']}}"},
      {"$deleteFromPrimitiveList on missing list", "{'metadata':{}}",
       "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}}", "{'metadata':{}}"},
      {"$deleteFromPrimitiveList bad", "{'metadata':{}}",
       "{'metadata':{'$deleteFromPrimitiveList/finalizers':'b'}}", "ERROR: invalid patch format"},
      {"atomic args", "{'spec':{'containers':[{'name':'a','args':['1','2']}]}}",
       "{'spec':{'containers':[{'name':'a','args':['3']}]}}",
       "{'spec':{'containers':[{'name':'a','args':['3']}]}}"},
      {"$setElementOrder maps", "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
       "{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'b'},{'name':'a'}],"
       "'containers':[{'name':'b','image':'x'}]}}",
       "{'spec':{'containers':[{'name':'c'},{'name':'b','image':'x'},{'name':'a'}]}}"},
      {"$setElementOrder adds", "{'spec':{'containers':[{'name':'a'}]}}",
       "{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'n'}],"
       "'containers':[{'name':'n'}]}}",
       "{'spec':{'containers':[{'name':'a'},{'name':'n'}]}}"},
      {"$setElementOrder primitives", "{'metadata':{'finalizers':['a','b']}}",
       "{'metadata':{'$setElementOrder/finalizers':['b','a']}}",
       "{'metadata':{'finalizers':['b','a']}}"},
      {"$setElementOrder with deletion", "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
       "{'spec':{'$setElementOrder/containers':[{'name':'b'}],"
       "'containers':[{'name':'a','$patch':'delete'}]}}",
       "{'spec':{'containers':[{'name':'b'}]}}"},
  });
}

TEST(StrategicMergePatchTest, CustomMetaAndNoMeta) {
  PatchMetaLookup meta = [](const std::vector<std::string>& path) -> std::optional<PatchMeta> {
    if (path == std::vector<std::string>{"items"}) return PatchMeta{"id", PatchMeta::kMerge, false};
    if (path == std::vector<std::string>{"opaque"})
      return PatchMeta{"", PatchMeta::kReplace, false};
    return std::nullopt;
  };
  EXPECT_EQ(Apply("{'items':[{'id':1,'v':1}]}", "{'items':[{'id':1,'w':2}]}", meta),
            Q("{'items':[{'id':1,'v':1,'w':2}]}"));
  EXPECT_EQ(Apply("{'opaque':{'a':1}}", "{'opaque':{'b':2}}", meta), Q("{'opaque':{'b':2}}"));
  EXPECT_EQ(Apply("{'other':[1,2]}", "{'other':[3]}", meta), Q("{'other':[3]}"));
  EXPECT_EQ(Apply("{'items':[1]}", "{'items':[{'id':2}]}", meta).rfind("ERROR", 0),
            std::string::npos)
      << "mixed lists must not crash";
  EXPECT_EQ(Apply("{'a':1}", "[1]"), "ERROR: strategic merge patch must be a JSON object");
}

TEST(DefaultPatchMetaTest, KnownFields) {
  PatchMetaLookup meta = DefaultPatchMeta();
  auto key = [&](std::vector<std::string> path) {
    auto m = meta(path);
    return m ? m->merge_key + (m->strategy == PatchMeta::kMergeRetainKeys ? "+retain" : "") : "-";
  };
  EXPECT_EQ(key({"spec", "containers"}), "name");
  EXPECT_EQ(key({"spec", "template", "spec", "initContainers"}), "name");
  EXPECT_EQ(key({"spec", "template", "spec", "containers", "ports"}), "containerPort");
  EXPECT_EQ(key({"spec", "containers", "volumeMounts"}), "mountPath");
  EXPECT_EQ(key({"spec", "volumes"}), "name+retain");
  EXPECT_EQ(key({"spec", "ports"}), "port");
  EXPECT_EQ(key({"status", "conditions"}), "type");
  EXPECT_EQ(key({"metadata", "ownerReferences"}), "uid");
  EXPECT_EQ(key({"spec", "tolerations"}), "-");
  EXPECT_EQ(key({"spec", "taints"}), "-");
  ASSERT_TRUE(meta({"metadata", "finalizers"}).has_value());
  EXPECT_TRUE(meta({"metadata", "finalizers"})->primitive_list_merge);
}

TEST(StrategicMergePatchTest, RandomPatchesNeverCrash) {
  std::mt19937 rng(11);
  const char* originals[] = {
      "{'spec':{'containers':[{'name':'a','env':[{'name':'x'}]}],'volumes':[]},'metadata':"
      "{'finalizers':['f']}}",
      "{}", "{'spec':{'containers':{}}}", "{'spec':{'containers':[1,'a',null]}}"};
  const char* fragments[] = {"{'name':'a'}",
                             "{'name':'b','$patch':'delete'}",
                             "{'$patch':'replace'}",
                             "{'$patch':1}",
                             "{'$patch':'merge'}",
                             "[]",
                             "null",
                             "1",
                             "{'image':'x'}",
                             "[[1]]",
                             "{'$retainKeys':5}",
                             "{'$retainKeys':['name'],'name':'q'}",
                             "{'$setElementOrder/env':[{'name':'x'}]}"};
  for (int i = 0; i < 3000; ++i) {
    std::string patch =
        std::string("{'spec':{'containers':[") + fragments[rng() % 13] + "," +
        fragments[rng() % 13] + "],'$setElementOrder/containers':[" + fragments[rng() % 13] +
        "]},'metadata':{'$deleteFromPrimitiveList/finalizers':" + fragments[rng() % 13] + "," +
        "'finalizers':" + fragments[rng() % 13] + "}}";
    (void)Apply(originals[rng() % 4], patch);
  }
}

}  // namespace
}  // namespace tinyk8s::api
