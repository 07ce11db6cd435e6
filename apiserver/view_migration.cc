#include "apiserver/view_migration.h"

#include "api/json.h"
#include "common/logging.h"

namespace tinyk8s::apiserver {

namespace {

constexpr int64_t kPageSize = 500;  // bounded memory for data dirs with very many events

// MoveOne moves one object from its old key to `new_key`; true when it was written there.
Result<bool> MoveOne(storage::Store& store, const ResourceInfo& view, const storage::KeyValue& kv,
                     const std::string& new_key) {
  auto doc = api::ParseJson(kv.value);
  if (!doc.ok() || !doc->IsObject()) {
    TK_LOG_WARN << "cannot move " << kv.key << " into " << new_key << ": not a JSON object";
    return false;
  }
  view.converter->ToStored(*doc);
  auto created = store.Create(new_key, api::ToJson(*doc));
  if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
  if (!created.ok()) {
    TK_LOG_WARN << "dropping " << kv.key << ": " << new_key << " already holds an object";
  }
  auto deleted = store.Delete(kv.key, kv.mod_revision);
  // Another API server on the same store may be moving it at the same time.
  if (!deleted.ok() && !deleted.status().IsNotFound() && !deleted.status().IsConflict()) {
    return deleted.status();
  }
  return created.ok();
}

}  // namespace

Result<int> MigrateViewObjects(storage::Store& store, const Registry& registry) {
  int moved = 0;
  for (const auto& view : registry.resources()) {
    if (view->converter == nullptr) continue;
    const std::string old_prefix = view->OwnKeyPrefix();
    const std::string new_prefix = view->KeyPrefix();
    if (old_prefix == new_prefix) continue;
    int moved_here = 0;
    storage::ListOptions page;
    page.limit = kPageSize;
    for (bool more = true; more;) {
      TK_ASSIGN_OR_RETURN(storage::ListResult list, store.List(old_prefix, page));
      for (const storage::KeyValue& kv : list.items) {
        const std::string new_key = new_prefix + kv.key.substr(old_prefix.size());
        TK_ASSIGN_OR_RETURN(bool written, MoveOne(store, *view, kv, new_key));
        if (written) ++moved_here;
      }
      more = list.more && !list.items.empty();
      if (more) page.start_after = list.items.back().key;
    }
    moved += moved_here;
    if (moved_here > 0) {
      TK_LOG_INFO << "moved " << moved_here << " " << view->ApiVersion() << " " << view->plural
                  << " from " << old_prefix << " to " << new_prefix;
    }
  }
  return moved;
}

}  // namespace tinyk8s::apiserver
