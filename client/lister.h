#pragma once
// Lister: read-only typed views over an informer's Indexer (upstream listers): get by key,
// list by label selector, by namespace, by index. Cheap to copy; safe for concurrent use; the
// Indexer must outlive it. Returned objects are immutable snapshots.

#include <string_view>
#include <vector>

#include "api/labels.h"
#include "client/indexer.h"

namespace tinyk8s::client {

class Lister {
 public:
  explicit Lister(const Indexer& indexer) : indexer_(&indexer) {}

  // Get returns the object, or nullptr if the cache does not have it (= deleted for a
  // controller). `ns` is "" for cluster-scoped kinds.
  ObjectPtr Get(std::string_view ns, std::string_view name) const {
    return indexer_->Get(ns, name);
  }
  ObjectPtr Get(const ObjectKey& key) const { return indexer_->Get(key); }
  // List returns all objects matching `selector` (all objects for the empty selector).
  std::vector<ObjectPtr> List(const api::LabelSelector& selector = {}) const;
  // ListNamespace returns the objects of one namespace matching `selector`.
  std::vector<ObjectPtr> ListNamespace(std::string_view ns,
                                       const api::LabelSelector& selector = {}) const;
  // ByIndex: see Indexer::ByIndex.
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const {
    return indexer_->ByIndex(index, value);
  }
  const Indexer& indexer() const { return *indexer_; }

 private:
  const Indexer* indexer_;
};

}  // namespace tinyk8s::client
