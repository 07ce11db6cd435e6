// Field ownership (api/ssa/field_manager.h): Update operations, apply, conflicts, force,
// removal of fields a manager stopped applying, and the kubectl client-side-apply bridge.
// Each scenario is a table of steps on one DaemonSet; every step states the expected error (or
// none) and the owners afterwards.
#include <gtest/gtest.h>

#include "api/patch.h"
#include "api/ssa/field_manager.h"
#include "api/ssa/managed_fields.h"
#include "tests/unit/api/test_util.h"

namespace tinyk8s::api::ssa {
namespace {

using testing::J;
using testing::Q;

const schema::Type* DaemonSet() { return schema::BuiltinSchemas().Find("apps.v1.DaemonSet"); }

const FieldSet& Ignored() {
  static const FieldSet* const kIgnored = [] {
    auto* s = new FieldSet(StrippedFields());
    s->Insert({"f:status"});
    return s;
  }();
  return *kIgnored;
}

enum class Op { kApply, kForceApply, kUpdate };

struct Step {
  const char* who;
  Op op;
  const char* body;      // applied config, or a merge patch for kUpdate
  const char* error;     // expected error message, "" for success
  const char* owners;    // "manager/Operation:<fieldsV1 with ' for \">" separated by " | "
  const char* expected;  // optional: the object's metadata.labels + spec after the step
};

std::string Owners(const rapidjson::Value& obj) {
  auto m = ReadManagedFields(obj);
  if (!m.ok()) return "ERROR " + m.status().message();
  std::string out;
  for (const auto& e : *m) {
    if (!out.empty()) out += " | ";
    out += e.manager + (e.apply ? "/Apply:" : "/Update:") + e.fields.ToJsonString();
  }
  for (char& c : out) {
    if (c == '"') c = '\'';
  }
  return out;
}

std::string Content(const rapidjson::Value& obj) {
  rapidjson::Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  if (const auto* labels = FindPath(obj, {"metadata", "labels"})) {
    d.AddMember("labels", rapidjson::Value(*labels, a), a);
  }
  if (const auto* spec = FindMember(obj, "spec"))
    d.AddMember("spec", rapidjson::Value(*spec, a), a);
  return ToJson(d);
}

void RunSteps(const char* scenario, rapidjson::Document live, const std::vector<Step>& steps) {
  int n = 0;
  for (const auto& s : steps) {
    SCOPED_TRACE(std::string(scenario) + " step " + std::to_string(++n) + " by " + s.who);
    Operation op{s.who, "apps/v1", "", "2024-01-01T00:00:0" + std::to_string(n % 10) + "Z"};
    Status status;
    if (s.op == Op::kUpdate) {
      rapidjson::Document next = CloneDocument(live);
      ApplyMergePatch(next, J(s.body), next.GetAllocator());
      RecordUpdate(DaemonSet(), &live, next, op, Ignored());
      live.Swap(next);
    } else {
      auto r = Apply(DaemonSet(), live, J(s.body), op, s.op == Op::kForceApply, Ignored());
      if (r.ok()) {
        live.Swap(r.value());
      } else {
        status = r.status();
      }
    }
    EXPECT_EQ(status.message(), s.error);
    EXPECT_EQ(Owners(live), s.owners);
    if (*s.expected) {
      EXPECT_EQ(Content(live), ToJson(J(s.expected)));
    }
  }
}

rapidjson::Document Empty() {
  return J("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'ds'}}");
}

constexpr char kImage1[] =
    "{'metadata':{'name':'ds'},'spec':{'template':{'spec':{'containers':[{'name':'c','image':"
    "'i:1'}]}}}}";
constexpr char kContainerC[] =
    "'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{}";

TEST(FieldManagerTest, UpdateTakesOwnershipAndForceTakesItBack) {
  std::string a_all = std::string("A/Apply:{") + kContainerC + ",'f:image':{},'f:name':{}}}}}}}";
  std::string a_name = std::string("A/Apply:{") + kContainerC + ",'f:name':{}}}}}}}";
  std::string b_image =
      "B/Update:{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{"
      "'f:image':{}}}}}}}";
  std::string owners1 = a_all;
  std::string owners2 = a_name + " | " + b_image;
  std::vector<Step> steps = {
      {"A", Op::kApply, kImage1, "", owners1.c_str(), ""},
      {"B", Op::kUpdate,
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}", "",
       owners2.c_str(),
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}"},
      {"A", Op::kApply, kImage1,
       "Apply failed with 1 conflict: conflict with \"B\" using apps/v1: "
       ".spec.template.spec.containers[name=\"c\"].image",
       owners2.c_str(),
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}"},
      {"A", Op::kForceApply, kImage1, "", owners1.c_str(),
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:1'}]}}}}"},
  };
  RunSteps("force", Empty(), steps);
}

TEST(FieldManagerTest, SharedFieldsSurviveAndDroppedFieldsGo) {
  std::vector<Step> steps = {
      {"A", Op::kApply, "{'metadata':{'name':'ds','labels':{'a':'1','b':'2'}}}", "",
       "A/Apply:{'f:metadata':{'f:labels':{'f:a':{},'f:b':{}}}}", "{'labels':{'a':'1','b':'2'}}"},
      // Same value: no conflict, both own b.
      {"C", Op::kApply, "{'metadata':{'name':'ds','labels':{'b':'2'}}}", "",
       "A/Apply:{'f:metadata':{'f:labels':{'f:a':{},'f:b':{}}}} | "
       "C/Apply:{'f:metadata':{'f:labels':{'f:b':{}}}}",
       "{'labels':{'a':'1','b':'2'}}"},
      // A stops applying b; C still owns it, so it stays.
      {"A", Op::kApply, "{'metadata':{'name':'ds','labels':{'a':'1'}}}", "",
       "C/Apply:{'f:metadata':{'f:labels':{'f:b':{}}}} | "
       "A/Apply:{'f:metadata':{'f:labels':{'f:a':{}}}}",
       "{'labels':{'a':'1','b':'2'}}"},
      // C stops too: nobody owns b any more, it is removed.
      {"C", Op::kApply, "{'metadata':{'name':'ds'}}", "",
       "A/Apply:{'f:metadata':{'f:labels':{'f:a':{}}}}", "{'labels':{'a':'1'}}"},
      // The emptied labels map goes with its last label.
      {"A", Op::kApply, "{'metadata':{'name':'ds'}}", "", "", "{}"},
  };
  RunSteps("removal", Empty(), steps);
}

// Items of associative lists (containers by name, env by name inside them) that a manager
// stops applying are removed with their fields; fields another manager owns inside a kept item
// stay.
TEST(FieldManagerTest, ListItemsAManagerStoppedApplyingGo) {
  const std::string x = "'k:{\\'name\\':\\'X\\'}':{'.':{},'f:name':{},'f:value':{}}";
  const std::string y = "'k:{\\'name\\':\\'Y\\'}':{'.':{},'f:name':{},'f:value':{}}";
  const std::string d = ",'k:{\\'name\\':\\'d\\'}':{'.':{},'f:image':{},'f:name':{}}";
  auto a_owns = [&](const std::string& env, const std::string& more) {
    return std::string("A/Apply:{") + kContainerC + ",'f:env':{" + env +
           "},'f:image':{},'f:name':{}}" + more + "}}}}}";
  };
  const std::string b_args =
      " | B/Update:{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\\'name\\':"
      "\\'c\\'}':{'f:args':{}}}}}}}";
  const std::string owners1 = a_owns(x + "," + y, d);
  const std::string owners2 = owners1 + b_args;
  const std::string owners3 = a_owns(x, "") + b_args;
  std::vector<Step> steps = {
      {"A", Op::kApply,
       "{'metadata':{'name':'ds'},'spec':{'template':{'spec':{'containers':[{'name':'c','image':"
       "'i','env':[{'name':'X','value':'1'},{'name':'Y','value':'1'}]},{'name':'d','image':'j'}"
       "]}}}}",
       "", owners1.c_str(), ""},
      {"B", Op::kUpdate,
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i','env':[{'name':'X',"
       "'value':'1'},{'name':'Y','value':'1'}],'args':['-v']},{'name':'d','image':'j'}]}}}}",
       "", owners2.c_str(), ""},
      {"A", Op::kApply,
       "{'metadata':{'name':'ds'},'spec':{'template':{'spec':{'containers':[{'name':'c','image':"
       "'i','env':[{'name':'X','value':'1'}]}]}}}}",
       "", owners3.c_str(),
       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i','env':[{'name':'X',"
       "'value':'1'}],'args':['-v']}]}}}}"},
  };
  RunSteps("list items", Empty(), steps);
}

TEST(FieldManagerTest, ConflictsListEveryFieldAndManager) {
  std::vector<Step> steps = {
      {"B", Op::kUpdate, "{'metadata':{'labels':{'x':'1','y':'1'}}}", "",
       "B/Update:{'f:metadata':{'f:labels':{'.':{},'f:x':{},'f:y':{}}}}", ""},
      {"D", Op::kApply, "{'metadata':{'name':'ds','labels':{'z':'1'}}}", "",
       "D/Apply:{'f:metadata':{'f:labels':{'f:z':{}}}} | "
       "B/Update:{'f:metadata':{'f:labels':{'.':{},'f:x':{},'f:y':{}}}}",
       ""},
      {"A", Op::kApply, "{'metadata':{'name':'ds','labels':{'x':'2','y':'2','z':'2'}}}",
       "Apply failed with 3 conflicts: conflicts with \"B\" using apps/v1:\n- .metadata.labels.x\n"
       "- .metadata.labels.y\nconflicts with \"D\":\n- .metadata.labels.z",
       "D/Apply:{'f:metadata':{'f:labels':{'f:z':{}}}} | "
       "B/Update:{'f:metadata':{'f:labels':{'.':{},'f:x':{},'f:y':{}}}}",
       "{'labels':{'x':'1','y':'1','z':'1'}}"},
  };
  RunSteps("conflicts", Empty(), steps);
}

TEST(FieldManagerTest, NoOpApplyChangesNothing) {
  Operation op{"A", "apps/v1", "", "2024-01-01T00:00:00Z"};
  auto first = Apply(DaemonSet(), Empty(), J(kImage1), op, false, Ignored());
  ASSERT_TRUE(first.ok());
  op.now = "2025-01-01T00:00:00Z";
  auto second = Apply(DaemonSet(), *first, J(kImage1), op, false, Ignored());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ToJson(*first), ToJson(*second));
  auto bad =
      Apply(DaemonSet(), Empty(), J("{'metadata':{'managedFields':[]}}"), op, false, Ignored());
  EXPECT_EQ(bad.status().message(), "metadata.managedFields must be nil");
}

// kubectl's server-side apply may take over what client-side apply last applied unchanged, and
// keeps the last-applied annotation current; other managers get the conflict.
TEST(FieldManagerTest, ClientSideApplyBridge) {
  rapidjson::Document created = J(kImage1);
  auto& a = created.GetAllocator();
  std::string last =
      ToJson(J("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':"
               "'ds'},'spec':{'template':{'spec':{'containers':[{'name':'c',"
               "'image':'i:1'}]}}}}"));
  SetString(EnsureObject(created, {"metadata", "annotations"}, a), kLastAppliedAnnotation, last, a);
  RecordUpdate(DaemonSet(), nullptr, created,
               {"kubectl-client-side-apply", "apps/v1", "", "2024-01-01T00:00:00Z"}, Ignored());
  std::string v2 =
      Q("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'ds'},'spec':{'template':"
        "{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}");
  auto other = Apply(DaemonSet(), created, J(v2), {"other", "apps/v1", "", "t"}, false, Ignored());
  EXPECT_EQ(other.status().message(),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
            "apps/v1: .spec.template.spec.containers[name=\"c\"].image");
  ASSERT_EQ(other.status().field_errors().size(), 1u);
  EXPECT_EQ(other.status().field_errors()[0].type, "FieldManagerConflict");
  EXPECT_EQ(other.status().field_errors()[0].field,
            ".spec.template.spec.containers[name=\"c\"].image");
  auto kubectl =
      Apply(DaemonSet(), created, J(v2), {"kubectl", "apps/v1", "", "t"}, false, Ignored());
  ASSERT_TRUE(kubectl.ok()) << kubectl.status().message();
  EXPECT_EQ(GetString(*kubectl, {"metadata", "annotations", kLastAppliedAnnotation}),
            ToJsonSorted(J(v2)));
  EXPECT_NE(Owners(*kubectl).find("kubectl/Apply:"), std::string::npos) << Owners(*kubectl);
}

}  // namespace
}  // namespace tinyk8s::api::ssa
