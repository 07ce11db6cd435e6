#pragma once
// Reconciliation of the bootstrap RBAC policy with what a data dir holds (cf. upstream
// pkg/registry/rbac/reconciliation, run by kube-apiserver at every start). Pure functions over
// JSON objects: the caller reads the existing object and writes the result.
//
// An existing object whose annotation rbac.authorization.kubernetes.io/autoupdate is "false" is
// protected: the result says what would change, and nothing is written. Otherwise:
// - labels and annotations: keys the expected object has and the existing one lacks are added;
//   values the user set win.
// - ClusterRole rules: expected permissions no existing rule covers are appended (broken down
//   and merged by verbs); rules the user added stay (union, never removal). A role that
//   aggregates (has an aggregationRule) gets missing selectors appended instead: its rules are
//   computed by the aggregation controller from the roles it selects, as upstream's bootstrap
//   aggregated roles carry no rules of their own.
// - ClusterRoleBinding subjects: missing subjects are appended, extra ones stay. A different
//   roleRef cannot be updated: the binding is recreated with the expected roleRef.

#include <rapidjson/document.h>

namespace tinyk8s::apiserver::auth {

inline constexpr const char* kAutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";

enum class ReconcileOperation { kNone, kCreate, kUpdate, kRecreate };

struct ReconcileResult {
  ReconcileOperation operation = ReconcileOperation::kNone;
  // The existing object opted out (autoupdate "false"): `operation` is not to be performed.
  bool is_protected = false;
  // The object to write: `expected` for kCreate, else the existing object with what it lacks.
  rapidjson::Document object;
};

// `existing` is null when the object does not exist yet.
ReconcileResult ReconcileClusterRole(const rapidjson::Value* existing,
                                     const rapidjson::Value& expected);
ReconcileResult ReconcileClusterRoleBinding(const rapidjson::Value* existing,
                                            const rapidjson::Value& expected);

}  // namespace tinyk8s::apiserver::auth
