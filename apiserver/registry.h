#pragma once
// Registry: the table of served resources. Built once at start (builtin_resources.cc) and
// read-only afterwards, so it is safe to share between threads without locks.

#include <memory>
#include <string>
#include <vector>

#include "apiserver/resource.h"

namespace tinyk8s::apiserver {

struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;  // preferred first
};

class Registry {
 public:
  // Add registers a resource; the registry keeps the strategy alive.
  void Add(ResourceInfo info, std::unique_ptr<Strategy> strategy);
  // AddView registers a resource served from `stored`'s objects through `converter`.
  void AddView(ResourceInfo info, std::unique_ptr<Strategy> strategy, const ResourceInfo& stored,
               std::unique_ptr<ObjectConverter> converter);

  const ResourceInfo* Find(const std::string& group, const std::string& version,
                           const std::string& plural) const;
  const ResourceInfo* FindByGroupResource(const std::string& group,
                                          const std::string& plural) const;
  const ResourceInfo* FindByKind(const std::string& group, const std::string& kind) const;
  const std::vector<std::unique_ptr<ResourceInfo>>& resources() const { return resources_; }
  // Groups in discovery order: core ("") first, then by name.
  std::vector<GroupVersions> Groups() const;

 private:
  std::vector<std::unique_ptr<ResourceInfo>> resources_;
  std::vector<std::unique_ptr<Strategy>> strategies_;
  std::vector<std::unique_ptr<ObjectConverter>> converters_;
};

class ServiceAllocator;
// RegisterBuiltinResources fills the registry with every kind tinyk8s serves. Services get
// their addresses from `service_allocator` (not owned; null: none are allocated).
// `service_account_admission`: pods go through ServiceAccount admission
// (strategies/pod_service_account.h); off, they only get serviceAccountName defaulted.
void RegisterBuiltinResources(Registry& registry, ServiceAllocator* service_allocator = nullptr,
                              bool service_account_admission = true);

}  // namespace tinyk8s::apiserver
