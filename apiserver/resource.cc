#include "apiserver/resource.h"

#include <cstdio>

#include "api/json.h"
#include "api/names.h"

namespace tinyk8s::apiserver {

using rapidjson::Value;

std::string ResourceInfo::KeyPrefix() const {
  if (!stored_prefix.empty()) return stored_prefix;
  return OwnKeyPrefix();
}

std::string ResourceInfo::OwnKeyPrefix() const {
  return "/registry/" + (group.empty() ? std::string("core") : group) + "/" + plural + "/";
}

std::string ResourceInfo::NamespacePrefix(const std::string& ns) const {
  if (!namespaced || ns.empty()) return KeyPrefix();
  return KeyPrefix() + ns + "/";
}

std::string ResourceInfo::Key(const std::string& ns, const std::string& name) const {
  return namespaced ? KeyPrefix() + ns + "/" + name : KeyPrefix() + name;
}

const SubresourceInfo* ResourceInfo::FindSubresource(std::string_view name) const {
  for (const auto& s : subresources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void Strategy::PrepareForCreate(rapidjson::Document& obj, StrategyContext&) const {
  if (HasStatus()) api::RemoveMember(obj, "status");
  if (TracksGeneration()) {
    api::SetInt(api::EnsureObject(obj, {"metadata"}, obj.GetAllocator()), "generation", 1,
                obj.GetAllocator());
  }
}

void Strategy::PrepareForUpdate(rapidjson::Document& obj, const Value& old) const {
  if (!HasStatus()) return;
  auto& a = obj.GetAllocator();
  api::RemoveMember(obj, "status");
  if (const Value* status = api::FindMember(old, "status")) {
    Value copy(*status, a);
    api::SetValue(obj, "status", copy, a);
  }
}

void Strategy::PrepareForStatusUpdate(rapidjson::Document& obj, const Value& old) const {
  // Everything but status comes from the old object; metadata edits through /status are
  // ignored except for what the generic handler manages (resourceVersion).
  auto& a = obj.GetAllocator();
  Value status;
  if (Value* s = api::FindMemberMutable(obj, "status")) status = std::move(*s);
  obj.CopyFrom(old, a);
  api::RemoveMember(obj, "status");
  if (!status.IsNull()) api::SetValue(obj, "status", status, a);
}

std::vector<std::string> Strategy::ValidateName(std::string_view name) const {
  return api::IsDns1123Subdomain(name);
}

std::vector<TableColumn> NameAgeColumns() {
  return {{"Name", "string", "name",
           "Name must be unique within a namespace. Is required when creating resources, although "
           "some resources may allow a client to request the generation of an appropriate name "
           "automatically.",
           0},
          {"Age", "string", "", "The time since the object was created.", 0}};
}

std::vector<TableColumn> Strategy::Columns() const { return NameAgeColumns(); }

void Strategy::Cells(const Value& obj, Clock::TimePoint now, Value& cells,
                     rapidjson::Document::AllocatorType& a) const {
  cells.PushBack(api::MakeString(api::GetString(obj, {"metadata", "name"}), a), a);
  cells.PushBack(api::MakeString(AgeCell(obj, now), a), a);
}

std::optional<std::string> Strategy::FieldValue(const Value& obj, std::string_view field) const {
  if (field == "metadata.name") return api::GetString(obj, {"metadata", "name"});
  if (field == "metadata.namespace") return api::GetString(obj, {"metadata", "namespace"});
  return std::nullopt;
}

std::string HumanDuration(Clock::TimePoint since, Clock::TimePoint now) {
  // Mirrors upstream duration.HumanDuration: coarser units as the age grows.
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
  if (secs < -1) return "<invalid>";
  if (secs < 0) secs = 0;
  char buf[32];
  long long s = secs;
  if (s < 60 * 2) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 60 * 10) {
    long long m = s / 60, r = s % 60;
    if (r == 0) {
      std::snprintf(buf, sizeof buf, "%lldm", m);
    } else {
      std::snprintf(buf, sizeof buf, "%lldm%llds", m, r);
    }
  } else if (s < 3600 * 3) {
    std::snprintf(buf, sizeof buf, "%lldm", s / 60);
  } else if (s < 3600 * 8) {
    long long h = s / 3600, m = (s % 3600) / 60;
    if (m == 0) {
      std::snprintf(buf, sizeof buf, "%lldh", h);
    } else {
      std::snprintf(buf, sizeof buf, "%lldh%lldm", h, m);
    }
  } else if (s < 3600 * 48) {
    std::snprintf(buf, sizeof buf, "%lldh", s / 3600);
  } else if (s < 3600 * 24 * 8) {
    long long d = s / 86400, h = (s % 86400) / 3600;
    if (h == 0) {
      std::snprintf(buf, sizeof buf, "%lldd", d);
    } else {
      std::snprintf(buf, sizeof buf, "%lldd%lldh", d, h);
    }
  } else if (s < 3600 * 24 * 365 * 2) {
    std::snprintf(buf, sizeof buf, "%lldd", s / 86400);
  } else if (s < 3600LL * 24 * 365 * 8) {
    long long y = s / (86400 * 365), d = (s % (86400 * 365)) / 86400;
    if (d == 0) {
      std::snprintf(buf, sizeof buf, "%lldy", y);
    } else {
      std::snprintf(buf, sizeof buf, "%lldy%lldd", y, d);
    }
  } else {
    std::snprintf(buf, sizeof buf, "%lldy", s / (86400 * 365));
  }
  return buf;
}

std::string AgeCell(const Value& obj, Clock::TimePoint now) {
  Clock::TimePoint created;
  if (!ParseRfc3339(api::GetString(obj, {"metadata", "creationTimestamp"}), &created)) {
    return "<unknown>";
  }
  return HumanDuration(created, now);
}

}  // namespace tinyk8s::apiserver
