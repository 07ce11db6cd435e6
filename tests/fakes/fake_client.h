#pragma once
// FakeClient: an in-memory client::Client for controller unit tests, like client-go's fake
// clientset (object tracker + reactors + action log):
//  - objects per resource with a global resourceVersion counter, uid/creationTimestamp/
//    generateName on create, resourceVersion compare-and-swap on update (kConflict), status
//    subresource updates only .status, merge/JSON/strategic patches, finalizers honoured on
//    delete (deletionTimestamp set instead of removal), delete preconditions;
//  - pods/binding sets spec.nodeName; pods/eviction deletes the pod;
//  - List with label selectors and simple field selectors (dotted paths, = and !=);
//  - Watch: live events, replay from a resourceVersion still in the event history, and an
//    ERROR 410 event when the version is older than the history (SetHistoryLimit);
//  - an action log (Actions()) and reactors to inject errors before an action is applied.
// Thread-safe.

#include <rapidjson/document.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/client.h"

namespace tinyk8s::testing {

struct FakeAction {
  std::string verb;      // get, list, create, update, patch, delete, watch
  std::string resource;  // plural
  std::string ns;
  std::string name;
  std::string subresource;
  std::string body;  // JSON body / patch text
  // Compact rendering for assertions: "create pods ns/name", "update pods/status ns/name".
  std::string ToString() const;
};

class FakeClient final : public client::Client {
 public:
  FakeClient();
  ~FakeClient() override;

  // Seeds an object without logging an action (sets resourceVersion; uid if missing).
  client::ObjectPtr Add(const client::Resource& r, const rapidjson::Value& obj);
  client::ObjectPtr Add(const client::Resource& r, std::string_view json);

  // Reactor: called before an action is applied; returning a Status makes the call fail with
  // it (the action is still logged). `verb` / `resource` "*" match anything.
  using Reactor = std::function<std::optional<Status>(const FakeAction& action)>;
  void PrependReactor(std::string verb, std::string resource, Reactor reactor);

  std::vector<FakeAction> Actions() const;
  // Actions rendered with ToString(), excluding get/list/watch (the writes a controller made).
  std::vector<std::string> WriteActions() const;
  void ClearActions();

  // Watch control: send an ERROR event with `status` to all open watches of `r` and end them;
  // end them without an error (as a server-side timeout would).
  void InjectWatchError(const client::Resource& r, const Status& status);
  void CloseWatches(const client::Resource& r);
  size_t NumOpenWatches(const client::Resource& r) const;
  // How many past events are kept for watch replay (default 10000). A watch from a version
  // older than the oldest kept event gets 410; with 0, any version before the latest write.
  void SetHistoryLimit(size_t limit);
  // The current global resourceVersion.
  int64_t ResourceVersion() const;

  // client::Client
  Result<client::ObjectPtr> Get(const client::Resource& r, std::string_view ns,
                                std::string_view name) override;
  Result<client::ObjectPtr> GetSubresource(const client::Resource& r, std::string_view ns,
                                           std::string_view name,
                                           std::string_view subresource) override;
  Result<client::ObjectList> List(const client::Resource& r, std::string_view ns,
                                  const client::ListOptions& options = {}) override;
  Result<client::ObjectPtr> Create(const client::Resource& r, std::string_view ns,
                                   const rapidjson::Value& obj,
                                   const client::WriteOptions& options = {}) override;
  Result<client::ObjectPtr> CreateSubresource(const client::Resource& r, std::string_view ns,
                                              std::string_view name, std::string_view subresource,
                                              const rapidjson::Value& body) override;
  Result<client::ObjectPtr> Update(const client::Resource& r, const rapidjson::Value& obj,
                                   std::string_view subresource = "",
                                   const client::WriteOptions& options = {}) override;
  Result<client::ObjectPtr> Patch(const client::Resource& r, std::string_view ns,
                                  std::string_view name, client::PatchType type,
                                  std::string_view patch, std::string_view subresource = "",
                                  const client::WriteOptions& options = {}) override;
  Result<client::ObjectPtr> Delete(const client::Resource& r, std::string_view ns,
                                   std::string_view name,
                                   const client::DeleteOptions& options = {}) override;
  Result<std::unique_ptr<client::WatchStream>> Watch(
      const client::Resource& r, std::string_view ns,
      const client::WatchOptions& options = {}) override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tinyk8s::testing
