#pragma once
// EventRecorder writes core/v1 Events about objects, like upstream's record.EventRecorder with
// its EventCorrelator's aggregation of identical events: an event repeating (same involved
// object, type, reason, message, source) within the cache's memory PATCHes count and
// lastTimestamp on the Event already written instead of creating a new one.
//
// Asynchronous: Event() only queues; one background thread writes through the Client. When
// the queue is full the event is dropped with a log line, so callers never block on the API.
// Thread-safe.

#include <rapidjson/document.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "client/client.h"
#include "common/clock.h"

namespace tinyk8s::client {

inline constexpr std::string_view kEventTypeNormal = "Normal";
inline constexpr std::string_view kEventTypeWarning = "Warning";

struct EventRecorderOptions {
  std::string component;  // source.component and reportingComponent, e.g. "daemonset-controller"
  std::string host;       // source.host (optional)
  std::string reporting_instance;  // reportingInstance (optional)
  size_t queue_size = 1000;        // pending events before dropping
  size_t cache_size = 4096;        // distinct events remembered for aggregation (LRU)
};

// ObjectReference: the involvedObject of an Event.
struct ObjectReference {
  std::string api_version, kind, ns, name, uid, resource_version, field_path;
  // From an object's apiVersion, kind and metadata.
  static ObjectReference Of(const rapidjson::Value& obj);
};

class EventRecorder {
 public:
  // `client` and `clock` must outlive the recorder.
  EventRecorder(Client& client, const Clock& clock, EventRecorderOptions options);
  ~EventRecorder();  // flushes what is queued (bounded by request timeouts), then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Event records an event about `obj` (type kEventTypeNormal or kEventTypeWarning, reason in
  // UpperCamelCase, message human readable). Never blocks on the network.
  void Event(const rapidjson::Value& obj, std::string_view type, std::string_view reason,
             std::string_view message);
  void Event(const ObjectReference& ref, std::string_view type, std::string_view reason,
             std::string_view message);
  // With its own source host (and reportingInstance), for a recorder that speaks for several
  // hosts: the node agent's simulated kubelets.
  void Event(const ObjectReference& ref, std::string_view type, std::string_view reason,
             std::string_view message, std::string_view host);
  // EventAt records an event that happened at `time` (earlier than now): the scheduler's
  // Scheduled dates from before the binding, so that it sorts before what the kubelet says
  // about the bound pod.
  void EventAt(Clock::TimePoint time, const ObjectReference& ref, std::string_view type,
               std::string_view reason, std::string_view message);

  // Flush waits until every event queued before the call has been written (or dropped); for
  // tests and orderly shutdown. false on timeout.
  bool Flush(std::chrono::milliseconds timeout);

  // Counters for tests: events created, patched (aggregated), dropped, failed.
  struct Stats {
    int64_t created = 0, patched = 0, dropped = 0, failed = 0;
  };
  Stats stats() const;

 private:
  struct Pending {
    ObjectReference ref;
    std::string type, reason, message;
    std::string host;  // empty: options_.host
    Clock::TimePoint time;
  };
  struct Aggregate {
    std::string event_ns, event_name;
    int64_t count = 0;
    std::string first_timestamp;
    std::list<std::string>::iterator lru;
  };
  void Enqueue(Pending p);
  void Run();
  void Write(const Pending& p);

  Client& client_;
  const Clock& clock_;
  EventRecorderOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  uint64_t enqueued_ = 0, written_ = 0;  // sequence numbers for Flush
  Stats stats_;

  // Aggregation cache, touched only by the writer thread.
  std::unordered_map<std::string, Aggregate> cache_;
  std::list<std::string> lru_;  // most recent first

  std::thread thread_;
};

}  // namespace tinyk8s::client
