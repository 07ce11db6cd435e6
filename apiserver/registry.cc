#include "apiserver/registry.h"

#include <algorithm>

namespace tinyk8s::apiserver {

void Registry::Add(ResourceInfo info, std::unique_ptr<Strategy> strategy) {
  info.strategy = strategy.get();
  strategies_.push_back(std::move(strategy));
  resources_.push_back(std::make_unique<ResourceInfo>(std::move(info)));
}

void Registry::AddView(ResourceInfo info, std::unique_ptr<Strategy> strategy,
                       const ResourceInfo& stored, std::unique_ptr<ObjectConverter> converter) {
  info.stored_prefix = stored.KeyPrefix();
  info.converter = converter.get();
  converters_.push_back(std::move(converter));
  Add(std::move(info), std::move(strategy));
}

const ResourceInfo* Registry::Find(const std::string& group, const std::string& version,
                                   const std::string& plural) const {
  for (const auto& r : resources_) {
    if (r->group == group && r->version == version && r->plural == plural) return r.get();
  }
  return nullptr;
}

const ResourceInfo* Registry::FindByGroupResource(const std::string& group,
                                                  const std::string& plural) const {
  for (const auto& r : resources_) {
    if (r->group == group && r->plural == plural) return r.get();
  }
  return nullptr;
}

const ResourceInfo* Registry::FindByKind(const std::string& group, const std::string& kind) const {
  for (const auto& r : resources_) {
    if (r->group == group && r->kind == kind) return r.get();
  }
  return nullptr;
}

std::vector<GroupVersions> Registry::Groups() const {
  std::vector<GroupVersions> groups;
  for (const auto& r : resources_) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const GroupVersions& g) { return g.group == r->group; });
    if (it == groups.end()) {
      groups.push_back({r->group, {r->version}});
    } else if (std::find(it->versions.begin(), it->versions.end(), r->version) ==
               it->versions.end()) {
      it->versions.push_back(r->version);
    }
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const GroupVersions& a, const GroupVersions& b) {
                     if (a.group.empty() != b.group.empty()) return a.group.empty();
                     return a.group < b.group;
                   });
  return groups;
}

}  // namespace tinyk8s::apiserver
