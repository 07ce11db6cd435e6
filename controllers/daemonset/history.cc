// ControllerRevision history (behavior-spec DS-40..DS-45; upstream
// pkg/controller/daemon/update.go constructHistory, dedupCurHistories, snapshot,
// cleanupHistory). Revisions are matched by content, so a rollback reuses the old revision
// (renumbered to max+1) and its hash: pods that never left that hash are not restarted.
#include <algorithm>
#include <set>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/pod_template.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using client::ObjectPtr;

int64_t RevisionNumber(const rapidjson::Value& rev) { return api::GetInt(rev, {"revision"}); }

bool DataMatches(const rapidjson::Value& rev, const std::string& want) {
  const rapidjson::Value* data = api::FindMember(rev, "data");
  return data != nullptr && api::ToJsonSorted(*data) == want;
}

std::optional<int64_t> CollisionCount(const rapidjson::Value& ds) {
  const rapidjson::Value* c = api::FindPath(ds, {"status", "collisionCount"});
  if (c == nullptr || !c->IsInt64()) return std::nullopt;
  return c->GetInt64();
}
}  // namespace

Result<std::vector<ObjectPtr>> DaemonSetController::ClaimRevisions(
    const ObjectPtr& ds, const api::LabelSelector& selector) {
  const auto& revs = client::resources::ControllerRevisions();
  std::vector<ObjectPtr> claimed;
  for (const ObjectPtr& rev :
       rev_informer_.indexer().ByIndex(client::kOwnerUidIndex, api::Uid(*ds))) {
    if (api::Namespace(*rev) != api::Namespace(*ds)) continue;
    if (selector.Matches(api::Labels(*rev))) {
      claimed.push_back(rev);
    } else if (!api::HasDeletionTimestamp(*rev)) {
      TK_RETURN_IF_ERROR(Release(revs, ds, *rev));
    }
  }
  std::optional<bool> can_adopt;
  for (const ObjectPtr& rev :
       rev_informer_.indexer().ByIndex(kOrphanByNamespaceIndex, api::Namespace(*ds))) {
    if (api::HasDeletionTimestamp(*rev) || !selector.Matches(api::Labels(*rev))) continue;
    if (!can_adopt) can_adopt = CanAdopt(ds);
    if (!*can_adopt) break;
    TK_RETURN_IF_ERROR(Adopt(revs, ds, *rev));
    claimed.push_back(rev);
  }
  return claimed;
}

Result<DaemonSetController::History> DaemonSetController::ConstructHistory(const ObjectPtr& ds) {
  const auto& revs = client::resources::ControllerRevisions();
  const std::string ns = api::Namespace(*ds);
  auto selector = api::LabelSelector::FromJson(api::FindPath(*ds, {"spec", "selector"}));
  if (!selector.ok()) return selector.status();
  TK_ASSIGN_OR_RETURN(std::vector<ObjectPtr> histories, ClaimRevisions(ds, *selector));
  const std::string want = RevisionData(*ds);

  History h;
  std::vector<ObjectPtr> current;
  for (ObjectPtr rev : histories) {
    if (api::Label(*rev, kRevisionHashLabel).empty()) {
      // Label by name rather than recomputing a hash, so collisions do not matter (upstream).
      std::string patch = R"({"metadata":{"labels":{")" + std::string(kRevisionHashLabel) +
                          R"(":")" + api::Name(*rev) + R"("}}})";
      auto res = client_.Patch(revs, ns, api::Name(*rev), client::PatchType::kMerge, patch);
      if (!res.ok()) return res.status();
      rev = *res;
    }
    (DataMatches(*rev, want) ? current : h.old).push_back(rev);
  }
  int64_t next = 1;
  for (const ObjectPtr& rev : h.old) next = std::max(next, RevisionNumber(*rev) + 1);

  if (current.empty()) {
    // snapshot: a new revision named <ds>-<hash>.
    std::optional<int64_t> collision = CollisionCount(*ds);
    std::string hash = ComputeHash(*api::FindPath(*ds, {"spec", "template"}), collision);
    std::string name = api::Name(*ds) + "-" + hash;
    rapidjson::Document rev(rapidjson::kObjectType);
    auto& a = rev.GetAllocator();
    api::SetString(rev, "apiVersion", "apps/v1", a);
    api::SetString(rev, "kind", "ControllerRevision", a);
    rapidjson::Value meta(rapidjson::kObjectType);
    api::SetString(meta, "name", name, a);
    api::SetString(meta, "namespace", ns, a);
    rapidjson::Value labels(rapidjson::kObjectType);
    if (const auto* l = api::FindPath(*ds, {"spec", "template", "metadata", "labels"});
        l && l->IsObject()) {
      labels.CopyFrom(*l, a);
    }
    api::SetString(labels, kRevisionHashLabel, hash, a);
    api::SetValue(meta, "labels", labels, a);
    // A copy of the DS annotations carries kubernetes.io/change-cause to rollout history.
    if (const auto* ann = api::Annotations(*ds)) {
      rapidjson::Value copy(*ann, a);
      api::SetValue(meta, "annotations", copy, a);
    }
    rapidjson::Value refs(rapidjson::kArrayType);
    refs.PushBack(ControllerRefTo(*ds, a), a);
    api::SetValue(meta, "ownerReferences", refs, a);
    api::SetValue(rev, "metadata", meta, a);
    auto data = api::ParseJson(want);
    if (!data.ok()) return data.status();
    rapidjson::Value data_value(*data, a);
    api::SetValue(rev, "data", data_value, a);
    api::SetInt(rev, "revision", next, a);
    auto created = client_.Create(revs, ns, rev);
    if (created.ok()) {
      h.current = *created;
    } else if (created.status().IsAlreadyExists()) {
      auto existing = client_.Get(revs, ns, name);
      if (!existing.ok()) return existing.status();
      if (!DataMatches(**existing, want)) {
        // Hash collision (DS-43): bump status.collisionCount unless ours was stale.
        auto fresh = client_.Get(client::resources::DaemonSets(), ns, api::Name(*ds));
        if (!fresh.ok()) return fresh.status();
        if (CollisionCount(**fresh) != collision) {
          return Status::Conflict("stale collision count of DaemonSet " + api::Name(*ds));
        }
        rapidjson::Document upd = api::CloneDocument(**fresh);
        rapidjson::Value& status = api::EnsureObject(upd, {"status"}, upd.GetAllocator());
        api::SetInt(status, "collisionCount", collision.value_or(0) + 1, upd.GetAllocator());
        auto res = client_.Update(client::resources::DaemonSets(), upd, "status");
        if (!res.ok()) return res.status();
        return Status::Conflict("hash collision for DaemonSet " + api::Name(*ds) + ", retrying");
      }
      h.current = *existing;
    } else {
      return created.status();
    }
  } else {
    // Keep the highest-numbered current revision; duplicates go (DS-42).
    ObjectPtr keep = current.front();
    for (const ObjectPtr& rev : current) {
      if (RevisionNumber(*rev) >= RevisionNumber(*keep)) keep = rev;
    }
    const std::string keep_hash = api::Label(*keep, kRevisionHashLabel);
    for (const ObjectPtr& rev : current) {
      if (rev == keep) continue;
      // Relabel the pods that carry the duplicate's hash before it disappears.
      const std::string dup_hash = api::Label(*rev, kRevisionHashLabel);
      for (const ObjectPtr& pod :
           pod_informer_.indexer().ByIndex(client::kOwnerUidIndex, api::Uid(*ds))) {
        if (api::Label(*pod, kRevisionHashLabel) != dup_hash) continue;
        std::string patch = R"({"metadata":{"labels":{")" + std::string(kRevisionHashLabel) +
                            R"(":")" + keep_hash + R"("}}})";
        auto res = client_.Patch(client::resources::Pods(), ns, api::Name(*pod),
                                 client::PatchType::kStrategic, patch);
        if (!res.ok() && !res.status().IsNotFound()) return res.status();
      }
      auto del = client_.Delete(revs, ns, api::Name(*rev));
      if (!del.ok() && !del.status().IsNotFound()) return del.status();
    }
    h.current = keep;
    if (RevisionNumber(*keep) < next) {
      // A rollback: the old revision becomes the newest (DS-42).
      auto res = client_.Patch(revs, ns, api::Name(*keep), client::PatchType::kMerge,
                               R"({"revision":)" + std::to_string(next) + "}");
      if (!res.ok()) return res.status();
      h.current = *res;
    }
  }
  h.hash = api::Label(*h.current, kRevisionHashLabel);
  if (h.hash.empty()) h.hash = api::Name(*h.current);
  return h;
}

Status DaemonSetController::CleanupHistory(const ObjectPtr& ds, const api::LabelSelector&,
                                           const History& history) {
  int64_t limit = api::GetInt(*ds, {"spec", "revisionHistoryLimit"}, 10);
  int64_t to_kill = static_cast<int64_t>(history.old.size()) - limit;
  if (to_kill <= 0) return Status::OK();
  // Hashes still used by any pod of the DS, terminating and terminal ones included (DS-44).
  std::set<std::string> live;
  for (const ObjectPtr& pod :
       pod_informer_.indexer().ByIndex(client::kOwnerUidIndex, api::Uid(*ds))) {
    std::string h = api::Label(*pod, kRevisionHashLabel);
    if (!h.empty()) live.insert(h);
  }
  std::vector<ObjectPtr> old = history.old;
  std::sort(old.begin(), old.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    return RevisionNumber(*a) < RevisionNumber(*b);
  });
  for (const ObjectPtr& rev : old) {
    if (to_kill <= 0) break;
    if (live.count(api::Label(*rev, kRevisionHashLabel)) > 0) continue;
    auto res = client_.Delete(client::resources::ControllerRevisions(), api::Namespace(*rev),
                              api::Name(*rev));
    if (!res.ok() && !res.status().IsNotFound()) return res.status();
    --to_kill;
  }
  return Status::OK();
}

}  // namespace tinyk8s::controllers::daemonset
