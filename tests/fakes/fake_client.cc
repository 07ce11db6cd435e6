#include "tests/fakes/fake_client.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <random>

#include "api/fields.h"
#include "api/json.h"
#include "api/labels.h"
#include "api/meta.h"
#include "api/patch.h"
#include "common/clock.h"

namespace tinyk8s::testing {

using client::ObjectKey;
using client::ObjectPtr;
using client::Resource;
using client::WatchEvent;
using client::WatchEventType;

std::string FakeAction::ToString() const {
  std::string out = verb + " " + resource;
  if (!subresource.empty()) out += "/" + subresource;
  if (!name.empty() || !ns.empty()) out += " " + (ns.empty() ? name : ns + "/" + name);
  return out;
}

namespace {

std::string ResKey(const Resource& r) { return r.GroupResource(); }

Status NotFound(const Resource& r, std::string_view name) {
  return Status::NotFound(r.GroupResource() + " \"" + std::string(name) + "\" not found")
      .WithDetails({std::string(name), r.group, r.plural});
}

// Filter of a list or watch: namespace + label and field selectors.
struct Filter {
  std::string ns;
  api::LabelSelector labels;
  api::FieldSelector fields;
  bool Matches(const rapidjson::Value& obj) const {
    if (!ns.empty() && api::Namespace(obj) != ns) return false;
    if (!labels.Matches(api::Labels(obj))) return false;
    return fields.Matches([&](std::string_view field) -> std::optional<std::string> {
      // Dotted path: spec.nodeName, metadata.name, status.phase.
      const rapidjson::Value* v = &obj;
      size_t start = 0;
      while (v != nullptr && start <= field.size()) {
        size_t dot = field.find('.', start);
        std::string_view part = field.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        v = v->IsObject() ? api::FindMember(*v, part) : nullptr;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
      }
      if (v == nullptr) return std::nullopt;
      if (v->IsString()) return std::string(api::AsStringView(*v));
      return api::ToJson(*v);
    });
  }
};

Result<Filter> MakeFilter(std::string_view ns, const std::string& label_selector,
                          const std::string& field_selector) {
  Filter f;
  f.ns = std::string(ns);
  TK_ASSIGN_OR_RETURN(f.labels, api::LabelSelector::Parse(label_selector));
  TK_ASSIGN_OR_RETURN(f.fields, api::FieldSelector::Parse(field_selector));
  return f;
}

class FakeWatch final : public client::WatchStream {
 public:
  explicit FakeWatch(Filter filter) : filter_(std::move(filter)) {}

  void Push(WatchEvent ev) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ended_) return;
      if (ev.type != WatchEventType::kError && ev.type != WatchEventType::kBookmark &&
          !filter_.Matches(*ev.object)) {
        return;
      }
      events_.push_back(std::move(ev));
    }
    cv_.notify_all();
  }
  void End() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
    }
    cv_.notify_all();
  }
  bool Ended() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_ || stopped_;
  }

  NextResult Next(WatchEvent* event, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return stopped_ || ended_ || !events_.empty(); });
    if (stopped_) return NextResult::kEnd;
    if (!events_.empty()) {
      *event = std::move(events_.front());
      events_.pop_front();
      return NextResult::kEvent;
    }
    return ended_ ? NextResult::kEnd : NextResult::kTimeout;
  }
  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  Status status() const override { return Status::OK(); }

 private:
  Filter filter_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> events_;
  bool ended_ = false;
  bool stopped_ = false;
};

}  // namespace

struct FakeClient::Impl {
  struct HistoryEntry {
    std::string res;
    int64_t rv;
    WatchEvent event;
  };
  std::mutex mu;
  int64_t rv = 1;
  int64_t uid_counter = 0;
  std::map<std::string, std::map<ObjectKey, ObjectPtr>> objects;
  std::deque<HistoryEntry> history;
  size_t history_limit = 10000;
  int64_t history_floor = 1;  // watches from a version below this get 410
  std::map<std::string, std::vector<std::weak_ptr<FakeWatch>>> watches;
  std::vector<FakeAction> actions;
  struct ReactorEntry {
    std::string verb, resource;
    Reactor fn;
  };
  std::vector<ReactorEntry> reactors;

  // Logs the action and runs reactors; a returned Status fails the call.
  std::optional<Status> Record(FakeAction a) {
    actions.push_back(a);
    for (auto& r : reactors) {
      if ((r.verb == "*" || r.verb == a.verb) && (r.resource == "*" || r.resource == a.resource)) {
        if (auto s = r.fn(a)) return s;
      }
    }
    return std::nullopt;
  }

  ObjectPtr Stamp(rapidjson::Document doc, const Resource& r) {
    auto& a = doc.GetAllocator();
    rapidjson::Value& meta = api::EnsureObject(doc, {"metadata"}, a);
    api::SetString(meta, "resourceVersion", std::to_string(++rv), a);
    if (!api::FindMember(doc, "kind")) api::SetString(doc, "kind", r.kind, a);
    if (!api::FindMember(doc, "apiVersion")) api::SetString(doc, "apiVersion", r.ApiVersion(), a);
    return std::make_shared<const rapidjson::Document>(std::move(doc));
  }

  void Emit(const Resource& r, WatchEventType type, const ObjectPtr& obj) {
    WatchEvent ev{type, obj, Status::OK()};
    std::string res = ResKey(r);
    history.push_back({res, rv, ev});
    while (history.size() > history_limit) {
      history_floor = history.front().rv;
      history.pop_front();
    }
    if (history_limit == 0) history_floor = rv;
    auto& list = watches[res];
    for (auto it = list.begin(); it != list.end();) {
      auto w = it->lock();
      if (!w || w->Ended()) {
        it = list.erase(it);
        continue;
      }
      w->Push(ev);
      ++it;
    }
  }

  // Removes an object for good (emits DELETED).
  void Erase(const Resource& r, const ObjectKey& key, const ObjectPtr& last) {
    objects[ResKey(r)].erase(key);
    rapidjson::Document doc = api::CloneDocument(*last);
    Emit(r, WatchEventType::kDeleted, Stamp(std::move(doc), r));
  }

  // Stores an updated object, or erases it when it is being deleted and has no finalizers left.
  ObjectPtr Store(const Resource& r, const ObjectKey& key, rapidjson::Document doc) {
    if (api::HasDeletionTimestamp(doc) && api::Finalizers(doc).empty()) {
      ObjectPtr last = std::make_shared<const rapidjson::Document>(std::move(doc));
      Erase(r, key, last);
      return last;
    }
    ObjectPtr obj = Stamp(std::move(doc), r);
    objects[ResKey(r)][key] = obj;
    Emit(r, WatchEventType::kModified, obj);
    return obj;
  }

  ObjectPtr Find(const Resource& r, std::string_view ns, std::string_view name) {
    auto& m = objects[ResKey(r)];
    auto it = m.find(ObjectKey{r.namespaced ? std::string(ns) : "", std::string(name)});
    return it == m.end() ? nullptr : it->second;
  }
};

FakeClient::FakeClient() : impl_(std::make_shared<Impl>()) {}
FakeClient::~FakeClient() = default;

ObjectPtr FakeClient::Add(const Resource& r, const rapidjson::Value& obj) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  rapidjson::Document doc = api::CloneDocument(obj);
  if (api::Uid(doc).empty()) {
    api::SetString(api::EnsureObject(doc, {"metadata"}, doc.GetAllocator()), "uid",
                   "uid-" + std::to_string(++impl_->uid_counter), doc.GetAllocator());
  }
  ObjectPtr p = impl_->Stamp(std::move(doc), r);
  impl_->objects[ResKey(r)][ObjectKey{r.namespaced ? api::Namespace(*p) : "", api::Name(*p)}] = p;
  impl_->Emit(r, WatchEventType::kAdded, p);
  return p;
}

ObjectPtr FakeClient::Add(const Resource& r, std::string_view json) {
  auto doc = api::ParseJson(json);
  if (!doc.ok()) return nullptr;
  return Add(r, *doc);
}

void FakeClient::PrependReactor(std::string verb, std::string resource, Reactor reactor) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->reactors.insert(
      impl_->reactors.begin(),
      Impl::ReactorEntry{std::move(verb), std::move(resource), std::move(reactor)});
}

std::vector<FakeAction> FakeClient::Actions() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->actions;
}

std::vector<std::string> FakeClient::WriteActions() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& a : impl_->actions) {
    if (a.verb == "get" || a.verb == "list" || a.verb == "watch") continue;
    out.push_back(a.ToString());
  }
  return out;
}

void FakeClient::ClearActions() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->actions.clear();
}

void FakeClient::InjectWatchError(const Resource& r, const Status& status) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto doc = std::make_shared<rapidjson::Document>(rapidjson::kObjectType);
  auto& a = doc->GetAllocator();
  api::SetString(*doc, "kind", "Status", a);
  api::SetString(*doc, "apiVersion", "v1", a);
  api::SetString(*doc, "status", "Failure", a);
  api::SetString(*doc, "message", status.message(), a);
  api::SetString(*doc, "reason", StatusCodeName(status.code()), a);
  for (auto& weak : impl_->watches[ResKey(r)]) {
    if (auto w = weak.lock()) {
      w->Push(WatchEvent{WatchEventType::kError, doc, status});
      w->End();
    }
  }
  impl_->watches[ResKey(r)].clear();
}

void FakeClient::CloseWatches(const Resource& r) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& weak : impl_->watches[ResKey(r)]) {
    if (auto w = weak.lock()) w->End();
  }
  impl_->watches[ResKey(r)].clear();
}

size_t FakeClient::NumOpenWatches(const Resource& r) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  size_t n = 0;
  for (auto& weak : impl_->watches[ResKey(r)]) {
    if (auto w = weak.lock(); w && !w->Ended()) ++n;
  }
  return n;
}

void FakeClient::SetHistoryLimit(size_t limit) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->history_limit = limit;
  while (impl_->history.size() > limit) {
    impl_->history_floor = impl_->history.front().rv;
    impl_->history.pop_front();
  }
  if (limit == 0) impl_->history_floor = impl_->rv;
}

int64_t FakeClient::ResourceVersion() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->rv;
}

Result<ObjectPtr> FakeClient::Get(const Resource& r, std::string_view ns, std::string_view name) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s = impl_->Record({"get", r.plural, std::string(ns), std::string(name), "", ""}))
    return *s;
  ObjectPtr obj = impl_->Find(r, ns, name);
  if (!obj) return NotFound(r, name);
  return obj;
}

Result<ObjectPtr> FakeClient::GetSubresource(const Resource& r, std::string_view ns,
                                             std::string_view name, std::string_view subresource) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s = impl_->Record(
          {"get", r.plural, std::string(ns), std::string(name), std::string(subresource), ""})) {
    return *s;
  }
  ObjectPtr obj = impl_->Find(r, ns, name);
  if (!obj) return NotFound(r, name);
  return obj;
}

Result<client::ObjectList> FakeClient::List(const Resource& r, std::string_view ns,
                                            const client::ListOptions& options) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s = impl_->Record({"list", r.plural, std::string(ns), "", "", ""})) return *s;
  TK_ASSIGN_OR_RETURN(Filter f, MakeFilter(ns, options.label_selector, options.field_selector));
  client::ObjectList out;
  out.resource_version = std::to_string(impl_->rv);
  for (const auto& [key, obj] : impl_->objects[ResKey(r)]) {
    if (f.Matches(*obj)) out.items.push_back(obj);
  }
  return out;
}

Result<ObjectPtr> FakeClient::Create(const Resource& r, std::string_view ns,
                                     const rapidjson::Value& obj, const client::WriteOptions&) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  rapidjson::Document doc = api::CloneDocument(obj);
  auto& a = doc.GetAllocator();
  rapidjson::Value& meta = api::EnsureObject(doc, {"metadata"}, a);
  std::string n = r.namespaced ? (ns.empty() ? api::Namespace(doc) : std::string(ns)) : "";
  if (r.namespaced) api::SetString(meta, "namespace", n, a);
  std::string name = api::Name(doc);
  if (name.empty() && !api::GenerateNameOf(doc).empty()) {
    static const char* kChars = "bcdfghjklmnpqrstvwxz2456789";
    std::string suffix;
    for (int i = 0; i < 5; ++i)
      suffix += kChars[(impl_->uid_counter * 7 + i * 13 + impl_->rv) % 27];
    name = api::GenerateNameOf(doc) + suffix;
    api::SetString(meta, "name", name, a);
  }
  if (auto s = impl_->Record({"create", r.plural, n, name, "", api::ToJson(doc)})) return *s;
  if (name.empty()) {
    return Status::Invalid(r.kind + " \"\" is invalid: metadata.name: Required value")
        .WithFieldErrors({{"FieldValueRequired", "metadata.name",
                           "Required value: name or generateName is required"}});
  }
  if (impl_->Find(r, n, name)) {
    return Status::AlreadyExists(r.GroupResource() + " \"" + name + "\" already exists")
        .WithDetails({name, r.group, r.plural});
  }
  if (api::Uid(doc).empty())
    api::SetString(meta, "uid", "uid-" + std::to_string(++impl_->uid_counter), a);
  if (api::CreationTimestamp(doc).empty()) {
    api::SetString(meta, "creationTimestamp", FormatRfc3339(std::chrono::system_clock::now()), a);
  }
  if (api::FindMember(doc, "spec") && api::Generation(doc) == 0)
    api::SetInt(meta, "generation", 1, a);
  ObjectPtr p = impl_->Stamp(std::move(doc), r);
  impl_->objects[ResKey(r)][ObjectKey{n, name}] = p;
  impl_->Emit(r, WatchEventType::kAdded, p);
  return p;
}

Result<ObjectPtr> FakeClient::CreateSubresource(const Resource& r, std::string_view ns,
                                                std::string_view name, std::string_view subresource,
                                                const rapidjson::Value& body) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s = impl_->Record({"create", r.plural, std::string(ns), std::string(name),
                              std::string(subresource), api::ToJson(body)})) {
    return *s;
  }
  ObjectPtr obj = impl_->Find(r, ns, name);
  if (!obj) return NotFound(r, name);
  auto success = std::make_shared<rapidjson::Document>();
  success->Parse(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201})");
  ObjectKey key{r.namespaced ? std::string(ns) : "", std::string(name)};
  if (r.plural == "pods" && subresource == "binding") {
    if (!api::GetString(*obj, {"spec", "nodeName"}).empty()) {
      return Status::Conflict("Operation cannot be fulfilled on pods/binding \"" +
                              std::string(name) + "\": pod " + std::string(name) +
                              " is already assigned to node \"" +
                              api::GetString(*obj, {"spec", "nodeName"}) + "\"");
    }
    rapidjson::Document doc = api::CloneDocument(*obj);
    auto& a = doc.GetAllocator();
    api::SetString(api::EnsureObject(doc, {"spec"}, a), "nodeName",
                   api::GetString(body, {"target", "name"}), a);
    impl_->Store(r, key, std::move(doc));
    return ObjectPtr(success);
  }
  if (r.plural == "pods" && subresource == "eviction") {
    impl_->Erase(r, key, obj);
    return ObjectPtr(success);
  }
  return Status::BadRequest("FakeClient: unsupported subresource " + std::string(subresource));
}

Result<ObjectPtr> FakeClient::Update(const Resource& r, const rapidjson::Value& obj,
                                     std::string_view subresource, const client::WriteOptions&) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::string ns = r.namespaced ? api::Namespace(obj) : "";
  std::string name = api::Name(obj);
  if (auto s = impl_->Record(
          {"update", r.plural, ns, name, std::string(subresource), api::ToJson(obj)})) {
    return *s;
  }
  ObjectPtr old = impl_->Find(r, ns, name);
  if (!old) return NotFound(r, name);
  std::string rv = api::ResourceVersion(obj);
  if (!rv.empty() && rv != api::ResourceVersion(*old)) {
    return Status::Conflict("Operation cannot be fulfilled on " + r.GroupResource() + " \"" + name +
                            "\": the object has been modified; please apply your changes to the "
                            "latest version and try again")
        .WithDetails({name, r.group, r.plural});
  }
  rapidjson::Document doc;
  if (subresource == "status") {
    doc = api::CloneDocument(*old);
    auto& a = doc.GetAllocator();
    api::RemoveMember(doc, "status");
    if (const rapidjson::Value* st = api::FindMember(obj, "status")) {
      rapidjson::Value copy(*st, a);
      api::SetValue(doc, "status", copy, a);
    }
  } else {
    doc = api::CloneDocument(obj);
    auto& a = doc.GetAllocator();
    rapidjson::Value& meta = api::EnsureObject(doc, {"metadata"}, a);
    api::SetString(meta, "uid", api::Uid(*old), a);
    api::SetString(meta, "creationTimestamp", api::CreationTimestamp(*old), a);
  }
  return impl_->Store(r, ObjectKey{ns, name}, std::move(doc));
}

Result<ObjectPtr> FakeClient::Patch(const Resource& r, std::string_view ns, std::string_view name,
                                    client::PatchType type, std::string_view patch,
                                    std::string_view subresource, const client::WriteOptions&) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s = impl_->Record({"patch", r.plural, std::string(ns), std::string(name),
                              std::string(subresource), std::string(patch)})) {
    return *s;
  }
  ObjectPtr old = impl_->Find(r, ns, name);
  if (!old) return NotFound(r, name);
  auto p = api::ParseJson(patch);
  if (!p.ok()) return Status::BadRequest("FakeClient: patch is not JSON: " + p.status().message());
  rapidjson::Document doc = api::CloneDocument(*old);
  switch (type) {
    case client::PatchType::kJson:
      TK_RETURN_IF_ERROR(api::ApplyJsonPatch(doc, *p));
      break;
    case client::PatchType::kStrategic:
      TK_RETURN_IF_ERROR(
          api::ApplyStrategicMergePatch(doc, *p, doc.GetAllocator(), api::DefaultPatchMeta()));
      break;
    case client::PatchType::kMerge:
    case client::PatchType::kApply:
      api::ApplyMergePatch(doc, *p, doc.GetAllocator());
      break;
  }
  std::string rv = api::GetString(*p, {"metadata", "resourceVersion"});
  if (!rv.empty() && rv != api::ResourceVersion(*old)) {
    return Status::Conflict("Operation cannot be fulfilled on " + r.GroupResource() + " \"" +
                            std::string(name) + "\": the object has been modified");
  }
  return impl_->Store(r, ObjectKey{r.namespaced ? std::string(ns) : "", std::string(name)},
                      std::move(doc));
}

Result<ObjectPtr> FakeClient::Delete(const Resource& r, std::string_view ns, std::string_view name,
                                     const client::DeleteOptions& options) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s = impl_->Record({"delete", r.plural, std::string(ns), std::string(name), "", ""})) {
    return *s;
  }
  ObjectPtr old = impl_->Find(r, ns, name);
  if (!old) return NotFound(r, name);
  if ((!options.precondition_uid.empty() && options.precondition_uid != api::Uid(*old)) ||
      (!options.precondition_resource_version.empty() &&
       options.precondition_resource_version != api::ResourceVersion(*old))) {
    return Status::Conflict("Operation cannot be fulfilled on " + r.GroupResource() + " \"" +
                            std::string(name) + "\": Precondition failed")
        .WithDetails({std::string(name), r.group, r.plural});
  }
  ObjectKey key{r.namespaced ? std::string(ns) : "", std::string(name)};
  // Like the API server: Foreground and Orphan are recorded as finalizers for the GC.
  const char* gc_finalizer = options.propagation_policy == "Foreground" ? "foregroundDeletion"
                             : options.propagation_policy == "Orphan"   ? "orphan"
                                                                        : nullptr;
  std::vector<std::string> finalizers = api::Finalizers(*old);
  const bool add_gc_finalizer =
      gc_finalizer != nullptr &&
      std::find(finalizers.begin(), finalizers.end(), gc_finalizer) == finalizers.end();
  if (!finalizers.empty() || add_gc_finalizer) {
    if (api::HasDeletionTimestamp(*old) && !add_gc_finalizer) return old;
    rapidjson::Document doc = api::CloneDocument(*old);
    auto& a = doc.GetAllocator();
    rapidjson::Value& meta = api::EnsureObject(doc, {"metadata"}, a);
    if (add_gc_finalizer) {
      finalizers.push_back(gc_finalizer);
      rapidjson::Value list(rapidjson::kArrayType);
      for (const std::string& f : finalizers) list.PushBack(api::MakeString(f, a), a);
      api::SetValue(meta, "finalizers", list, a);
    }
    if (!api::HasDeletionTimestamp(*old)) {
      api::SetString(meta, "deletionTimestamp", FormatRfc3339(std::chrono::system_clock::now()), a);
    }
    return impl_->Store(r, key, std::move(doc));
  }
  impl_->Erase(r, key, old);
  auto success = std::make_shared<rapidjson::Document>();
  success->Parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"})");
  return ObjectPtr(success);
}

Result<std::unique_ptr<client::WatchStream>> FakeClient::Watch(
    const Resource& r, std::string_view ns, const client::WatchOptions& options) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto s =
          impl_->Record({"watch", r.plural, std::string(ns), "", "", options.resource_version})) {
    return *s;
  }
  TK_ASSIGN_OR_RETURN(Filter f, MakeFilter(ns, options.label_selector, options.field_selector));
  auto w = std::make_shared<FakeWatch>(f);
  const std::string& rv = options.resource_version;
  std::string res = ResKey(r);
  if (rv.empty() || rv == "0") {
    for (const auto& [key, obj] : impl_->objects[res]) w->Push({WatchEventType::kAdded, obj, {}});
  } else {
    int64_t from = std::strtoll(rv.c_str(), nullptr, 10);
    if (from < impl_->history_floor) {
      auto doc = std::make_shared<rapidjson::Document>();
      std::string msg =
          "too old resource version: " + rv + " (" + std::to_string(impl_->history_floor - 1) + ")";
      doc->Parse(
          (R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Expired","code":410,"message":")" +
           msg + "\"}")
              .c_str());
      w->Push({WatchEventType::kError, doc, Status::Gone(msg)});
      w->End();
      // A shared_ptr keeps the stream alive for the caller; it is not registered.
      struct Holder final : public client::WatchStream {
        std::shared_ptr<FakeWatch> w;
        NextResult Next(WatchEvent* e, std::chrono::milliseconds t) override {
          return w->Next(e, t);
        }
        void Stop() override { w->Stop(); }
        Status status() const override { return w->status(); }
      };
      auto h = std::make_unique<Holder>();
      h->w = w;
      return std::unique_ptr<client::WatchStream>(std::move(h));
    }
    for (const auto& e : impl_->history) {
      if (e.res == res && e.rv > from) w->Push(e.event);
    }
  }
  impl_->watches[res].push_back(w);
  struct Holder final : public client::WatchStream {
    std::shared_ptr<FakeWatch> w;
    NextResult Next(WatchEvent* e, std::chrono::milliseconds t) override { return w->Next(e, t); }
    void Stop() override { w->Stop(); }
    Status status() const override { return w->status(); }
  };
  auto h = std::make_unique<Holder>();
  h->w = w;
  return std::unique_ptr<client::WatchStream>(std::move(h));
}

}  // namespace tinyk8s::testing
