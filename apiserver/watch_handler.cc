// The watch verb: a chunked stream of newline-delimited WatchEvents fed by the watch cache.
#include <boost/asio/steady_timer.hpp>

#include "api/json.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/table.h"
#include "common/logging.h"

namespace tinyk8s::apiserver {

namespace {

// WatchStream turns cache events into the wire format for one client. It filters by the
// request's selectors (an object that stops matching is reported as DELETED, one that starts
// matching as ADDED), renders Tables when asked, and ends on timeoutSeconds.
class WatchStream final : public CacheWatcher, public std::enable_shared_from_this<WatchStream> {
 public:
  WatchStream(std::shared_ptr<HttpExchange> ex, ObjectFilter filter, bool table,
              IncludeObject include, bool bookmarks, const Clock& clock, Metrics& metrics,
              boost::asio::io_context& timers)
      : ex_(std::move(ex)),
        filter_(std::move(filter)),
        table_(table),
        include_(include),
        bookmarks_(bookmarks),
        clock_(clock),
        metrics_(metrics),
        timer_(timers) {
    metrics_.WatchStarted();
  }
  ~WatchStream() override { metrics_.WatchEnded(); }

  void Begin(WatchCache& cache, std::chrono::seconds timeout) {
    cache_ = &cache;
    auto self = shared_from_this();
    ex_->OnClose([weak = std::weak_ptr<WatchStream>(self)] {
      if (auto s = weak.lock()) s->Stop();
    });
    deadline_ = std::chrono::steady_clock::now() + timeout;
    ScheduleTick();
  }

  bool Deliver(const std::vector<const CacheEvent*>& events) override {
    if (stopped_) return false;
    return Write(Render(events));
  }

  // Unfiltered JSON watches of one resource send the same bytes for the same events: the first
  // of them renders, the others reuse it (the fan-out to many watchers is latency-critical).
  bool DeliverShared(const std::vector<const CacheEvent*>& events,
                     SharedRenderings& shared) override {
    if (stopped_) return false;
    if (!filter_.Empty() || table_ || filter_.resource->converter) return Write(Render(events));
    return Write(shared.Get(filter_.resource, [&] { return Render(events); }));
  }

  bool Filters() const override { return !filter_.Empty(); }

  void Closed(const Status& reason) override {
    if (stopped_) return;
    if (reason.IsGone()) {
      std::string ev = "{\"type\":\"ERROR\",\"object\":" + StatusJson(reason) + "}\n";
      ex_->WriteChunk(std::move(ev));
    }
    stopped_ = true;
    ex_->EndStream();
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    boost::system::error_code ec;
    timer_.cancel();
    if (cache_) cache_->Unwatch(this);
    ex_->EndStream();
  }

 private:
  // Render is the wire form of the events this watch reports (may be empty).
  std::string Render(const std::vector<const CacheEvent*>& events) {
    std::string out;
    const ResourceInfo& r = *filter_.resource;
    for (const CacheEvent* stored : events) {
      // A view of another resource's store (events.k8s.io) sees converted objects.
      CacheEvent converted;
      const CacheEvent* e = stored;
      if (r.converter) {
        converted = *stored;
        converted.object = ViewAs(r, stored->object);
        converted.prev = ViewAs(r, stored->prev);
        e = &converted;
      }
      const char* type = nullptr;
      auto matches = [this](const CachedPtr& obj) {
        return filter_.Empty() || filter_.Matches(*obj->Doc());
      };
      bool now_matches = e->type != CacheEvent::Type::kDeleted && matches(e->object);
      bool was_matching = e->prev && matches(e->prev);
      switch (e->type) {
        case CacheEvent::Type::kAdded:
          if (now_matches) type = "ADDED";
          break;
        case CacheEvent::Type::kModified:
          if (now_matches) {
            type = was_matching ? "MODIFIED" : "ADDED";
          } else if (was_matching) {
            type = "DELETED";
          }
          break;
        case CacheEvent::Type::kDeleted:
          if (was_matching || (!e->prev && matches(e->object))) type = "DELETED";
          break;
      }
      if (!type) continue;
      out += "{\"type\":\"";
      out += type;
      out += "\",\"object\":";
      if (table_) {
        TableOptions opts;
        opts.include = include_;
        opts.resource_version = std::to_string(e->revision);
        out += RenderTable(*filter_.resource, {e->object}, opts, clock_.Now());
      } else {
        out += e->object->json;
      }
      out += "}\n";
    }
    return out;
  }

  bool Write(std::string_view out) {
    if (out.empty()) return true;
    if (!ex_->WriteChunk(out)) {
      StopAsync();
      return false;
    }
    return true;
  }

  // StopAsync is for the cache thread (which holds the cache lock): unregistering happens by
  // returning false from Deliver, so only end the stream here.
  void StopAsync() {
    if (stopped_.exchange(true)) return;
    ex_->EndStream();
  }

  void ScheduleTick() {
    auto now = std::chrono::steady_clock::now();
    auto next = std::min(deadline_, now + std::chrono::seconds(30));
    timer_.expires_at(next);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || self->stopped_) return;
      if (std::chrono::steady_clock::now() >= self->deadline_) return self->Stop();
      if (self->bookmarks_ && self->cache_) {
        std::string rv = std::to_string(self->cache_->revision());
        std::string ev = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"" +
                         self->filter_.resource->kind + "\",\"apiVersion\":\"" +
                         self->filter_.resource->ApiVersion() +
                         "\",\"metadata\":{\"resourceVersion\":\"" + rv + "\"}}}\n";
        if (!self->ex_->WriteChunk(std::move(ev))) return self->Stop();
      }
      self->ScheduleTick();
    });
  }

  std::shared_ptr<HttpExchange> ex_;
  ObjectFilter filter_;
  bool table_;
  IncludeObject include_;
  bool bookmarks_;
  const Clock& clock_;
  Metrics& metrics_;
  boost::asio::steady_timer timer_;
  WatchCache* cache_ = nullptr;
  std::atomic<bool> stopped_{false};
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace

std::optional<HttpResponse> ApiHandler::StartWatch(const Call& c) {
  auto filter = MakeFilter(c);
  if (!filter.ok()) return ErrorResponse(filter.status());
  std::optional<storage::Revision> after;
  std::string rv = c.req.Query("resourceVersion");
  if (!rv.empty() && rv != "0") {
    char* end = nullptr;
    long long v = std::strtoll(rv.c_str(), &end, 10);
    if (*end != '\0' || v < 0)
      return ErrorResponse(Status::BadRequest("invalid resource version: " + rv));
    after = v;
  } else if (rv.empty()) {
    // Upstream: no resourceVersion means "start at the most recent state", with initial events.
    objects_.cache().WaitFresh();
  }
  if (c.req.Query("sendInitialEvents") == "true") after.reset();
  int64_t timeout = 1800;
  if (c.req.HasQuery("timeoutSeconds")) {
    char* end = nullptr;
    long long v = std::strtoll(c.req.Query("timeoutSeconds").c_str(), &end, 10);
    if (*end == '\0' && v > 0) timeout = v;
  }
  bool table = WantsTable(c.req.Header("accept"));
  auto stream = std::make_shared<WatchStream>(
      c.ex, std::move(filter).value(), table, ParseIncludeObject(c.req.Query("includeObject")),
      c.req.Query("allowWatchBookmarks") == "true", objects_.clock(), metrics_, timers_);
  // Headers first, so that replayed events follow them on the stream.
  c.ex->StartStream(200, table ? kTableContentType : "application/json");
  stream->Begin(objects_.cache(), std::chrono::seconds(timeout));
  auto started = objects_.cache().Watch(c.resource.NamespacePrefix(c.info.ns), after, stream);
  if (!started.ok()) {
    // Too old: like upstream, a 200 stream carrying one ERROR event (410 Expired).
    stream->Closed(started.status());
  }
  return std::nullopt;
}

}  // namespace tinyk8s::apiserver
