#pragma once
// Client: the API verbs a co-process needs (get, list, create, update, patch, delete, watch and
// subresources), over any Kubernetes API server. RestClient (rest_client.h) talks HTTP(S);
// FakeClient (tests/fakes/fake_client.h) keeps objects in memory for controller unit tests.
//
// Errors are Status values built from the server's metav1.Status: the code comes from
// `reason` (NotFound, AlreadyExists, Conflict, Invalid, Expired -> kGone, Forbidden,
// TooManyRequests, ...) or the HTTP code, message() is the server's message, details() its
// {name, group, kind} and field_errors() its causes ({type = cause reason, field, message}),
// so callers can see e.g. a "NamespaceTerminating" cause on a Forbidden create. Transport
// failures are kUnavailable (connection refused/reset) or kTimeout.
//
// Implementations are safe for concurrent use by many threads.

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/resource.h"
#include "common/status.h"

namespace tinyk8s::client {

// ObjectTransform edits a decoded object before it is stored or delivered (upstream informer
// transforms): e.g. a process drops the fields none of its controllers read.
using ObjectTransform = std::function<void(rapidjson::Value& obj)>;

struct ListOptions {
  std::string label_selector;  // "app=x,tier!=db"
  std::string field_selector;  // "spec.nodeName=node01"
  // "" = most recent (consistent read); "0" = any cached state is fine.
  std::string resource_version;
  // Page size used internally: List always returns every item, fetching pages of this size
  // and following `continue` tokens (0 = one unpaged request). If a continue token expires
  // mid-way (410), the list restarts from scratch once.
  int64_t page_size = 500;
  // Drop metadata.managedFields from the items (informers: no controller reads them, and
  // server-side apply makes them a large part of an object; upstream informers drop them with
  // a transform).
  bool drop_managed_fields = false;
  // Applied to every item after drop_managed_fields (empty = none). FakeClient ignores it.
  ObjectTransform transform;
};

// ObjectList is a complete list result: the items and the list's resourceVersion (to start a
// watch from).
struct ObjectList {
  std::string resource_version;
  std::vector<ObjectPtr> items;
};

struct WatchOptions {
  // Watch changes after this version. "" or "0" = start with synthetic ADDED events for the
  // current state (upstream semantics).
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  // Server-side timeout: the server ends the stream after this many seconds (0 = server
  // default). Informers use a randomised value so all watches do not restart together.
  int64_t timeout_seconds = 0;
  // As ListOptions::drop_managed_fields and ::transform, for the events' objects.
  bool drop_managed_fields = false;
  ObjectTransform transform;
};

enum class PatchType {
  kMerge,      // application/merge-patch+json (RFC 7386)
  kJson,       // application/json-patch+json (RFC 6902)
  kStrategic,  // application/strategic-merge-patch+json
  kApply,      // application/apply-patch+yaml (server-side apply; needs field_manager)
};

struct WriteOptions {
  std::string field_manager;  // ?fieldManager=
  bool dry_run = false;       // ?dryRun=All
  bool force = false;         // ?force=true (apply only)
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  std::string propagation_policy;  // "", "Orphan", "Background", "Foreground"
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };
const char* WatchEventTypeName(WatchEventType t);  // "ADDED", ...

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // The object (kDeleted: its last state; kBookmark: an object with only kind/apiVersion and
  // metadata.resourceVersion; kError: the metav1.Status object).
  ObjectPtr object;
  // kError only: the Status decoded from `object` (e.g. kGone for 410 Expired: re-list).
  Status error;
};

// WatchStream delivers the events of one watch request in order. Owned by the caller; Next is
// called by one thread at a time, Stop by any thread (it wakes a blocked Next).
class WatchStream {
 public:
  enum class NextResult { kEvent, kTimeout, kEnd };
  virtual ~WatchStream() = default;

  // Next waits up to `timeout` for the next event. kEnd means the stream is over for good
  // (server closed it, timeoutSeconds elapsed, transport error or Stop()); see status().
  virtual NextResult Next(WatchEvent* event, std::chrono::milliseconds timeout) = 0;
  // Next without timeout: true with an event, false at the end of the stream.
  bool Next(WatchEvent* event) {
    for (;;) {
      NextResult r = Next(event, std::chrono::hours(1));
      if (r == NextResult::kEvent) return true;
      if (r == NextResult::kEnd) return false;
    }
  }
  // Stop ends the stream; pending and future Next calls return kEnd. Idempotent.
  virtual void Stop() = 0;
  // Why the stream ended: OK for a normal end (server closed after timeoutSeconds, Stop()),
  // else the transport or decoding error. Meaningful after Next returned kEnd.
  virtual Status status() const = 0;
};

class Client {
 public:
  virtual ~Client() = default;

  // For every call, `ns` is the namespace for namespaced resources ("" on a collection call
  // means all namespaces) and ignored for cluster-scoped ones. Bodies are JSON objects.

  // Get returns one object. kNotFound if absent.
  virtual Result<ObjectPtr> Get(const Resource& r, std::string_view ns, std::string_view name) = 0;
  // Get on a subresource (e.g. "status", "scale").
  virtual Result<ObjectPtr> GetSubresource(const Resource& r, std::string_view ns,
                                           std::string_view name, std::string_view subresource) = 0;

  // List returns all matching objects (pages followed internally). kBadRequest for a bad
  // selector, kGone if resource_version is too old.
  virtual Result<ObjectList> List(const Resource& r, std::string_view ns,
                                  const ListOptions& options = {}) = 0;

  // Create creates `obj` in `ns` (if ns is empty, metadata.namespace of obj is used).
  // kAlreadyExists, kInvalid (field_errors set), kForbidden (e.g. namespace terminating:
  // a cause of type "NamespaceTerminating"), kNotFound (namespace missing).
  virtual Result<ObjectPtr> Create(const Resource& r, std::string_view ns,
                                   const rapidjson::Value& obj,
                                   const WriteOptions& options = {}) = 0;

  // CreateSubresource POSTs `body` to a subresource: pods/binding, pods/eviction. Returns the
  // response body (a Status object for binding and eviction). Eviction blocked by a disruption
  // budget is kTooManyRequests.
  virtual Result<ObjectPtr> CreateSubresource(const Resource& r, std::string_view ns,
                                              std::string_view name, std::string_view subresource,
                                              const rapidjson::Value& body) = 0;

  // Update PUTs `obj` (namespace and name taken from its metadata); `subresource` is "" or
  // "status". With metadata.resourceVersion set this is a compare-and-swap: kConflict when
  // the object changed meanwhile. kNotFound if absent.
  virtual Result<ObjectPtr> Update(const Resource& r, const rapidjson::Value& obj,
                                   std::string_view subresource = "",
                                   const WriteOptions& options = {}) = 0;

  // Patch applies `patch` (JSON text; YAML or JSON for kApply) and returns the new object.
  virtual Result<ObjectPtr> Patch(const Resource& r, std::string_view ns, std::string_view name,
                                  PatchType type, std::string_view patch,
                                  std::string_view subresource = "",
                                  const WriteOptions& options = {}) = 0;

  // Delete deletes one object. Returns the response body: the object itself when deletion is
  // graceful or blocked by finalizers (it still exists, with deletionTimestamp), else a
  // Success Status object. kNotFound if absent; kConflict if a precondition fails.
  virtual Result<ObjectPtr> Delete(const Resource& r, std::string_view ns, std::string_view name,
                                   const DeleteOptions& options = {}) = 0;

  // Watch opens a watch stream. Fails with the server's error if the request is refused
  // (kBadRequest selector, kForbidden, ...). A too-old resource_version is NOT a failure here:
  // like upstream the stream carries one kError event with kGone.
  virtual Result<std::unique_ptr<WatchStream>> Watch(const Resource& r, std::string_view ns,
                                                     const WatchOptions& options = {}) = 0;
};

}  // namespace tinyk8s::client
