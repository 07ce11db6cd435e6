// RFC 7386 JSON merge patch.
#include "api/json.h"
#include "api/patch.h"

namespace tinyk8s::api {

void ApplyMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                     rapidjson::Document::AllocatorType& a) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, a);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
    std::string_view key = AsStringView(it->name);
    if (it->value.IsNull()) {
      RemoveMember(target, key);
      continue;
    }
    rapidjson::Value* existing = FindMemberMutable(target, key);
    if (existing == nullptr) {
      // Merging into null (rather than copying) drops nulls nested in the new value.
      rapidjson::Value fresh;
      ApplyMergePatch(fresh, it->value, a);
      target.AddMember(MakeString(key, a), fresh, a);
    } else {
      ApplyMergePatch(*existing, it->value, a);
    }
  }
}

}  // namespace tinyk8s::api
