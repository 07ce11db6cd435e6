#include "api/patch.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api {
namespace {

using testing::Canon;
using testing::J;
using testing::Q;

struct JsonPatchCase {
  const char* doc;
  const char* ops;
  const char* want;  // expected document, or "" if an error is expected
  StatusCode code = StatusCode::kOk;
};

TEST(JsonPatchTest, Operations) {
  const JsonPatchCase cases[] = {
      {"{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}"},
      {"{'a':1}", "[{'op':'add','path':'/a','value':3}]", "{'a':3}"},
      {"{'l':[1,3]}", "[{'op':'add','path':'/l/1','value':2}]", "{'l':[1,2,3]}"},
      {"{'l':[1]}", "[{'op':'add','path':'/l/-','value':2}]", "{'l':[1,2]}"},
      {"{'l':[1]}", "[{'op':'add','path':'/l/1','value':2}]", "{'l':[1,2]}"},
      {"{'l':[1]}", "[{'op':'add','path':'/l/0','value':0}]", "{'l':[0,1]}"},
      {"{}", "[{'op':'add','path':'','value':[1]}]", "[1]"},
      {"{'a/b':1,'m~n':2}",
       "[{'op':'remove','path':'/a~1b'},{'op':'replace','path':'/m~0n',"
       "'value':3}]",
       "{'m~n':3}"},
      {"{'a':{'b':1}}", "[{'op':'move','from':'/a/b','path':'/c'}]", "{'a':{},'c':1}"},
      {"{'a':{'b':[1]}}", "[{'op':'copy','from':'/a/b','path':'/a/c'}]", "{'a':{'b':[1],'c':[1]}}"},
      {"{'a':{'x':1,'y':[true]}}", "[{'op':'test','path':'/a','value':{'y':[true],'x':1}}]",
       "{'a':{'x':1,'y':[true]}}"},
      {"{'l':[1,2,3]}", "[{'op':'remove','path':'/l/1'}]", "{'l':[1,3]}"},
      {"{'l':[1,2,3]}", "[{'op':'move','from':'/l/0','path':'/l/-'}]", "{'l':[2,3,1]}"},
      // Failures that do not apply: 422 (kInvalid).
      {"{'a':1}", "[{'op':'test','path':'/a','value':2}]", "", StatusCode::kInvalid},
      {"{'a':1}", "[{'op':'remove','path':'/b'}]", "", StatusCode::kInvalid},
      {"{'a':1}", "[{'op':'replace','path':'/b','value':1}]", "", StatusCode::kInvalid},
      {"{'a':1}", "[{'op':'add','path':'/x/y','value':1}]", "", StatusCode::kInvalid},
      {"{'l':[1]}", "[{'op':'add','path':'/l/5','value':1}]", "", StatusCode::kInvalid},
      {"{'l':[1]}", "[{'op':'add','path':'/l/01','value':1}]", "", StatusCode::kInvalid},
      {"{'a':{'b':1}}", "[{'op':'move','from':'/a','path':'/a/b/c'}]", "", StatusCode::kInvalid},
      // Malformed patches: 400.
      {"{}", "{'op':'add'}", "", StatusCode::kBadRequest},
      {"{}", "[{'op':'frob','path':'/a'}]", "", StatusCode::kBadRequest},
      {"{}", "[{'path':'/a'}]", "", StatusCode::kBadRequest},
      {"{}", "[{'op':'add','path':'/a'}]", "", StatusCode::kBadRequest},
      {"{}", "[{'op':'add','path':'a','value':1}]", "", StatusCode::kBadRequest},
      {"{}", "[{'op':'add','path':'/~2','value':1}]", "", StatusCode::kBadRequest},
      {"{}", "[{'op':'move','path':'/a'}]", "", StatusCode::kBadRequest},
      {"{}", "[5]", "", StatusCode::kBadRequest},
  };
  for (const auto& c : cases) {
    auto doc = J(c.doc);
    Status s = ApplyJsonPatch(doc, J(c.ops));
    if (std::string(c.want).empty()) {
      EXPECT_EQ(s.code(), c.code) << c.doc << " " << c.ops << ": " << s.message();
    } else {
      ASSERT_TRUE(s.ok()) << c.doc << " " << c.ops << ": " << s.message();
      EXPECT_EQ(ToJsonSorted(doc), Canon(c.want)) << c.ops;
    }
  }
}

TEST(MergePatchTest, Rfc7386Examples) {
  struct Case {
    const char* target;
    const char* patch;
    const char* want;
  };
  const Case cases[] = {
      {"{'a':'b'}", "{'a':'c'}", "{'a':'c'}"},
      {"{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}"},
      {"{'a':'b'}", "{'a':null}", "{}"},
      {"{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}"},
      {"{'a':['b']}", "{'a':'c'}", "{'a':'c'}"},
      {"{'a':'c'}", "{'a':['b']}", "{'a':['b']}"},
      {"{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}"},
      {"{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}"},
      {"['a','b']", "['c','d']", "['c','d']"},
      {"{'a':'b'}", "['c']", "['c']"},
      {"{'a':'foo'}", "null", "null"},
      {"{'a':'foo'}", "'bar'", "'bar'"},
      {"{'e':null}", "{'a':1}", "{'e':null,'a':1}"},
      {"[1,2]", "{'a':'b','c':null}", "{'a':'b'}"},
      {"{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}"},
  };
  for (const Case& c : cases) {
    auto target = J(c.target);
    ApplyMergePatch(target, J(c.patch), target.GetAllocator());
    EXPECT_EQ(ToJsonSorted(target), Canon(c.want)) << c.target << " + " << c.patch;
  }
}

TEST(PatchFuzzTest, RandomPatchesNeverCrash) {
  std::mt19937 rng(3);
  const char* docs[] = {"{'a':{'b':[1,2,{'c':3}]},'d':'e'}", "[]", "{}", "5"};
  const char* paths[] = {"",       "/",      "/a",   "/a/b", "/a/b/0",
                         "/a/b/-", "/a/b/9", "/d/x", "/~1",  "/a/b/2/c"};
  const char* ops[] = {"add", "remove", "replace", "move", "copy", "test", "bogus"};
  for (int i = 0; i < 3000; ++i) {
    auto doc = J(docs[rng() % 4]);
    std::string op = std::string("[{'op':'") + ops[rng() % 7] + "','path':'" + paths[rng() % 10] +
                     "','from':'" + paths[rng() % 10] + "','value':{'z':[1]}}]";
    (void)ApplyJsonPatch(doc, J(op));
    (void)ToJson(doc);
    auto target = J(docs[rng() % 4]);
    ApplyMergePatch(target, J(docs[rng() % 4]), target.GetAllocator());
  }
}

}  // namespace
}  // namespace tinyk8s::api
