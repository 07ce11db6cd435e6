#include "api/ssa/field_manager.h"

#include <algorithm>
#include <utility>

#include "api/json.h"
#include "api/ssa/managed_fields.h"
#include "api/ssa/typed.h"

namespace tinyk8s::api::ssa {

using rapidjson::Document;
using rapidjson::Value;

namespace {

void Filter(Comparison& c, const FieldSet& ignored) {
  c.added.SubtractRecursive(ignored);
  c.modified.SubtractRecursive(ignored);
  c.removed.SubtractRecursive(ignored);
}

ManagedFields ReadOrEmpty(const Value& obj) {
  auto m = ReadManagedFields(obj);
  return m.ok() ? std::move(m).value() : ManagedFields{};
}

const Value* LastApplied(const Value& obj) {
  const Value* ann = FindPath(obj, {"metadata", "annotations"});
  const Value* v = ann ? FindMember(*ann, kLastAppliedAnnotation) : nullptr;
  return v && v->IsString() && v->GetStringLength() > 0 ? v : nullptr;
}

// Fields of the last client-side-applied configuration that still have their applied value:
// kubectl's server-side apply may take them over from the client-side-apply manager (upstream
// lastAppliedManager.allowedConflictsFromLastApplied).
FieldSet AllowedFromLastApplied(const schema::Type* type, const Value& live,
                                const std::string& api_version) {
  const Value* text = LastApplied(live);
  if (!text) return {};
  auto doc = ParseJson(AsStringView(*text));
  if (!doc.ok() || !doc->IsObject() || GetString(*doc, {"apiVersion"}) != api_version) return {};
  FieldSet allowed = ToFieldSet(type, *doc);
  Comparison c = Compare(type, &doc.value(), live);
  allowed.Subtract(c.modified);
  allowed.Subtract(c.added);
  allowed.Subtract(c.removed);
  return allowed;
}

// The annotation kubectl's client-side apply diffs against, rebuilt from an applied
// configuration (upstream lastAppliedUpdater.buildLastApplied).
std::string BuildLastApplied(const Value& config) {
  Document copy = CloneDocument(config);
  if (Value* ann = FindPathMutable(copy, {"metadata", "annotations"})) {
    RemoveMember(*ann, kLastAppliedAnnotation);
    if (ann->IsObject() && ann->MemberCount() == 0) {
      RemoveMember(*FindPathMutable(copy, {"metadata"}), "annotations");
    }
  }
  return ToJsonSorted(copy);
}

struct Conflict {
  std::string manager;  // ManagedFieldsEntry::Describe()
  Path path;
};

Status ConflictStatus(std::vector<Conflict> conflicts) {
  std::sort(conflicts.begin(), conflicts.end(), [](const Conflict& a, const Conflict& b) {
    return std::tie(a.manager, a.path) < std::tie(b.manager, b.path);
  });
  std::vector<FieldError> causes;
  for (const auto& c : conflicts) {
    causes.push_back({"FieldManagerConflict", PathString(c.path), "conflict with " + c.manager});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + conflicts[0].manager + ": " +
              PathString(conflicts[0].path);
  } else {
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    for (size_t i = 0; i < conflicts.size(); ++i) {
      if (i == 0 || conflicts[i].manager != conflicts[i - 1].manager) {
        if (i) message += "\n";
        message += "conflicts with " + conflicts[i].manager + ":";
      }
      message += "\n- " + PathString(conflicts[i].path);
    }
  }
  return Status(StatusCode::kConflict, message).WithFieldErrors(std::move(causes));
}

}  // namespace

const FieldSet& StrippedFields() {
  static const FieldSet* const kStripped = [] {
    auto* s = new FieldSet();
    s->Insert({"f:apiVersion"});
    s->Insert({"f:kind"});
    for (const char* f : {"name", "namespace", "creationTimestamp", "selfLink", "uid", "generation",
                          "managedFields", "resourceVersion"}) {
      s->Insert({"f:metadata", FieldToken(f)});
    }
    return s;
  }();
  return *kStripped;
}

void RecordUpdate(const schema::Type* type, const Value* live, Document& updated,
                  const Operation& op, const FieldSet& ignored) {
  auto& a = updated.GetAllocator();
  Comparison cmp = Compare(type, live, updated);
  Filter(cmp, ignored);
  const Value* live_mf = live ? FindPath(*live, {"metadata", "managedFields"}) : nullptr;
  const Value* new_mf = FindPath(updated, {"metadata", "managedFields"});
  bool honour_request =
      op.subresource.empty() && new_mf && !(live_mf && JsonEqual(*live_mf, *new_mf));
  // Fast path: nothing changed and the entries are the live ones (most controller writes).
  if (cmp.Empty() && !honour_request) {
    Value& meta = EnsureObject(updated, {"metadata"}, a);
    RemoveMember(meta, "managedFields");
    if (live_mf) {
      Value copy(*live_mf, a);
      SetValue(meta, "managedFields", copy, a);
    }
    return;
  }
  ManagedFields managed;
  if (honour_request && IsResetManagedFields(updated)) {
    // The client asked to clear them; this operation starts afresh.
  } else if (honour_request && !ReadOrEmpty(updated).empty()) {
    managed = ReadOrEmpty(updated);
  } else if (live) {
    managed = ReadOrEmpty(*live);
  }
  FieldSet changed = std::move(cmp.modified);
  changed.UnionWith(cmp.added);
  for (auto& e : managed) {
    e.fields.Subtract(changed);
    e.fields.Subtract(cmp.removed);
  }
  if (!changed.Empty()) {
    ManagedFieldsEntry self{op.manager, false, op.api_version, op.now, op.subresource, {}};
    auto it = std::find_if(managed.begin(), managed.end(),
                           [&](const ManagedFieldsEntry& e) { return e.SameIdentity(self); });
    if (it == managed.end()) it = managed.insert(managed.end(), std::move(self));
    it->fields.UnionWith(changed);
    it->time = op.now;
  }
  WriteManagedFields(std::move(managed), updated, a);
}

Result<Document> Apply(const schema::Type* type, const Value& live, const Value& config,
                       const Operation& op, bool force, const FieldSet& ignored) {
  if (const Value* mf = FindPath(config, {"metadata", "managedFields"}); mf && !mf->IsNull()) {
    return Status::BadRequest("metadata.managedFields must be nil");
  }
  ManagedFields managed = ReadOrEmpty(live);
  ManagedFieldsEntry self{op.manager, true, op.api_version, "", op.subresource, {}};
  FieldSet last_set;
  for (auto it = managed.begin(); it != managed.end(); ++it) {
    if (it->SameIdentity(self)) {
      last_set = std::move(it->fields);
      managed.erase(it);
      break;
    }
  }
  self.fields = ToFieldSet(type, config);
  self.fields.SubtractRecursive(ignored);

  Document merged = CloneDocument(live);
  auto& a = merged.GetAllocator();
  Merge(type, merged, config, a);
  if (!last_set.Empty()) {
    // Fields this manager applied before and no longer applies go, unless someone owns them.
    FieldSet drop = last_set;
    drop.Subtract(self.fields);
    for (const auto& e : managed) drop.Subtract(e.fields);
    RemoveItems(type, merged, drop);
  }

  Comparison cmp = Compare(type, &live, merged);
  bool object_changed = !cmp.Empty();
  Filter(cmp, ignored);
  FieldSet changed = std::move(cmp.modified);
  changed.UnionWith(cmp.added);
  std::vector<std::pair<size_t, FieldSet>> conflicts;
  for (size_t i = 0; i < managed.size(); ++i) {
    FieldSet c = managed[i].fields.Intersection(changed);
    if (!c.Empty()) conflicts.emplace_back(i, std::move(c));
  }
  if (!conflicts.empty() && !force) {
    FieldSet allowed;
    if (op.manager == "kubectl") allowed = AllowedFromLastApplied(type, live, op.api_version);
    std::vector<Conflict> remaining;
    for (const auto& [i, c] : conflicts) {
      FieldSet left = c;
      left.Subtract(allowed);
      left.ForEachMember([&](const Path& p) { remaining.push_back({managed[i].Describe(), p}); });
    }
    if (!remaining.empty()) return ConflictStatus(std::move(remaining));
  }
  bool managers_changed = !(self.fields == last_set);
  for (const auto& [i, c] : conflicts) managed[i].fields.Subtract(c);
  for (auto& e : managed) {
    size_t before = e.fields.MemberCount();
    e.fields.Subtract(cmp.removed);
    managers_changed = managers_changed || !conflicts.empty() || before != e.fields.MemberCount();
  }

  if (op.manager == "kubectl" && LastApplied(live)) {
    Value& ann = EnsureObject(merged, {"metadata", "annotations"}, a);
    std::string value = BuildLastApplied(config);
    const Value* old = FindMember(ann, kLastAppliedAnnotation);
    object_changed = object_changed || !old || AsStringView(*old) != value;
    SetString(ann, kLastAppliedAnnotation, value, a);
  }
  if (!object_changed && !managers_changed) return CloneDocument(live);
  self.time = op.now;
  managed.push_back(std::move(self));
  WriteManagedFields(std::move(managed), merged, a);
  return merged;
}

}  // namespace tinyk8s::api::ssa
