#include "apiserver/watch_cache.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "api/json.h"
#include "common/logging.h"

namespace tinyk8s::apiserver {

namespace {
void StampResourceVersion(rapidjson::Document& doc, storage::Revision revision) {
  auto& a = doc.GetAllocator();
  auto& meta = api::EnsureObject(doc, {"metadata"}, a);
  api::SetString(meta, "resourceVersion", std::to_string(revision), a);
}

// Watchers per chunk of a fan-out (~0.2 ms of sends); fewer than two chunks' worth stay on the
// cache thread, where handing work to another thread costs more than it saves.
constexpr size_t kWatchersPerChunk = 32;

size_t FanOutHelpers() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores > 1 ? std::min(cores - 1, 3u) : 0;
}

bool HasPrefix(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// StampJson appends metadata.resourceVersion to a stored object's compact JSON without parsing
// it into a DOM (a parse and a serialisation per event were most of the cache's work). The
// result equals what stamping the parsed document gives. nullopt when the text is not an
// object with a metadata object lacking resourceVersion: the caller then parses.
std::optional<std::string> StampJson(std::string_view json, storage::Revision revision) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < json.size() &&
           (json[i] == ' ' || json[i] == '\n' || json[i] == '\t' || json[i] == '\r')) {
      ++i;
    }
  };
  // Scans a string starting at json[i] == '"'; leaves i after the closing quote.
  auto skip_string = [&]() -> bool {
    for (++i; i < json.size(); ++i) {
      if (json[i] == '\\') {
        ++i;
      } else if (json[i] == '"') {
        ++i;
        return true;
      }
    }
    return false;
  };
  skip_ws();
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  int depth = 0;
  size_t metadata_open = std::string_view::npos;  // index of the metadata object's '{'
  bool metadata_empty = true;
  bool next_is_metadata = false;
  while (i < json.size()) {
    char c = json[i];
    if (c == '"') {
      size_t start = i;
      if (!skip_string()) return std::nullopt;
      std::string_view text = json.substr(start + 1, i - start - 2);
      size_t after = i;
      skip_ws();
      bool is_key = i < json.size() && json[i] == ':';
      i = after;
      if (is_key && depth == 1 && text == "metadata") next_is_metadata = true;
      if (is_key && metadata_open != std::string_view::npos && depth == 2) {
        metadata_empty = false;
        if (text == "resourceVersion") return std::nullopt;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      if (c == '{' && depth == 2 && next_is_metadata) metadata_open = i;
      if (depth == 2) next_is_metadata = next_is_metadata && c == '{';
    } else if (c == '}' || c == ']') {
      if (depth == 2 && metadata_open != std::string_view::npos && c == '}') {
        std::string out;
        std::string rv = std::to_string(revision);
        out.reserve(json.size() + rv.size() + 24);
        out.append(json.substr(0, i));
        if (!metadata_empty) out += ',';
        out += "\"resourceVersion\":\"";
        out += rv;
        out += '"';
        out.append(json.substr(i));
        return out;
      }
      --depth;
      if (depth == 1) next_is_metadata = false;
      if (depth == 0) return std::nullopt;  // no metadata object
    } else if (c == ',' && depth == 1) {
      next_is_metadata = false;
    }
    ++i;
  }
  return std::nullopt;
}
}  // namespace

const std::string& SharedRenderings::Get(const void* key,
                                         const std::function<std::string()>& render) {
  std::lock_guard lock(mu_);
  auto it = done_.find(key);
  if (it == done_.end()) it = done_.emplace(key, render()).first;
  return it->second;
}

Result<CachedPtr> MakeCachedObject(const std::string& key, const std::string& value,
                                   storage::Revision revision) {
  if (auto stamped = StampJson(value, revision)) {
    auto obj = std::make_shared<CachedObject>();
    obj->key = key;
    obj->revision = revision;
    obj->json = std::move(*stamped);
    return CachedPtr(std::move(obj));
  }
  TK_ASSIGN_OR_RETURN(rapidjson::Document doc, api::ParseJson(value));
  if (!doc.IsObject()) return Status::Internal("stored value of " + key + " is not an object");
  return MakeCachedObject(key, std::move(doc), revision);
}

CachedPtr MakeCachedObject(const std::string& key, rapidjson::Document doc,
                           storage::Revision revision) {
  StampResourceVersion(doc, revision);
  auto obj = std::make_shared<CachedObject>();
  obj->key = key;
  obj->revision = revision;
  obj->json = api::ToJson(doc);
  return obj;
}

std::shared_ptr<const rapidjson::Document> CachedObject::Doc() const {
  std::lock_guard lock(mu_);
  if (auto doc = parsed_.lock()) return doc;
  auto parsed = api::ParseJson(json);
  // The JSON was produced by ToJson, so it parses; keep the contract of a non-null object.
  auto doc = std::make_shared<rapidjson::Document>();
  if (parsed.ok()) {
    *doc = std::move(parsed).value();
  } else {
    doc->SetObject();
  }
  parsed_ = doc;
  return doc;
}

WatchCache::WatchCache(storage::Store& store, Options options)
    : store_(store), options_(options), fan_out_(FanOutHelpers()) {}

Result<std::unique_ptr<WatchCache>> WatchCache::Start(storage::Store& store, Options options) {
  std::unique_ptr<WatchCache> cache(new WatchCache(store, options));
  TK_RETURN_IF_ERROR(cache->Relist());
  cache->thread_ = std::thread([c = cache.get()] { c->Run(); });
  return cache;
}

WatchCache::~WatchCache() {
  stopping_ = true;
  if (store_watch_) store_watch_->Cancel();
  if (thread_.joinable()) thread_.join();
  decltype(watchers_) watchers;
  {
    std::lock_guard lock(mu_);
    watchers.swap(watchers_);
  }
  for (auto& [prefix, list] : watchers) {
    for (auto& w : list) w->Closed(Status::Unavailable("server is shutting down"));
  }
}

Status WatchCache::Relist() {
  storage::ListOptions opts;
  TK_ASSIGN_OR_RETURN(storage::ListResult list, store_.List("/registry/", opts));
  std::map<std::string, CachedPtr> objects;
  for (auto& kv : list.items) {
    auto obj = MakeCachedObject(kv.key, kv.value, kv.mod_revision);
    if (!obj.ok()) {
      TK_LOG_ERROR << "skipping unreadable object " << kv.key << ": " << obj.status().message();
      continue;
    }
    objects.emplace_hint(objects.end(), kv.key, std::move(obj).value());
  }
  TK_ASSIGN_OR_RETURN(store_watch_, store_.WatchPrefix("/registry/", list.revision));
  decltype(watchers_) dropped;
  {
    std::lock_guard lock(mu_);
    objects_.swap(objects);
    events_.clear();
    revision_ = list.revision;
    oldest_ = list.revision;
    dropped.swap(watchers_);
  }
  for (auto& [prefix, list] : dropped) {
    for (auto& w : list) w->Closed(Status::Gone("watch cache was re-initialised"));
  }
  cv_.notify_all();
  return Status::OK();
}

void WatchCache::Run() {
  std::vector<storage::WatchEvent> batch;
  while (!stopping_) {
    batch.clear();
    Status s = store_watch_->Next(&batch, std::chrono::milliseconds(200));
    if (!batch.empty()) Apply(batch);
    if (!s.ok()) {
      if (stopping_) break;
      TK_LOG_WARN << "storage watch ended (" << s.message() << "); re-listing";
      Status r = Relist();
      if (!r.ok()) {
        TK_LOG_ERROR << "re-list failed: " << r.message();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
}

void WatchCache::Apply(std::vector<storage::WatchEvent>& batch) {
  std::vector<CacheEvent> fresh;
  fresh.reserve(batch.size());
  // Parse outside the lock; only this thread mutates objects_, so reading prev is safe.
  for (auto& ev : batch) {
    CacheEvent ce;
    ce.revision = ev.kv.mod_revision;
    CachedPtr prev;
    {
      std::lock_guard lock(mu_);
      auto it = objects_.find(ev.kv.key);
      if (it != objects_.end()) prev = it->second;
    }
    // Events within one batch may touch the same key: prefer the batch's own latest state.
    for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
      if (it->object && it->object->key == ev.kv.key) {
        prev = it->type == CacheEvent::Type::kDeleted ? nullptr : it->object;
        break;
      }
    }
    if (ev.type == storage::EventType::kDelete) {
      if (!prev) continue;
      rapidjson::Document doc;
      doc.CopyFrom(*prev->Doc(), doc.GetAllocator());
      ce.type = CacheEvent::Type::kDeleted;
      ce.object = MakeCachedObject(ev.kv.key, std::move(doc), ev.kv.mod_revision);
      ce.prev = prev;
    } else {
      auto obj = MakeCachedObject(ev.kv.key, ev.kv.value, ev.kv.mod_revision);
      if (!obj.ok()) {
        TK_LOG_ERROR << "unreadable object " << ev.kv.key << ": " << obj.status().message();
        continue;
      }
      ce.type = prev ? CacheEvent::Type::kModified : CacheEvent::Type::kAdded;
      ce.object = std::move(obj).value();
      ce.prev = prev;
    }
    fresh.push_back(std::move(ce));
  }
  storage::Revision last = batch.back().kv.mod_revision;
  std::vector<std::shared_ptr<CacheWatcher>> closed;
  {
    std::lock_guard lock(mu_);
    size_t first = events_.size();
    for (auto& ce : fresh) {
      if (ce.type == CacheEvent::Type::kDeleted) {
        objects_.erase(ce.object->key);
      } else {
        objects_[ce.object->key] = ce.object;
      }
      events_.push_back(std::move(ce));
    }
    while (events_.size() > options_.event_window) {
      oldest_ = events_.front().revision;
      events_.pop_front();
      if (first > 0) --first;
    }
    revision_ = std::max(revision_, last);
    // Fan out: each watcher gets the new events under its prefix.
    std::vector<const CacheEvent*> mine;
    // Parses of the new events (and their previous states) shared by the filtering watchers:
    // Doc() hands the same parse to every caller while one is held here.
    std::vector<std::shared_ptr<const rapidjson::Document>> held;
    bool docs_held = false;
    for (auto bucket = watchers_.begin(); bucket != watchers_.end();) {
      mine.clear();
      for (size_t e = first; e < events_.size(); ++e) {
        if (HasPrefix(events_[e].object->key, bucket->first)) mine.push_back(&events_[e]);
      }
      auto& list = bucket->second;
      if (!mine.empty()) {
        if (!docs_held &&
            std::any_of(list.begin(), list.end(), [](const auto& w) { return w->Filters(); })) {
          docs_held = true;
          for (size_t e = first; e < events_.size(); ++e) {
            held.push_back(events_[e].object->Doc());
            if (events_[e].prev) held.push_back(events_[e].prev->Doc());
          }
        }
        // Each watcher's Deliver writes to its socket: split the watchers across threads.
        std::vector<char> keep(list.size());
        SharedRenderings shared;
        fan_out_.Run(list.size(), kWatchersPerChunk, [&](size_t, size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i) keep[i] = list[i]->DeliverShared(mine, shared);
        });
        for (size_t i = list.size(); i-- > 0;) {
          if (keep[i]) continue;
          closed.push_back(std::move(list[i]));
          list[i] = std::move(list.back());
          list.pop_back();
        }
      }
      bucket = list.empty() ? watchers_.erase(bucket) : std::next(bucket);
    }
  }
  cv_.notify_all();
  (void)closed;  // released outside the lock
}

bool WatchCache::WaitForRevision(storage::Revision revision, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return revision_ >= revision; });
}

bool WatchCache::WaitFresh(std::chrono::milliseconds timeout) {
  return WaitForRevision(store_.CurrentRevision(), timeout);
}

CachedPtr WatchCache::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<CachedPtr> WatchCache::List(const std::string& prefix,
                                        storage::Revision* revision) const {
  bool more;
  size_t remaining;
  return ListPage(prefix, "", 0, revision, &more, &remaining);
}

std::vector<CachedPtr> WatchCache::ListPage(const std::string& prefix,
                                            const std::string& start_after, size_t limit,
                                            storage::Revision* revision, bool* more,
                                            size_t* remaining) const {
  std::vector<CachedPtr> out;
  std::lock_guard lock(mu_);
  auto it = start_after.empty() ? objects_.lower_bound(prefix) : objects_.upper_bound(start_after);
  *more = false;
  *remaining = 0;
  for (; it != objects_.end() && HasPrefix(it->first, prefix); ++it) {
    if (limit > 0 && out.size() >= limit) {
      *more = true;
      for (; it != objects_.end() && HasPrefix(it->first, prefix); ++it) ++*remaining;
      break;
    }
    out.push_back(it->second);
  }
  if (revision) *revision = revision_;
  return out;
}

size_t WatchCache::Count(const std::string& prefix) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto it = objects_.lower_bound(prefix); it != objects_.end() && HasPrefix(it->first, prefix);
       ++it) {
    ++n;
  }
  return n;
}

Result<storage::Revision> WatchCache::Watch(const std::string& prefix,
                                            std::optional<storage::Revision> after,
                                            std::shared_ptr<CacheWatcher> watcher) {
  std::lock_guard lock(mu_);
  std::vector<CacheEvent> synthetic;
  std::vector<const CacheEvent*> replay;
  if (!after) {
    for (auto it = objects_.lower_bound(prefix);
         it != objects_.end() && HasPrefix(it->first, prefix); ++it) {
      CacheEvent ce;
      ce.type = CacheEvent::Type::kAdded;
      ce.revision = it->second->revision;
      ce.object = it->second;
      synthetic.push_back(std::move(ce));
    }
    for (auto& ce : synthetic) replay.push_back(&ce);
  } else {
    if (*after < oldest_) {
      return Status::Gone("too old resource version: " + std::to_string(*after) + " (" +
                          std::to_string(oldest_) + ")");
    }
    // Events are in revision order: binary search the first one after `after`.
    auto it =
        std::upper_bound(events_.begin(), events_.end(), *after,
                         [](storage::Revision r, const CacheEvent& e) { return r < e.revision; });
    for (; it != events_.end(); ++it) {
      if (HasPrefix(it->object->key, prefix)) replay.push_back(&*it);
    }
  }
  if (!replay.empty() && !watcher->Deliver(replay)) return revision_;
  watchers_[prefix].push_back(std::move(watcher));
  return revision_;
}

void WatchCache::Unwatch(const CacheWatcher* watcher) {
  std::shared_ptr<CacheWatcher> keep;  // destroyed after the lock is released
  std::lock_guard lock(mu_);
  for (auto bucket = watchers_.begin(); bucket != watchers_.end(); ++bucket) {
    auto& list = bucket->second;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].get() == watcher) {
        keep = std::move(list[i]);
        list[i] = std::move(list.back());
        list.pop_back();
        if (list.empty()) watchers_.erase(bucket);
        return;
      }
    }
  }
}

storage::Revision WatchCache::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

storage::Revision WatchCache::oldest_revision() const {
  std::lock_guard lock(mu_);
  return oldest_;
}

}  // namespace tinyk8s::apiserver
