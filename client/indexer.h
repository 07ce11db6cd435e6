#pragma once
// Indexer: the informer cache. A thread-safe map ObjectKey -> immutable object, plus named
// secondary indexes computed by index functions (upstream cache.Indexer / threadSafeMap).
// Objects are shared_ptr<const Document>: readers keep them as long as they like, the cache
// replaces rather than mutates them.
//
// Thread-safe: many readers, one writer (the informer); reads never block on the network.

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/resource.h"
#include "common/status.h"

namespace tinyk8s::client {

// IndexFunc returns the index values of an object (none, one or several).
using IndexFunc = std::function<std::vector<std::string>(const rapidjson::Value& obj)>;
using Indexers = std::map<std::string, IndexFunc>;

// Standard index names and functions.
inline constexpr std::string_view kNamespaceIndex = "namespace";  // metadata.namespace
inline constexpr std::string_view kNodeNameIndex = "nodeName";    // spec.nodeName (pods)
inline constexpr std::string_view kOwnerUidIndex = "ownerUid";    // controller ownerRef uid
std::vector<std::string> NamespaceIndexFunc(const rapidjson::Value& obj);
std::vector<std::string> NodeNameIndexFunc(const rapidjson::Value& obj);  // none if unset
std::vector<std::string> ControllerUidIndexFunc(const rapidjson::Value& obj);
// LabelIndexFunc indexes by the value of one label (objects without it are not indexed).
IndexFunc LabelIndexFunc(std::string label_key);

class Indexer {
 public:
  // The namespace index is always present.
  Indexer();
  Indexer(const Indexer&) = delete;
  Indexer& operator=(const Indexer&) = delete;

  // AddIndexers adds indexes and builds them over the current content. kAlreadyExists if a
  // name is taken.
  Status AddIndexers(const Indexers& indexers);
  bool HasIndex(std::string_view name) const;

  // Get returns the object with `key`, or nullptr.
  ObjectPtr Get(const ObjectKey& key) const;
  ObjectPtr Get(std::string_view ns, std::string_view name) const {
    return Get({std::string(ns), std::string(name)});
  }
  // List returns every object (unordered).
  std::vector<ObjectPtr> List() const;
  std::vector<ObjectKey> ListKeys() const;
  // ByIndex returns the objects whose index function yields `value`. Empty for an unknown
  // index (check HasIndex).
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const;
  std::vector<ObjectKey> IndexKeys(std::string_view index, std::string_view value) const;
  size_t size() const;

  // Mutators, used by the informer (and by tests to pre-fill a cache, like upstream's
  // informer.GetIndexer().Add in controller tests).
  // Upsert stores `obj` under its key and returns the previous object (or nullptr).
  ObjectPtr Upsert(ObjectPtr obj);
  // Remove deletes `key` and returns the object it held (or nullptr).
  ObjectPtr Remove(const ObjectKey& key);
  // Replace swaps the whole content.
  void Replace(std::vector<ObjectPtr> objects);

 private:
  void IndexLocked(const ObjectKey& key, const rapidjson::Value* old_obj,
                   const rapidjson::Value* new_obj);

  mutable std::shared_mutex mu_;
  std::unordered_map<ObjectKey, ObjectPtr> items_;
  Indexers indexers_;
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::unordered_set<ObjectKey>>, std::less<>>
      indices_;
};

}  // namespace tinyk8s::client
