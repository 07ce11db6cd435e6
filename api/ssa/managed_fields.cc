#include "api/ssa/managed_fields.h"

#include <algorithm>
#include <tuple>

#include "api/json.h"

namespace tinyk8s::api::ssa {

using rapidjson::Value;

bool ManagedFieldsEntry::SameIdentity(const ManagedFieldsEntry& other) const {
  if (manager != other.manager || apply != other.apply || subresource != other.subresource) {
    return false;
  }
  // Apply entries are one per manager whatever the version; Update entries per version.
  return apply || api_version == other.api_version;
}

std::string ManagedFieldsEntry::Describe() const {
  std::string out = "\"" + manager + "\"";
  if (!subresource.empty()) out += " with subresource \"" + subresource + "\"";
  if (!apply) out += " using " + api_version;
  return out;
}

Result<ManagedFields> ReadManagedFields(const Value& obj) {
  ManagedFields out;
  const Value* list = FindPath(obj, {"metadata", "managedFields"});
  if (!list || list->IsNull()) return out;
  if (!list->IsArray()) return Status::BadRequest("metadata.managedFields must be a list");
  for (const auto& e : list->GetArray()) {
    if (!e.IsObject()) return Status::BadRequest("metadata.managedFields entries must be objects");
    if (e.MemberCount() == 0) continue;
    ManagedFieldsEntry entry;
    entry.manager = GetString(e, {"manager"});
    std::string op = GetString(e, {"operation"});
    if (op != "Apply" && op != "Update") {
      return Status::BadRequest("metadata.managedFields: unknown operation \"" + op + "\"");
    }
    entry.apply = op == "Apply";
    entry.api_version = GetString(e, {"apiVersion"});
    entry.time = GetString(e, {"time"});
    entry.subresource = GetString(e, {"subresource"});
    std::string type = GetString(e, {"fieldsType"});
    if (!type.empty() && type != "FieldsV1") {
      return Status::BadRequest("metadata.managedFields: unknown fieldsType \"" + type + "\"");
    }
    if (const Value* f = FindMember(e, "fieldsV1")) {
      TK_ASSIGN_OR_RETURN(entry.fields, FieldSet::FromJson(*f));
      if (f->IsObject() && f->MemberCount() == 0) entry.fields = FieldSet();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

bool IsResetManagedFields(const Value& obj) {
  const Value* list = FindPath(obj, {"metadata", "managedFields"});
  if (!list || !list->IsArray()) return false;
  if (list->Empty()) return true;
  return list->Size() == 1 && (*list)[0].IsObject() && (*list)[0].MemberCount() == 0;
}

void WriteManagedFields(ManagedFields fields, Value& obj, rapidjson::Document::AllocatorType& a) {
  Value& meta = EnsureObject(obj, {"metadata"}, a);
  fields.erase(std::remove_if(fields.begin(), fields.end(),
                              [](const ManagedFieldsEntry& e) { return e.fields.Empty(); }),
               fields.end());
  if (fields.empty()) {
    RemoveMember(meta, "managedFields");
    return;
  }
  std::stable_sort(
      fields.begin(), fields.end(), [](const ManagedFieldsEntry& x, const ManagedFieldsEntry& y) {
        return std::forward_as_tuple(!x.apply, x.time, x.manager, x.api_version, x.subresource) <
               std::forward_as_tuple(!y.apply, y.time, y.manager, y.api_version, y.subresource);
      });
  Value list(rapidjson::kArrayType);
  for (const auto& e : fields) {
    Value v(rapidjson::kObjectType);
    v.AddMember("manager", MakeString(e.manager, a), a);
    v.AddMember("operation", rapidjson::StringRef(e.apply ? "Apply" : "Update"), a);
    v.AddMember("apiVersion", MakeString(e.api_version, a), a);
    if (!e.time.empty()) v.AddMember("time", MakeString(e.time, a), a);
    v.AddMember("fieldsType", "FieldsV1", a);
    v.AddMember("fieldsV1", e.fields.ToJson(a), a);
    if (!e.subresource.empty()) v.AddMember("subresource", MakeString(e.subresource, a), a);
    list.PushBack(v, a);
  }
  SetValue(meta, "managedFields", list, a);
}

}  // namespace tinyk8s::api::ssa
