#pragma once
// ObjectLookup: read access to current objects for admission and strategies (served from the
// watch cache, so it never touches storage). Thread-safe.

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

namespace tinyk8s::apiserver {

struct ResourceInfo;

class ObjectLookup {
 public:
  virtual ~ObjectLookup() = default;
  virtual std::shared_ptr<const rapidjson::Document> Find(const ResourceInfo& resource,
                                                          const std::string& ns,
                                                          const std::string& name) = 0;
  // FindCurrent is Find after the cache has caught up with storage (read-your-writes, as a
  // GET): for an object that may have been written an instant ago.
  virtual std::shared_ptr<const rapidjson::Document> FindCurrent(const ResourceInfo& resource,
                                                                 const std::string& ns,
                                                                 const std::string& name) = 0;
  // List returns all objects of a resource in a namespace ("" = all namespaces).
  virtual std::vector<std::shared_ptr<const rapidjson::Document>> FindAll(
      const ResourceInfo& resource, const std::string& ns) = 0;
  // Resource finds a registered resource by group and plural (nullptr if unknown).
  virtual const ResourceInfo* Resource(const std::string& group, const std::string& plural) = 0;
};

}  // namespace tinyk8s::apiserver
