#include "client/informer.h"

#include <atomic>
#include <condition_variable>
#include <random>
#include <thread>
#include <unordered_map>

#include "api/meta.h"
#include "common/logging.h"

namespace tinyk8s::client {
namespace {

constexpr std::chrono::milliseconds kInitialBackoff{800};
constexpr std::chrono::milliseconds kMaxBackoff{30000};

int64_t RandomWatchTimeoutSeconds() {
  // Upstream: minWatchTimeout * (1 + rand), so that watches do not all restart together.
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int64_t>(300, 600)(rng);
}

}  // namespace

struct Informer::Impl {
  explicit Impl(Informer& owner) : self(owner) {}
  Informer& self;

  // Serialises cache mutation + handler delivery with AddEventHandler's replay, so every
  // handler sees a consistent sequence of events.
  std::mutex dispatch_mu;
  std::vector<ResourceEventHandler> handlers;  // guarded by dispatch_mu

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool started = false;
  bool stopping = false;
  bool synced = false;
  std::string last_rv;
  WatchStream* current_watch = nullptr;  // guarded by mu; owned by the run thread
  ObjectTransform transform;             // guarded by mu
  int list_count = 0;
  int watch_count = 0;
  std::thread thread;

  bool Stopping() {
    std::lock_guard<std::mutex> lock(mu);
    return stopping;
  }

  // Sleep waits `d` or until Stop; false if stopping.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, d, [&] { return stopping; });
    return !stopping;
  }

  void SetRv(std::string rv) {
    if (rv.empty()) return;
    std::lock_guard<std::mutex> lock(mu);
    last_rv = std::move(rv);
  }

  void DispatchAdd(const ObjectPtr& obj) {
    for (auto& h : handlers) {
      if (h.on_add) h.on_add(obj);
    }
  }
  void DispatchUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
    for (auto& h : handlers) {
      if (h.on_update) h.on_update(old_obj, new_obj);
    }
  }
  void DispatchDelete(const ObjectPtr& obj, bool unknown) {
    for (auto& h : handlers) {
      if (h.on_delete) h.on_delete(obj, unknown);
    }
  }

  // Replace installs a fresh list and emits the difference against the cache.
  void Replace(std::vector<ObjectPtr> items) {
    std::lock_guard<std::mutex> lock(dispatch_mu);
    Indexer& cache = self.indexer_;
    std::unordered_map<ObjectKey, ObjectPtr> old_items;
    for (auto& obj : cache.List()) old_items.emplace(ObjectKey::Of(*obj), std::move(obj));
    struct Change {
      ObjectPtr old_obj, new_obj;
    };
    std::vector<Change> changes;
    for (auto& obj : items) {
      auto it = old_items.find(ObjectKey::Of(*obj));
      if (it == old_items.end()) {
        changes.push_back({nullptr, obj});
        continue;
      }
      if (api::ResourceVersion(*it->second) == api::ResourceVersion(*obj)) {
        obj = it->second;  // unchanged: keep the cached snapshot, no event
      } else {
        changes.push_back({it->second, obj});
      }
      old_items.erase(it);
    }
    cache.Replace(items);
    // The cache is updated before handlers run (as upstream), so a handler's lister reads
    // already see the new state.
    for (auto& [key, obj] : old_items) DispatchDelete(obj, /*unknown=*/true);
    for (auto& c : changes) {
      if (c.old_obj) {
        DispatchUpdate(c.old_obj, c.new_obj);
      } else {
        DispatchAdd(c.new_obj);
      }
    }
  }

  void Apply(const WatchEvent& ev) {
    std::lock_guard<std::mutex> lock(dispatch_mu);
    Indexer& cache = self.indexer_;
    if (ev.type == WatchEventType::kDeleted) {
      ObjectPtr old = cache.Remove(ObjectKey::Of(*ev.object));
      DispatchDelete(ev.object, /*unknown=*/false);
      return;
    }
    ObjectPtr old = cache.Upsert(ev.object);
    if (old) {
      DispatchUpdate(old, ev.object);
    } else {
      DispatchAdd(ev.object);
    }
  }

  void Resync() {
    std::lock_guard<std::mutex> lock(dispatch_mu);
    for (auto& obj : self.indexer_.List()) DispatchUpdate(obj, obj);
  }

  // ListAndWatch lists, then watches until the watch fails. Returns kGone to re-list at once,
  // another error to re-list after a backoff, OK when stopping.
  Status ListAndWatch() {
    const InformerOptions& o = self.options_;
    ListOptions lo;
    lo.label_selector = o.label_selector;
    lo.field_selector = o.field_selector;
    lo.page_size = o.list_page_size;
    lo.drop_managed_fields = true;
    {
      std::lock_guard<std::mutex> lock(mu);
      lo.transform = transform;
    }
    auto list = self.client_.List(self.resource_, o.ns, lo);
    if (!list.ok()) return list.status();
    if (Stopping()) return Status::OK();
    Replace(std::move(list->items));
    SetRv(list->resource_version);
    {
      std::lock_guard<std::mutex> lock(mu);
      ++list_count;
      synced = true;
    }
    cv.notify_all();

    auto next_resync = std::chrono::steady_clock::now() + o.resync_period;
    for (;;) {
      if (Stopping()) return Status::OK();
      WatchOptions wo;
      {
        std::lock_guard<std::mutex> lock(mu);
        wo.resource_version = last_rv;
        ++watch_count;
      }
      wo.label_selector = o.label_selector;
      wo.field_selector = o.field_selector;
      wo.allow_bookmarks = true;
      wo.drop_managed_fields = true;
      wo.transform = lo.transform;
      wo.timeout_seconds = RandomWatchTimeoutSeconds();
      auto watch = self.client_.Watch(self.resource_, o.ns, wo);
      if (!watch.ok()) return watch.status();
      std::unique_ptr<WatchStream> stream = std::move(*watch);
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopping) return Status::OK();
        current_watch = stream.get();
      }
      Status result = Consume(*stream, next_resync);
      {
        std::lock_guard<std::mutex> lock(mu);
        current_watch = nullptr;
      }
      if (!result.ok()) return result;
      // A normal end (server timeout, server closing): resume from the last version.
    }
  }

  Status Consume(WatchStream& stream, std::chrono::steady_clock::time_point& next_resync) {
    const auto resync = self.options_.resync_period;
    for (;;) {
      auto timeout = std::chrono::milliseconds(1000);
      if (resync.count() > 0) {
        auto now = std::chrono::steady_clock::now();
        if (now >= next_resync) {
          Resync();
          next_resync = now + resync;
        }
        timeout = std::min(
            timeout, std::chrono::duration_cast<std::chrono::milliseconds>(next_resync - now) +
                         std::chrono::milliseconds(1));
      }
      WatchEvent ev;
      switch (stream.Next(&ev, timeout)) {
        case WatchStream::NextResult::kTimeout:
          continue;
        case WatchStream::NextResult::kEnd:
          return stream.status();
        case WatchStream::NextResult::kEvent:
          break;
      }
      switch (ev.type) {
        case WatchEventType::kError:
          return ev.error;
        case WatchEventType::kBookmark:
          SetRv(api::ResourceVersion(*ev.object));
          break;
        default:
          Apply(ev);
          SetRv(api::ResourceVersion(*ev.object));
      }
    }
  }

  void Run() {
    auto backoff = kInitialBackoff;
    bool last_gone = false;
    while (!Stopping()) {
      auto started = std::chrono::steady_clock::now();
      Status s = ListAndWatch();
      if (Stopping()) break;
      // A round that lived a while was healthy: start the backoff over.
      if (std::chrono::steady_clock::now() - started > std::chrono::minutes(1)) {
        backoff = kInitialBackoff;
      }
      // 410 re-lists at once, but not twice in a row: a server answering 410 to every watch
      // must not make us hot-loop on full lists.
      bool gone = s.IsGone();
      bool immediate = gone && !last_gone;
      last_gone = gone;
      if (immediate) {
        TK_VLOG(2) << "informer " << self.resource_.GroupResource() << ": " << s.message()
                   << "; re-listing";
        continue;
      }
      TK_LOG_WARN << "informer " << self.resource_.GroupResource() << ": " << s.ToString()
                  << "; re-listing in " << backoff.count() << "ms";
      if (!Sleep(backoff)) break;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }
};

Informer::Informer(Client& client, Resource resource, InformerOptions options)
    : client_(client),
      resource_(std::move(resource)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>(*this)) {}

Informer::~Informer() { Stop(); }

void Informer::AddEventHandler(ResourceEventHandler handler) {
  std::lock_guard<std::mutex> lock(impl_->dispatch_mu);
  if (handler.on_add) {
    for (auto& obj : indexer_.List()) handler.on_add(obj);
  }
  impl_->handlers.push_back(std::move(handler));
}

void Informer::SetTransform(ObjectTransform transform) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->transform = std::move(transform);
}

Status Informer::AddIndexers(const Indexers& indexers) { return indexer_.AddIndexers(indexers); }

void Informer::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started || impl_->stopping) return;
  impl_->started = true;
  impl_->thread = std::thread([this] { impl_->Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
    if (impl_->current_watch) impl_->current_watch->Stop();
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool Informer::HasSynced() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->synced;
}

bool Informer::WaitForCacheSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->synced || impl_->stopping; });
  return impl_->synced;
}

std::string Informer::LastSyncResourceVersion() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->last_rv;
}

int Informer::ListCount() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->list_count;
}

int Informer::WatchCount() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->watch_count;
}

SharedInformerFactory::SharedInformerFactory(Client& client) : client_(client) {}
SharedInformerFactory::~SharedInformerFactory() { Shutdown(); }

namespace {
std::string InformerKey(const Resource& resource, const InformerOptions& options) {
  return resource.GroupResource() + "/" + resource.version + "|" + options.ns + "|" +
         options.label_selector + "|" + options.field_selector + "|" +
         std::to_string(options.resync_period.count());
}
}  // namespace

Informer& SharedInformerFactory::ForResource(const Resource& resource,
                                             const InformerOptions& options) {
  std::string key = InformerKey(resource, options);
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = informers_[key];
  if (!slot) {
    slot = std::make_unique<Informer>(client_, resource, options);
    if (started_) slot->Start();
  }
  return *slot;
}

Informer* SharedInformerFactory::Existing(const Resource& resource,
                                          const InformerOptions& options) {
  std::string key = InformerKey(resource, options);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = informers_.find(key);
  return it == informers_.end() ? nullptr : it->second.get();
}

void SharedInformerFactory::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
  for (auto& [key, informer] : informers_) informer->Start();
}

bool SharedInformerFactory::WaitForCacheSync(std::chrono::milliseconds timeout) {
  std::vector<Informer*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, informer] : informers_) all.push_back(informer.get());
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (Informer* i : all) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!i->WaitForCacheSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

void SharedInformerFactory::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, informer] : informers_) informer->Stop();
}

}  // namespace tinyk8s::client
