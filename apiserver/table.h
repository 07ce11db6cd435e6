#pragma once
// Server-side Table output (meta.k8s.io/v1 Table) for `kubectl get`: columns and cells come from
// the resource's Strategy; rows carry the object as the client asked (includeObject).

#include <string>
#include <vector>

#include "apiserver/resource.h"
#include "apiserver/watch_cache.h"

namespace tinyk8s::apiserver {

enum class IncludeObject { kNone, kMetadata, kObject };

// WantsTable: the Accept header asks for as=Table.
bool WantsTable(const std::string& accept);
IncludeObject ParseIncludeObject(const std::string& value);

struct TableOptions {
  IncludeObject include = IncludeObject::kMetadata;
  bool column_definitions = true;
  std::string resource_version;
  std::string continue_token;
  int64_t remaining = -1;
};

std::string RenderTable(const ResourceInfo& r, const std::vector<CachedPtr>& objects,
                        const TableOptions& options, Clock::TimePoint now);

inline const char* kTableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

}  // namespace tinyk8s::apiserver
