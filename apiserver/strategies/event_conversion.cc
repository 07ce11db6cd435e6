// events.k8s.io/v1 Event <-> core/v1 Event. The two versions carry the same data under other
// names (upstream pkg/apis/events/v1 conversion): involvedObject is `regarding`, message is
// `note`, source/firstTimestamp/lastTimestamp/count are the `deprecated...` fields, and
// reportingComponent is `reportingController`. Everything else keeps its name.
#include <array>
#include <string_view>
#include <utility>

#include "api/json.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

namespace {

using Document = rapidjson::Document;

// {core/v1 name, events.k8s.io/v1 name}
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kRenames = {{
    {"involvedObject", "regarding"},
    {"message", "note"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"},
    {"reportingComponent", "reportingController"},
}};

// Rename moves top-level members named `from` to `to` in place (keeping their position). A
// member already named `to` is dropped first: the renamed one wins.
void Rename(Document& obj, bool to_view, std::string_view api_version) {
  if (!obj.IsObject()) return;
  auto& a = obj.GetAllocator();
  for (const auto& [core, view] : kRenames) {
    std::string_view from = to_view ? core : view;
    std::string_view to = to_view ? view : core;
    rapidjson::Value* member = api::FindMemberMutable(obj, from);
    if (!member) continue;
    api::RemoveMember(obj, to);
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == from) {
        it->name.SetString(to.data(), static_cast<rapidjson::SizeType>(to.size()), a);
        break;
      }
    }
  }
  if (rapidjson::Value* v = api::FindMemberMutable(obj, "apiVersion")) {
    v->SetString(api_version.data(), static_cast<rapidjson::SizeType>(api_version.size()), a);
  }
}

class EventsV1Converter final : public ObjectConverter {
 public:
  void ToStored(Document& obj) const override { Rename(obj, false, "v1"); }
  void FromStored(Document& obj) const override { Rename(obj, true, "events.k8s.io/v1"); }
};

}  // namespace

std::unique_ptr<ObjectConverter> NewEventsV1Converter() {
  return std::make_unique<EventsV1Converter>();
}

}  // namespace tinyk8s::apiserver
