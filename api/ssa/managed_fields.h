#pragma once
// metadata.managedFields: one entry per (manager, operation, subresource) — and apiVersion for
// Update entries, as upstream keys them — with the set of fields that manager owns.

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "api/ssa/field_set.h"

namespace tinyk8s::api::ssa {

struct ManagedFieldsEntry {
  std::string manager;
  bool apply = false;  // operation Apply (else Update)
  std::string api_version;
  std::string time;  // RFC 3339, may be empty
  std::string subresource;
  FieldSet fields;

  // Whether two entries are the same manager identity (upstream BuildManagerIdentifier).
  bool SameIdentity(const ManagedFieldsEntry& other) const;
  // How conflicts name the manager: "kubectl" for Apply entries, `"kubectl-client-side-apply"
  // using apps/v1` for Update entries (with subresource when set).
  std::string Describe() const;
};

using ManagedFields = std::vector<ManagedFieldsEntry>;

// Reads metadata.managedFields of `obj`; absent is empty. Errors: kBadRequest naming the
// problem (not a list, unknown operation or fieldsType, malformed FieldsV1).
Result<ManagedFields> ReadManagedFields(const rapidjson::Value& obj);

// Whether the request asks to clear managedFields (`[]` or `[{}]`, upstream
// isResetManagedFields).
bool IsResetManagedFields(const rapidjson::Value& obj);

// Writes `fields` to metadata.managedFields, dropping entries with empty sets and sorting as
// upstream does (Apply first, then by time, manager, apiVersion, subresource). An empty list
// removes the member.
void WriteManagedFields(ManagedFields fields, rapidjson::Value& obj,
                        rapidjson::Document::AllocatorType& a);

}  // namespace tinyk8s::api::ssa
