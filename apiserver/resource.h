#pragma once
// ResourceInfo and Strategy: the registry's table entry for one served resource, and the small
// per-kind behaviour the generic handlers call (cf. upstream pkg/registry/<group>/<kind>/
// strategy.go). Handlers, discovery, tables and field selectors are generic over these.

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace tinyk8s::apiserver {

struct TableColumn {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  int priority = 0;  // 1 = only with -o wide
};

class ObjectLookup;

// Context handed to strategies: the clock and a way to read other objects (admission needs
// e.g. PriorityClasses). Valid only during the call.
struct StrategyContext {
  const Clock& clock;
  ObjectLookup* lookup = nullptr;
};

// Strategy is the per-kind behaviour. Every method has a sensible default so that a simple kind
// needs only columns. Implementations are stateless and thread-safe.
class Strategy {
 public:
  virtual ~Strategy() = default;

  // Default applies upstream defaulting (create, and update of the main resource).
  virtual void Default(rapidjson::Document& /*obj*/) const {}
  // Admit runs mutating/validating admission on create (priority, tolerations, ...). A non-OK
  // status is returned to the client as is.
  virtual Status AdmitCreate(rapidjson::Document& /*obj*/, StrategyContext& /*ctx*/) const {
    return Status::OK();
  }
  virtual Status AdmitUpdate(rapidjson::Document& /*obj*/, const rapidjson::Value& /*old*/,
                             StrategyContext& /*ctx*/) const {
    return Status::OK();
  }
  // PrepareForCreate resets fields a client may not set (status for most kinds).
  virtual void PrepareForCreate(rapidjson::Document& obj, StrategyContext& ctx) const;
  // PrepareForUpdate carries over what a main-resource update may not change (status).
  virtual void PrepareForUpdate(rapidjson::Document& obj, const rapidjson::Value& old) const;
  // PrepareForStatusUpdate carries over everything but status (status subresource writes).
  virtual void PrepareForStatusUpdate(rapidjson::Document& obj, const rapidjson::Value& old) const;
  virtual std::vector<FieldError> Validate(const rapidjson::Value& /*obj*/) const { return {}; }
  virtual std::vector<FieldError> ValidateUpdate(const rapidjson::Value& /*obj*/,
                                                 const rapidjson::Value& /*old*/) const {
    return {};
  }
  // ValidateName returns problems with metadata.name (default: DNS-1123 subdomain).
  virtual std::vector<std::string> ValidateName(std::string_view name) const;
  // HasStatus: the kind has a status subresource and main-resource writes keep the old status.
  virtual bool HasStatus() const { return false; }
  // TracksGeneration: metadata.generation starts at 1 and bumps when anything outside
  // metadata and status changes.
  virtual bool TracksGeneration() const { return false; }
  // AllowCreateOnUpdate: PUT of a missing object creates it (upstream: Lease, Event, ...).
  virtual bool AllowCreateOnUpdate() const { return false; }
  // AllowUnconditionalUpdate: PUT without resourceVersion is allowed.
  virtual bool AllowUnconditionalUpdate() const { return true; }

  // Graceful deletion: returns the grace period (seconds) a DELETE should apply, or nullopt
  // for immediate deletion. `requested` is the client's gracePeriodSeconds, if any.
  virtual std::optional<int64_t> GracePeriod(const rapidjson::Value& /*obj*/,
                                             std::optional<int64_t> /*requested*/) const {
    return std::nullopt;
  }
  // ValidateDelete may refuse a DELETE (protected namespaces).
  virtual Status ValidateDelete(const rapidjson::Value& /*obj*/) const { return Status::OK(); }
  // KeepOnDelete lets a kind keep the object on DELETE (e.g. namespaces become Terminating);
  // returns true if the object must stay (it has been modified in place).
  virtual bool KeepOnDelete(rapidjson::Document& /*obj*/, StrategyContext& /*ctx*/) const {
    return false;
  }
  // PendingFinalizers: kind-specific finalizers (namespace spec.finalizers) that also keep a
  // deleted object alive.
  virtual bool HasKindFinalizers(const rapidjson::Value& /*obj*/) const { return false; }

  // Table columns and the cells of one row (as a JSON array written into `cells`).
  virtual std::vector<TableColumn> Columns() const;
  virtual void Cells(const rapidjson::Value& obj, Clock::TimePoint now, rapidjson::Value& cells,
                     rapidjson::Document::AllocatorType& a) const;

  // Field selector support: the value of `field` for obj, or nullopt if the field is not
  // supported for this kind (-> 400 "field label not supported").
  virtual std::optional<std::string> FieldValue(const rapidjson::Value& obj,
                                                std::string_view field) const;
};

// ObjectConverter turns objects of a resource that is a view of another resource's store
// (events.k8s.io/v1 Event over core/v1 Event) into the stored form and back. Stateless.
class ObjectConverter {
 public:
  virtual ~ObjectConverter() = default;
  // ToStored rewrites an object of the view (apiVersion included) into the stored form.
  virtual void ToStored(rapidjson::Document& obj) const = 0;
  // FromStored rewrites a stored object into the view's form.
  virtual void FromStored(rapidjson::Document& obj) const = 0;
};

struct SubresourceInfo {
  std::string name;     // status, binding, eviction, finalize
  std::string kind;     // response kind
  std::string group;    // only when different from the parent (eviction: policy)
  std::string version;  // only when different from the parent
  std::vector<std::string> verbs;
};

struct ResourceInfo {
  std::string group;  // "" for core
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> verbs;
  std::vector<SubresourceInfo> subresources;
  const Strategy* strategy = nullptr;
  // A view of another resource's objects: they live under that resource's key prefix and
  // `converter` translates them on the way in and out. Empty / null for ordinary resources.
  std::string stored_prefix;
  const ObjectConverter* converter = nullptr;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string ListKind() const { return kind + "List"; }
  // GroupResource renders "daemonsets.apps" or "pods" (used in error messages).
  std::string GroupResource() const { return group.empty() ? plural : plural + "." + group; }
  // KeyPrefix is the storage prefix of all objects: "/registry/apps/daemonsets/".
  std::string KeyPrefix() const;
  // OwnKeyPrefix is the prefix the resource's objects would have in a store of its own; for a
  // view it differs from KeyPrefix (older data dirs kept the view's objects there).
  std::string OwnKeyPrefix() const;
  // NamespacePrefix is the prefix of objects in one namespace ("" namespace = all).
  std::string NamespacePrefix(const std::string& ns) const;
  std::string Key(const std::string& ns, const std::string& name) const;
  const SubresourceInfo* FindSubresource(std::string_view name) const;
};

// Shared helpers for strategies.
std::string HumanDuration(Clock::TimePoint since, Clock::TimePoint now);
std::string AgeCell(const rapidjson::Value& obj, Clock::TimePoint now);
std::vector<TableColumn> NameAgeColumns();

}  // namespace tinyk8s::apiserver
