#pragma once
// FieldSet: a set of field paths in an object (upstream sigs.k8s.io/structured-merge-diff
// fieldpath.Set), stored as a trie keyed by FieldsV1 path-element tokens:
//   f:<name>        a struct field or map key
//   k:{"name":"x"}  an item of an associative list (keys sorted, JSON values)
//   v:<json>        an item of a set list
//   i:<n>           an item of an atomic-by-index list (only read from clients)
// A node is a *member* when the path itself is in the set (FieldsV1 `".":{}` for nodes that
// also have children, `{}` for leaves).
//
// Value type; not thread-safe for concurrent mutation.

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tinyk8s::api::ssa {

using Path = std::vector<std::string>;  // tokens from the root

class FieldSet {
 public:
  bool Empty() const { return !member_ && children_.empty(); }
  bool member() const { return member_; }
  void set_member(bool m) { member_ = m; }

  // The child for `token`, created when missing.
  FieldSet& Child(std::string_view token);
  const FieldSet* Find(std::string_view token) const;
  void Erase(std::string_view token);
  const std::map<std::string, FieldSet, std::less<>>& children() const { return children_; }

  void Insert(const Path& path);
  bool Has(const Path& path) const;
  // Inserts `other` below `prefix`.
  void InsertAt(const Path& prefix, const FieldSet& other);

  void UnionWith(const FieldSet& other);
  // Removes other's members (not their descendants), like upstream Set.Difference.
  void Subtract(const FieldSet& other);
  // Removes other's members and, below each, every descendant (Set.RecursiveDifference).
  void SubtractRecursive(const FieldSet& other);
  FieldSet Intersection(const FieldSet& other) const;

  // Calls f for each member path, in token order.
  void ForEachMember(const std::function<void(const Path&)>& f) const;
  size_t MemberCount() const;

  // FieldsV1 encoding.
  rapidjson::Value ToJson(rapidjson::Document::AllocatorType& a) const;
  std::string ToJsonString() const;
  // Errors: kBadRequest for malformed FieldsV1 (non-objects, unknown token prefixes).
  static Result<FieldSet> FromJson(const rapidjson::Value& v);

  bool operator==(const FieldSet& other) const;

 private:
  void Prune();  // drops empty children
  void ForEachMemberFrom(Path& prefix, const std::function<void(const Path&)>& f) const;

  bool member_ = false;
  std::map<std::string, FieldSet, std::less<>> children_;
};

// Renders a path the way upstream prints it in conflicts:
// .spec.template.spec.containers[name="node-exporter"].image
std::string PathString(const Path& path);

// Token helpers.
std::string FieldToken(std::string_view name);

}  // namespace tinyk8s::api::ssa
