#pragma once
// Store: a revisioned key/value log with etcd semantics. The API server keeps every object here
// under keys like "/registry/apps/daemonsets/<ns>/<name>"; resourceVersion *is* the revision.
//
// Rules (etcd v3):
//  - One global revision, strictly increasing; every successful write (create, update, delete)
//    gets the next revision. Failed writes consume no revision.
//  - Each key remembers create_revision (when it last came into existence) and mod_revision
//    (its last write). Update/Delete are compare-and-swap on mod_revision.
//  - History is retained until Compact(rev): reads and watches at revisions >= the compacted
//    revision work; older ones fail with kGone.
//
// Implementations are safe for concurrent use from any number of threads. Writes return only
// when durable (per the implementation's durability setting).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace tinyk8s::storage {

using Revision = int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
};

enum class EventType { kPut, kDelete };

// WatchEvent describes one write. For kPut, kv is the new state (kv.create_revision ==
// kv.mod_revision means the key was created) and prev is the state before (absent on create).
// For kDelete, kv.key is the key, kv.mod_revision the revision of the delete, kv.value empty,
// and prev the last value before deletion.
struct WatchEvent {
  EventType type = EventType::kPut;
  KeyValue kv;
  std::optional<KeyValue> prev;
};

struct ListOptions {
  // Read at this revision; 0 means the current revision.
  Revision revision = 0;
  // Max items to return; 0 means no limit.
  int64_t limit = 0;
  // Return only keys strictly greater than this (the continue position); empty = from the start.
  std::string start_after;
};

struct ListResult {
  std::vector<KeyValue> items;  // ordered by key
  Revision revision = 0;        // the revision the list was read at
  bool more = false;            // true if keys remain after the last item
  int64_t remaining = 0;        // count of keys left after the last item (approximate allowed)
};

// Watch is a subscription to writes under a prefix. Events are delivered in revision order.
// A watcher that falls too far behind (its bounded buffer fills up) is closed with kGone
// ("too slow") so that it can re-list; the writer never waits for watchers.
// Thread-safe: one consumer thread calls Next/Closed; any thread may call Cancel.
class Watch {
 public:
  virtual ~Watch() = default;
  // Next waits up to `timeout` for events, moves any available ones into *out (appending) and
  // returns OK. Returns a non-OK status once the watch is closed (kCancelled after Cancel,
  // kGone when too slow or when the start revision was compacted) and no events remain.
  virtual Status Next(std::vector<WatchEvent>* out, std::chrono::milliseconds timeout) = 0;
  // Cancel stops the watch; a blocked Next returns promptly.
  virtual void Cancel() = 0;
  // SetNotify registers a callback invoked (from the writer's fan-out thread, quickly, without
  // holding store locks) whenever new events or a close are available. Optional; lets an event
  // loop avoid a blocking Next. Must be called before events are expected.
  virtual void SetNotify(std::function<void()> notify) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Get returns the current value of key, or kNotFound.
  virtual Result<KeyValue> Get(const std::string& key) = 0;

  // List returns keys with the given prefix, in key order, as of options.revision.
  // kGone if options.revision is compacted; kInvalid if it is in the future.
  virtual Result<ListResult> List(const std::string& prefix, const ListOptions& options) = 0;

  // Count returns the number of live keys under prefix at the current revision.
  virtual Result<int64_t> Count(const std::string& prefix) = 0;

  // Create writes key if absent (kAlreadyExists otherwise) and returns the new KeyValue.
  virtual Result<KeyValue> Create(const std::string& key, std::string value) = 0;

  // Update replaces key's value if its mod_revision equals expected_mod_revision
  // (kConflict otherwise, kNotFound if absent). expected_mod_revision 0 = unconditional.
  virtual Result<KeyValue> Update(const std::string& key, std::string value,
                                  Revision expected_mod_revision) = 0;

  // Delete removes key if its mod_revision equals expected_mod_revision (0 = unconditional).
  // Returns the last KeyValue before deletion with mod_revision set to the delete revision.
  virtual Result<KeyValue> Delete(const std::string& key, Revision expected_mod_revision) = 0;

  // Watch returns writes under prefix with revision > after_revision: first the retained
  // history, then live events. kGone if after_revision < compacted revision.
  virtual Result<std::unique_ptr<Watch>> WatchPrefix(const std::string& prefix,
                                                     Revision after_revision) = 0;

  // Compact discards history older than revision (keeps the latest value of every live key).
  virtual Status Compact(Revision revision) = 0;

  virtual Revision CurrentRevision() = 0;
  virtual Revision CompactedRevision() = 0;
};

}  // namespace tinyk8s::storage
