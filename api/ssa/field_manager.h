#pragma once
// Field ownership for server-side apply (upstream k8s.io/apimachinery/pkg/util/managedfields
// and structured-merge-diff merge.Updater), over metadata.managedFields:
// - RecordUpdate: a create, update or non-apply patch by a manager takes ownership of the
//   fields it added or changed, away from every other manager; removed fields are owned by no
//   one any more.
// - Apply: merges an applied configuration into the live object; fields the manager applied
//   before and no longer applies are removed unless another manager owns them; changing a field
//   another manager owns is a conflict (409) unless forced, which moves the ownership.
// Also upstream's kubectl client-side-apply bridge: an apply by manager "kubectl" may take over
// fields that still match the last-applied-configuration annotation, and keeps that annotation
// up to date.
//
// Stateless; thread-safe.

#include <rapidjson/document.h>

#include <string>

#include "api/schema/schema.h"
#include "api/ssa/field_set.h"
#include "common/status.h"

namespace tinyk8s::api::ssa {

inline constexpr char kLastAppliedAnnotation[] = "kubectl.kubernetes.io/last-applied-configuration";

struct Operation {
  std::string manager;
  std::string api_version;  // of the request: "apps/v1"
  std::string subresource;  // "" or "status"
  std::string now;          // RFC 3339 time recorded on entries this operation changes
};

// Fields no manager owns: apiVersion, kind and the identity metadata the server sets (upstream
// stripMeta: name, namespace, uid, resourceVersion, generation, creationTimestamp, ...).
const FieldSet& StrippedFields();

// Records an Update operation: `updated` (about to be stored) replaces `live` (nullptr on
// create). Sets updated's metadata.managedFields. Fields in `ignored` (see StrippedFields; plus
// the fields the request may not change, e.g. status on the main resource) are not tracked.
// Managed fields in `updated` are honoured when they are set and differ (clients may edit or
// reset them with `[]`), except for subresource writes.
void RecordUpdate(const schema::Type* type, const rapidjson::Value* live,
                  rapidjson::Document& updated, const Operation& op, const FieldSet& ignored);

// Applies `config` (an object, already validated) on behalf of op.manager to `live` (an object
// with just apiVersion/kind/metadata when creating) and returns the new object with its
// managedFields. A no-op apply returns `live` unchanged (entry times included).
// Errors: kConflict with one FieldManagerConflict cause per field and upstream's message
// ("Apply failed with 1 conflict: conflict with \"m\" using apps/v1: .spec.x"), unless `force`;
// kBadRequest when config sets metadata.managedFields.
Result<rapidjson::Document> Apply(const schema::Type* type, const rapidjson::Value& live,
                                  const rapidjson::Value& config, const Operation& op, bool force,
                                  const FieldSet& ignored);

}  // namespace tinyk8s::api::ssa
