// Strategic merge patch driven by the schema table (DaemonSet and Pod): nested merge keys and
// every directive, as kubectl's client-side apply, set image and rollout undo send them.
#include <gtest/gtest.h>

#include "api/patch.h"
#include "api/schema/patch_meta.h"
#include "tests/unit/api/test_util.h"

namespace tinyk8s::api::schema {
namespace {

using testing::J;
using testing::Q;

std::string Apply(const char* type, const std::string& original, const std::string& patch) {
  auto doc = J(original);
  Status s = ApplyStrategicMergePatch(doc, J(patch), doc.GetAllocator(),
                                      SchemaPatchMeta(*BuiltinSchemas().Find(type)));
  if (!s.ok()) return "ERROR: " + s.message();
  return ToJson(doc);
}

struct Case {
  const char* name;
  const char* type;
  const char* original;
  const char* patch;
  const char* want;
};

TEST(SchemaStrategicMergeTest, Table) {
  const char* ds =
      "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','ports':[{"
      "'containerPort':80,'name':'http'}],'env':[{'name':'X','value':'1'}],'args':['-x']},"
      "{'name':'b','image':'b:1'}],'volumes':[{'name':'v','hostPath':{'path':'/p'}}],"
      "'tolerations':[{'operator':'Exists'}]}}}}";
  const std::vector<Case> cases = {
      {"containers merge by name", "apps.v1.DaemonSet", ds,
       "{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'b:2'}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','ports':[{"
       "'containerPort':80,'name':'http'}],'env':[{'name':'X','value':'1'}],'args':['-x']},"
       "{'name':'b','image':'b:2'}],'volumes':[{'name':'v','hostPath':{'path':'/p'}}],"
       "'tolerations':[{'operator':'Exists'}]}}}}"},
      {"nested: env by name, ports by containerPort, args atomic", "apps.v1.DaemonSet", ds,
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'Y','value':'2'}],"
       "'ports':[{'containerPort':80,'protocol':'TCP'}],'args':['-y']}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','ports':[{"
       "'containerPort':80,'name':'http','protocol':'TCP'}],'env':[{'name':'Y','value':'2'},"
       "{'name':'X','value':'1'}],'args':['-y']},{'name':'b','image':'b:1'}],'volumes':[{"
       "'name':'v','hostPath':{'path':'/p'}}],'tolerations':[{'operator':'Exists'}]}}}}"},
      {"tolerations are atomic", "apps.v1.DaemonSet", ds,
       "{'spec':{'template':{'spec':{'tolerations':[{'key':'k','operator':'Exists'}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','ports':[{"
       "'containerPort':80,'name':'http'}],'env':[{'name':'X','value':'1'}],'args':['-x']},"
       "{'name':'b','image':'b:1'}],'volumes':[{'name':'v','hostPath':{'path':'/p'}}],"
       "'tolerations':[{'key':'k','operator':'Exists'}]}}}}"},
      {"$patch delete of a list item", "apps.v1.DaemonSet", ds,
       "{'spec':{'template':{'spec':{'containers':[{'name':'b','$patch':'delete'}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','ports':[{"
       "'containerPort':80,'name':'http'}],'env':[{'name':'X','value':'1'}],'args':['-x']}],"
       "'volumes':[{'name':'v','hostPath':{'path':'/"
       "p'}}],'tolerations':[{'operator':'Exists'}]}}}}"},
      {"$patch replace of the template (rollout undo)", "apps.v1.DaemonSet", ds,
       "{'spec':{'template':{'$patch':'replace','spec':{'containers':[{'name':'c','image':'c'}]}}}"
       "}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'c'}]}}}}"},
      {"$setElementOrder reorders", "apps.v1.DaemonSet", ds,
       "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],"
       "'containers':[{'name':'a','image':'a:2'}]}}}}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'b:1'},{'name':'a',"
       "'image':'a:2','ports':[{'containerPort':80,'name':'http'}],'env':[{'name':'X','value':'1'}"
       "],'args':['-x']}],'volumes':[{'name':'v','hostPath':{'path':'/p'}}],'tolerations':[{"
       "'operator':'Exists'}]}}}}"},
      {"$retainKeys on a volume (merge,retainKeys)", "core.v1.Pod",
       "{'spec':{'volumes':[{'name':'v','hostPath':{'path':'/p'}}]}}",
       "{'spec':{'volumes':[{'name':'v','$retainKeys':['name','emptyDir'],'emptyDir':{}}]}}",
       "{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}"},
      {"finalizers merge as a set; $deleteFromPrimitiveList", "core.v1.Pod",
       "{'metadata':{'finalizers':['a','b']}}",
       "{'metadata':{'finalizers':['c'],'$deleteFromPrimitiveList/finalizers':['a']}}",
       // Upstream order: patch items first, then the server-only ones (mergeSortedSlice).
       "{'metadata':{'finalizers':['c','b']}}"},
      {"null deletes a field", "core.v1.Pod", "{'spec':{'nodeName':'n','hostNetwork':true}}",
       "{'spec':{'nodeName':null}}", "{'spec':{'hostNetwork':true}}"},
      {"item without merge key", "core.v1.Pod", "{'spec':{'containers':[{'name':'a'}]}}",
       "{'spec':{'containers':[{'image':'x'}]}}", "ERROR"},
  };
  for (const Case& c : cases) {
    std::string got = Apply(c.type, c.original, c.patch);
    std::string want = Q(c.want);
    if (want == "ERROR") {
      EXPECT_EQ(got.rfind("ERROR", 0), 0u) << c.name << ": " << got;
    } else {
      EXPECT_EQ(got, ToJson(J(c.want))) << c.name;
    }
  }
}

}  // namespace
}  // namespace tinyk8s::api::schema
