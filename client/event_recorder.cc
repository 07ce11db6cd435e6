#include "client/event_recorder.h"

#include <cstdio>

#include "api/json.h"
#include "api/meta.h"
#include "common/logging.h"

namespace tinyk8s::client {

ObjectReference ObjectReference::Of(const rapidjson::Value& obj) {
  ObjectReference r;
  r.api_version = api::ApiVersion(obj);
  r.kind = api::Kind(obj);
  r.ns = api::Namespace(obj);
  r.name = api::Name(obj);
  r.uid = api::Uid(obj);
  r.resource_version = api::ResourceVersion(obj);
  return r;
}

EventRecorder::EventRecorder(Client& client, const Clock& clock, EventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventRecorder::Event(const rapidjson::Value& obj, std::string_view type,
                          std::string_view reason, std::string_view message) {
  Event(ObjectReference::Of(obj), type, reason, message);
}

void EventRecorder::Event(const ObjectReference& ref, std::string_view type,
                          std::string_view reason, std::string_view message) {
  Event(ref, type, reason, message, options_.host);
}

void EventRecorder::Event(const ObjectReference& ref, std::string_view type,
                          std::string_view reason, std::string_view message,
                          std::string_view host) {
  Enqueue({ref, std::string(type), std::string(reason), std::string(message), std::string(host),
           clock_.Now()});
}

void EventRecorder::EventAt(Clock::TimePoint time, const ObjectReference& ref,
                            std::string_view type, std::string_view reason,
                            std::string_view message) {
  Enqueue({ref, std::string(type), std::string(reason), std::string(message), options_.host, time});
}

void EventRecorder::Enqueue(Pending p) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_size) {
      ++stats_.dropped;
      ++enqueued_;
      ++written_;
      TK_LOG_WARN << "event recorder: queue full, dropping event " << p.reason << " for "
                  << p.ref.kind << " " << p.ref.ns << "/" << p.ref.name << ": " << p.message;
      return;
    }
    queue_.push_back(std::move(p));
    ++enqueued_;
  }
  cv_.notify_all();
}

bool EventRecorder::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = enqueued_;
  return cv_.wait_for(lock, timeout, [&] { return written_ >= target; });
}

EventRecorder::Stats EventRecorder::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void EventRecorder::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and flushed
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Write(p);
    lock.lock();
    ++written_;
    cv_.notify_all();
  }
}

void EventRecorder::Write(const Pending& p) {
  const ObjectReference& ref = p.ref;
  // Events about cluster-scoped objects live in "default", like upstream.
  std::string event_ns = ref.ns.empty() ? "default" : ref.ns;
  std::string key;
  for (const std::string* part : std::initializer_list<const std::string*>{
           &ref.api_version, &ref.kind, &ref.ns, &ref.name, &ref.uid, &p.type, &p.reason,
           &p.message, &options_.component, &p.host}) {
    key += *part;
    key += '\x1f';
  }
  std::string now = FormatRfc3339(p.time);

  auto cached = cache_.find(key);
  if (cached != cache_.end()) {
    Aggregate& agg = cached->second;
    lru_.erase(agg.lru);
    lru_.push_front(key);
    agg.lru = lru_.begin();
    std::string patch =
        "{\"count\":" + std::to_string(agg.count + 1) + ",\"lastTimestamp\":\"" + now + "\"}";
    auto r =
        client_.Patch(resources::Events(), agg.event_ns, agg.event_name, PatchType::kMerge, patch);
    if (r.ok()) {
      ++agg.count;
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.patched;
      return;
    }
    // The Event is gone (TTL, deleted): start a new one below, like upstream.
    lru_.erase(agg.lru);
    cache_.erase(cached);
  }

  rapidjson::Document ev(rapidjson::kObjectType);
  auto& a = ev.GetAllocator();
  api::SetString(ev, "apiVersion", "v1", a);
  api::SetString(ev, "kind", "Event", a);
  char suffix[32];
  std::snprintf(
      suffix, sizeof(suffix), ".%llx",
      static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(p.time.time_since_epoch()).count()));
  std::string name = (ref.name.empty() ? std::string("event") : ref.name) + suffix;
  rapidjson::Value& meta = api::EnsureObject(ev, {"metadata"}, a);
  api::SetString(meta, "name", name, a);
  api::SetString(meta, "namespace", event_ns, a);
  rapidjson::Value& io = api::EnsureObject(ev, {"involvedObject"}, a);
  if (!ref.api_version.empty()) api::SetString(io, "apiVersion", ref.api_version, a);
  if (!ref.kind.empty()) api::SetString(io, "kind", ref.kind, a);
  if (!ref.ns.empty()) api::SetString(io, "namespace", ref.ns, a);
  if (!ref.name.empty()) api::SetString(io, "name", ref.name, a);
  if (!ref.uid.empty()) api::SetString(io, "uid", ref.uid, a);
  if (!ref.resource_version.empty()) api::SetString(io, "resourceVersion", ref.resource_version, a);
  if (!ref.field_path.empty()) api::SetString(io, "fieldPath", ref.field_path, a);
  api::SetString(ev, "reason", p.reason, a);
  api::SetString(ev, "message", p.message, a);
  api::SetString(ev, "type", p.type, a);
  rapidjson::Value& source = api::EnsureObject(ev, {"source"}, a);
  if (!options_.component.empty()) api::SetString(source, "component", options_.component, a);
  if (!p.host.empty()) api::SetString(source, "host", p.host, a);
  api::SetString(ev, "firstTimestamp", now, a);
  api::SetString(ev, "lastTimestamp", now, a);
  api::SetInt(ev, "count", 1, a);
  api::SetString(ev, "reportingComponent", options_.component, a);
  // Like client-go's recorder: the instance is the source host unless told otherwise.
  api::SetString(ev, "reportingInstance",
                 options_.reporting_instance.empty() ? p.host : options_.reporting_instance, a);

  auto r = client_.Create(resources::Events(), event_ns, ev);
  if (!r.ok()) {
    TK_LOG_WARN << "event recorder: cannot write event " << p.reason << " for " << ref.kind << " "
                << ref.ns << "/" << ref.name << ": " << r.status().ToString();
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.failed;
    return;
  }
  lru_.push_front(key);
  cache_[key] = Aggregate{event_ns, name, 1, now, lru_.begin()};
  while (cache_.size() > options_.cache_size) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.created;
}

}  // namespace tinyk8s::client
