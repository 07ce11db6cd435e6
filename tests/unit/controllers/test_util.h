#pragma once
// Builders and helpers shared by the controller unit tests: JSON objects for nodes, pods and
// DaemonSets, and CacheFrom(), which plays the informer: it copies what the FakeClient holds
// into an informer's cache (no events fired), so a test decides when the cache "catches up".

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "api/json.h"
#include "api/meta.h"
#include "client/informer.h"
#include "tests/fakes/fake_client.h"

#define ASSERT_OK(expr)                          \
  do {                                           \
    ::tinyk8s::Status tk_s_ = (expr);            \
    ASSERT_TRUE(tk_s_.ok()) << tk_s_.ToString(); \
  } while (0)

namespace tinyk8s::testing {

inline client::ObjectPtr Obj(const std::string& json) {
  auto doc = api::ParseJson(json);
  return std::make_shared<const rapidjson::Document>(std::move(doc).value());
}

// A Ready node with optional labels and taints (JSON fragments).
inline std::string NodeJson(const std::string& name, const std::string& labels = "{}",
                            const std::string& taints = "[]", const std::string& ready = "True") {
  return R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name + R"(","labels":)" +
         labels + R"(},"spec":{"taints":)" + taints +
         R"(},"status":{"conditions":[{"type":"Ready","status":")" + ready +
         R"(","lastHeartbeatTime":"2024-01-01T00:00:00Z"}]}})";
}

// A defaulted DaemonSet as the API server stores it. `extra_spec` is merged into spec.
inline std::string DsJson(
    const std::string& name, const std::string& image = "agent:1",
    const std::string& extra_spec = "", int64_t generation = 1,
    const std::string& strategy =
        R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}})",
    const std::string& template_extra = "") {
  return R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":")" + name +
         R"(","namespace":"t","uid":"uid-)" + name + R"(","generation":)" +
         std::to_string(generation) +
         R"(,"annotations":{"deprecated.daemonset.template.generation":")" +
         std::to_string(generation) + R"("}},"spec":{)" + extra_spec +
         R"("selector":{"matchLabels":{"app":")" + name +
         R"("}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":")" + name +
         R"("}},"spec":{)" + template_extra + R"("containers":[{"name":"c","image":")" + image +
         R"("}],"restartPolicy":"Always"}},"updateStrategy":)" + strategy +
         R"(,"revisionHistoryLimit":10},"status":{}})";
}

// Copies every object of `r` in the fake into `informer`'s cache.
inline void CacheFrom(FakeClient& fake, client::Informer& informer) {
  auto list = fake.List(informer.resource(), "");
  informer.GetIndexerForTest().Replace(list.ok() ? list->items : std::vector<client::ObjectPtr>{});
}

// The writes the controller made, without events (recorded asynchronously).
inline std::vector<std::string> Writes(FakeClient& fake) {
  std::vector<std::string> out;
  for (const std::string& w : fake.WriteActions()) {
    if (w.find(" events ") == std::string::npos) out.push_back(w);
  }
  return out;
}

inline int CountPrefix(const std::vector<std::string>& v, const std::string& prefix) {
  int n = 0;
  for (const auto& s : v) n += s.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

}  // namespace tinyk8s::testing
