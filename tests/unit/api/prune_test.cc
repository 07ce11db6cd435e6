// Pruning and strict field checks against the schema table (upstream's strict decoder wording).
#include "api/schema/prune.h"

#include <gtest/gtest.h>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api::schema {
namespace {

using testing::J;
using testing::Q;

struct Case {
  const char* name;
  const char* kind;  // table type name
  const char* body;
  const char* want;      // pruned body, or "ERROR: <prefix>"
  const char* problems;  // joined with "; "
};

TEST(PruneTest, Table) {
  const std::vector<Case> cases = {
      {"known fields kept", "apps.v1.DaemonSet",
       "{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'x','labels':{'a':'b'}},"
       "'spec':{'selector':{'matchLabels':{'a':'b'}},'template':{'spec':{'containers':[{'name':'c',"
       "'image':'i','resources':{'limits':{'cpu':'1','memory':2}},'ports':[{'containerPort':80}]}],"
       "'volumes':[{'name':'v','hostPath':{'path':'/'}}]}},"
       "'updateStrategy':{'rollingUpdate':{'maxUnavailable':'10%','maxSurge':0}}}}",
       "", ""},
      {"unknown fields pruned with paths", "apps.v1.DaemonSet",
       "{'spec':{'foo':1,'template':{'spec':{'containers':[{'name':'a'},{'name':'b','bar':{}}]}}},"
       "'top':true}",
       "{'spec':{'template':{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}}}",
       "unknown field \"spec.foo\"; unknown field \"spec.template.spec.containers[1].bar\"; "
       "unknown field \"top\""},
      {"duplicates: last wins", "core.v1.Namespace",
       "{'metadata':{'name':'a','name':'b'},'spec':{}}", "{'metadata':{'name':'b'},'spec':{}}",
       "duplicate field \"metadata.name\""},
      {"duplicates and unknowns in one object, in document order", "apps.v1.DaemonSet",
       "{'metadata':{'name':'dupe','name':'a','unknownMeta':1},'spec':{'minReadySeconds':1,"
       "'minReadySeconds':2,'unknown1':'x','template':{'spec':{'containers':[{'name':'c',"
       "'image':'i','unknownNested':true}]}}}}",
       "{'metadata':{'name':'a'},'spec':{'minReadySeconds':2,'template':{'spec':{'containers':[{"
       "'name':'c','image':'i'}]}}}}",
       "duplicate field \"metadata.name\"; unknown field \"metadata.unknownMeta\"; duplicate field "
       "\"spec.minReadySeconds\"; unknown field \"spec.unknown1\"; unknown field "
       "\"spec.template.spec.containers[0].unknownNested\""},
      {"upstream order: an unknown name once, a duplicate where it repeats", "apps.v1.DaemonSet",
       "{'spec':{'unknown1':'x','minReadySeconds':1,'unknownDupe':1,'minReadySeconds':2,"
       "'unknownDupe':2,'revisionHistoryLimit':3}}",
       "{'spec':{'minReadySeconds':2,'revisionHistoryLimit':3}}",
       "unknown field \"spec.unknown1\"; unknown field \"spec.unknownDupe\"; duplicate field "
       "\"spec.minReadySeconds\""},
      {"a repeated null clears the field", "apps.v1.DaemonSet",
       "{'spec':{'minReadySeconds':1,'revisionHistoryLimit':3,'minReadySeconds':null}}",
       "{'spec':{'revisionHistoryLimit':3}}", "duplicate field \"spec.minReadySeconds\""},
      {"nulls dropped", "core.v1.Namespace",
       "{'metadata':{'name':'a','creationTimestamp':null,'labels':null},'status':null}",
       "{'metadata':{'name':'a'}}", ""},
      {"inline volume source", "core.v1.Pod",
       "{'spec':{'volumes':[{'name':'v','emptyDir':{},'nfs2':{}}]}}",
       "{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}",
       "unknown field \"spec.volumes[0].nfs2\""},
      {"raw extension is opaque", "apps.v1.ControllerRevision",
       "{'data':{'anything':[1,{'x':null}]},'revision':1}", "", ""},
      {"string for int", "apps.v1.DaemonSet", "{'spec':{'minReadySeconds':'5'}}",
       "ERROR: json: cannot unmarshal string into Go struct field "
       "DaemonSetSpec.spec.minReadySeconds "
       "of type int32",
       ""},
      {"int32 overflow", "apps.v1.DaemonSet", "{'spec':{'minReadySeconds':9999999999}}",
       "ERROR: json: cannot unmarshal number 9999999999 into Go struct field", ""},
      {"object for string", "core.v1.Pod", "{'spec':{'nodeName':{}}}",
       "ERROR: json: cannot unmarshal object into Go struct field PodSpec.spec.nodeName of type "
       "string",
       ""},
      {"list for map", "core.v1.Pod", "{'metadata':{'labels':[]}}",
       "ERROR: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of "
       "type "
       "map[string]string",
       ""},
      {"bad quantity", "core.v1.Pod",
       "{'spec':{'containers':[{'name':'c','resources':{'requests':{'cpu':'lots'}}}]}}",
       "ERROR: quantities must match", ""},
      {"bad time", "core.v1.Pod", "{'metadata':{'creationTimestamp':'yesterday'}}",
       "ERROR: parsing time", ""},
      {"float for intstr: intstr decodes it as an int32 on its own", "apps.v1.DaemonSet",
       "{'spec':{'updateStrategy':{'rollingUpdate':{'maxUnavailable':1.5}}}}",
       "ERROR: json: cannot unmarshal number 1.5 into Go value of type int32", ""},
      {"bool for intstr", "apps.v1.DaemonSet",
       "{'spec':{'updateStrategy':{'rollingUpdate':{'maxSurge':true}}}}",
       "ERROR: json: cannot unmarshal bool into Go value of type int32", ""},
      {"number for time: metav1.Time decodes a string on its own", "core.v1.Pod",
       "{'metadata':{'creationTimestamp':5}}",
       "ERROR: json: cannot unmarshal number into Go value of type string", ""},
      {"object for quantity: resource.Quantity parses the JSON text", "core.v1.Pod",
       "{'spec':{'containers':[{'name':'c','resources':{'limits':{'cpu':{}}}}]}}",
       "ERROR: quantities must match the regular expression", ""},
      // Go's decoder names a number's value only when it went into a number; its field path
      // is the struct fields alone (no list indexes, no map keys), its type the item's type.
      {"string for list", "core.v1.Pod", "{'spec':{'dnsConfig':{'nameservers':'1.2.3.4'}}}",
       "ERROR: json: cannot unmarshal string into Go struct field "
       "PodDNSConfig.spec.dnsConfig.nameservers of type []string",
       ""},
      {"number for a string in a list of objects", "core.v1.Pod",
       "{'spec':{'dnsConfig':{'options':[{'name':'ndots','value':'2'},{'name':1}]}}}",
       "ERROR: json: cannot unmarshal number into Go struct field "
       "PodDNSConfigOption.spec.dnsConfig.options.name of type string",
       ""},
      {"number item in a list of strings", "core.v1.Pod",
       "{'spec':{'dnsConfig':{'searches':['a',2]}}}",
       "ERROR: json: cannot unmarshal number into Go struct field "
       "PodDNSConfig.spec.dnsConfig.searches of type string",
       ""},
      {"string item in a list of objects", "apps.v1.DaemonSet",
       "{'spec':{'template':{'spec':{'containers':['c']}}}}",
       "ERROR: json: cannot unmarshal string into Go struct field "
       "PodSpec.spec.template.spec.containers of type v1.Container",
       ""},
      {"wrong type deep in a DaemonSet's pod template", "apps.v1.DaemonSet",
       "{'spec':{'template':{'spec':{'dnsConfig':{'options':[{'name':'x','value':3}]}}}}}",
       "ERROR: json: cannot unmarshal number into Go struct field "
       "PodDNSConfigOption.spec.template.spec.dnsConfig.options.value of type string",
       ""},
      {"number item in a map of strings", "core.v1.Pod", "{'metadata':{'labels':{'a':1}}}",
       "ERROR: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of "
       "type string",
       ""},
      {"fraction for an int32 item of a list", "core.v1.Pod",
       "{'spec':{'securityContext':{'supplementalGroups':[1.5]}}}",
       "ERROR: json: cannot unmarshal number 1.5 into Go struct field "
       "PodSecurityContext.spec.securityContext.supplementalGroups of type int64",
       ""},
      // A map of string lists (user extra, upstream's map[string]ExtraValue).
      {"map of lists kept", "authentication.v1.TokenReview",
       "{'status':{'user':{'username':'u','extra':{'a':['x','y'],'b':[]}}}}", "", ""},
      {"string for a list in a map of lists", "authentication.v1.TokenReview",
       "{'status':{'user':{'extra':{'a':'x'}}}}",
       "ERROR: json: cannot unmarshal string into Go struct field "
       "UserInfo.status.user.extra of type map[string][]string",
       ""},
      {"number item in a map of lists", "authentication.v1.TokenReview",
       "{'status':{'user':{'extra':{'a':['x',1]}}}}",
       "ERROR: json: cannot unmarshal number into Go struct field "
       "UserInfo.status.user.extra of type string",
       ""},
      {"bool for an int", "apps.v1.DaemonSet", "{'spec':{'minReadySeconds':true}}",
       "ERROR: json: cannot unmarshal bool into Go struct field DaemonSetSpec.spec.minReadySeconds "
       "of type int32",
       ""},
  };
  for (const Case& c : cases) {
    auto doc = J(c.body);
    std::vector<std::string> problems;
    Status s = PruneObject(doc, *BuiltinSchemas().Find(c.kind), doc.GetAllocator(), &problems);
    std::string want = Q(c.want);
    if (want.rfind("ERROR: ", 0) == 0) {
      ASSERT_FALSE(s.ok()) << c.name;
      EXPECT_EQ(s.code(), StatusCode::kBadRequest) << c.name;
      EXPECT_EQ(s.message().rfind(want.substr(7), 0), 0u) << c.name << ": " << s.message();
      continue;
    }
    ASSERT_TRUE(s.ok()) << c.name << ": " << s.message();
    EXPECT_EQ(ToJson(doc), ToJson(J(want.empty() ? c.body : c.want))) << c.name;
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    EXPECT_EQ(joined, c.problems) << c.name;
  }
}

// The result of a strategic merge patch is decoded by upstream's unstructured converter, whose
// words differ from the JSON decoder's, and whose unknown fields come sorted.
TEST(PruneTest, UnstructuredConverterWording) {
  struct ConverterCase {
    const char* kind;
    const char* body;
    const char* want;  // the error, or the joined problems when it decodes
  };
  const std::vector<ConverterCase> cases = {
      {"core.v1.ConfigMap", "{'data':{'a':1}}", "cannot convert int64 to string"},
      {"core.v1.ConfigMap", "{'data':{'a':true}}", "unrecognized type: string"},
      {"core.v1.ConfigMap", "{'data':'x'}", "cannot restore map from string"},
      {"apps.v1.DaemonSet", "{'spec':{'minReadySeconds':'1'}}", "unrecognized type: int32"},
      {"apps.v1.DaemonSet", "{'spec':{'minReadySeconds':1.5}}", "cannot convert float64 to int32"},
      {"apps.v1.DaemonSet", "{'spec':{'template':[]}}", "cannot restore struct from: slice"},
      {"apps.v1.DaemonSet", "{'spec':{'minReadySeconds':2.0,'revisionHistoryLimit':1e1}}", ""},
      {"apps.v1.DaemonSet", "{'spec':{'template':{'spec':{'containers':{}}}}}",
       "cannot restore slice from map"},
      {"apps.v1.DaemonSet", "{'spec':{'zz':1,'template':{'spec':{'b':1}},'aa':2}}",
       "unknown field \"spec.aa\"; unknown field \"spec.template.spec.b\"; unknown field "
       "\"spec.zz\""},
  };
  for (const ConverterCase& c : cases) {
    auto doc = J(c.body);
    std::vector<std::string> problems;
    Status s = PruneObject(doc, *BuiltinSchemas().Find(c.kind), doc.GetAllocator(), &problems,
                           Decoder::kUnstructured);
    std::string joined = s.message();
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    EXPECT_EQ(joined, Q(c.want)) << c.body;
  }
}

// The converter takes whole floats for integers (stored as integers); Go's JSON decoder not.
TEST(PruneTest, WholeFloatsForIntegers) {
  auto doc = J("{'spec':{'minReadySeconds':2.0}}");
  std::vector<std::string> problems;
  const Type& ds = *BuiltinSchemas().Find("apps.v1.DaemonSet");
  ASSERT_TRUE(PruneObject(doc, ds, doc.GetAllocator(), &problems, Decoder::kUnstructured).ok());
  EXPECT_EQ(ToJson(doc), R"({"spec":{"minReadySeconds":2}})");
  auto json = J("{'spec':{'minReadySeconds':2.0}}");
  EXPECT_EQ(PruneObject(json, ds, json.GetAllocator(), &problems).message(),
            "json: cannot unmarshal number 2.0 into Go struct field DaemonSetSpec.spec."
            "minReadySeconds of type int32");
}

}  // namespace
}  // namespace tinyk8s::api::schema
