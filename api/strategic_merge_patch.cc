// Kubernetes strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch semantics,
// as applied by the apiserver: parallel delete lists merged, unmatched nulls ignored).
#include <algorithm>
#include <limits>

#include "api/json.h"
#include "api/patch.h"

namespace tinyk8s::api {
namespace {

using rapidjson::Value;
using Path = std::vector<std::string>;

constexpr std::string_view kDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

class StrategicMerger {
 public:
  StrategicMerger(Allocator& a, const PatchMetaLookup& meta) : a_(a), meta_(meta) {}

  // Merges object `patch` into `original` (made an object if it is not).
  Status MergeMap(Value& original, const Value& patch, const Path& path) {
    if (const Value* directive = FindMember(patch, kDirective)) {
      std::string_view d = AsStringView(*directive);
      if (d == "replace") {
        // The map becomes exactly the patch (minus the directive).
        original.SetObject();
        return MergeMembers(original, patch, path);
      }
      if (d == "delete") {
        original.SetObject();
        return Status::OK();
      }
      return Status::BadRequest("unknown patch type: " + ToJson(*directive) +
                                " in map: " + ToJson(patch));
    }
    if (!original.IsObject()) original.SetObject();
    TK_RETURN_IF_ERROR(ApplyRetainKeys(original, patch));
    return MergeMembers(original, patch, path);
  }

  // A value from the patch that has nothing to merge with: directives are resolved and nulls
  // dropped by merging it into an empty value.
  Status Fresh(Value& out, const Value& patch, const Path& path) {
    if (patch.IsObject()) {
      out.SetObject();
      return MergeMap(out, patch, path);
    }
    if (patch.IsArray()) {
      std::optional<PatchMeta> m = meta_(path);
      if (m && m->strategy != PatchMeta::kReplace) {
        out.SetArray();
        return MergeList(out, patch, path, *m);
      }
    }
    out.CopyFrom(patch, a_);
    return Status::OK();
  }

 private:
  Status MergeMembers(Value& original, const Value& patch, const Path& path) {
    std::vector<std::string> ordered_done;  // list fields already merged by $setElementOrder
    for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
      std::string_view key = AsStringView(it->name);
      if (!key.starts_with(kSetElementOrderPrefix)) continue;
      std::string field(key.substr(kSetElementOrderPrefix.size()));
      if (field.empty() || !it->value.IsArray()) {
        return Status::BadRequest("invalid patch: " + std::string(key) +
                                  " must be a list and name a field");
      }
      TK_RETURN_IF_ERROR(MergeOrderedField(original, patch, field, it->value, Child(path, field)));
      ordered_done.push_back(field);
    }

    for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
      std::string_view key = AsStringView(it->name);
      if (key == kDirective || key == kRetainKeys || key.starts_with(kSetElementOrderPrefix)) {
        continue;
      }
      if (key.starts_with(kDeleteFromPrimitiveListPrefix)) {
        TK_RETURN_IF_ERROR(DeleteFromPrimitiveList(
            original, key.substr(kDeleteFromPrimitiveListPrefix.size()), it->value));
        continue;
      }
      if (std::find(ordered_done.begin(), ordered_done.end(), key) != ordered_done.end()) continue;
      TK_RETURN_IF_ERROR(MergeField(original, key, it->value, Child(path, std::string(key))));
    }
    return Status::OK();
  }

  Status MergeField(Value& original, std::string_view key, const Value& patch_v, const Path& path) {
    if (patch_v.IsNull()) {
      RemoveMember(original, key);
      return Status::OK();
    }
    Value* existing = FindMemberMutable(original, key);
    bool same_kind = existing != nullptr && ((existing->IsObject() && patch_v.IsObject()) ||
                                             (existing->IsArray() && patch_v.IsArray()));
    if (!same_kind) {
      Value fresh;
      TK_RETURN_IF_ERROR(Fresh(fresh, patch_v, path));
      SetValue(original, key, fresh, a_);
      return Status::OK();
    }
    std::optional<PatchMeta> m = meta_(path);
    if (existing->IsObject()) {
      // A table entry with kReplace on a map field is upstream's patchStrategy:"replace";
      // maps without an entry merge.
      if (m && m->strategy == PatchMeta::kReplace && m->merge_key.empty()) {
        existing->CopyFrom(patch_v, a_);
        return Status::OK();
      }
      return MergeMap(*existing, patch_v, path);
    }
    if (m && m->strategy != PatchMeta::kReplace) return MergeList(*existing, patch_v, path, *m);
    existing->CopyFrom(patch_v, a_);  // atomic list
    return Status::OK();
  }

  // ---- $retainKeys ----------------------------------------------------------------------------
  Status ApplyRetainKeys(Value& original, const Value& patch) {
    const Value* retain = FindMember(patch, kRetainKeys);
    if (retain == nullptr) return Status::OK();
    if (!retain->IsArray()) return Status::BadRequest("invalid patch format of retainKeys");
    auto kept = [&](std::string_view k) {
      for (const auto& r : retain->GetArray()) {
        if (r.IsString() && AsStringView(r) == k) return true;
      }
      return false;
    };
    for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
      std::string_view k = AsStringView(it->name);
      if (it->value.IsNull() || k.starts_with("$")) continue;
      if (!kept(k)) return Status::BadRequest("invalid patch format of retainKeys");
    }
    for (auto it = original.MemberBegin(); it != original.MemberEnd();) {
      if (!kept(AsStringView(it->name))) {
        it = original.EraseMember(it);
      } else {
        ++it;
      }
    }
    return Status::OK();
  }

  // ---- $deleteFromPrimitiveList/<field> -------------------------------------------------------
  Status DeleteFromPrimitiveList(Value& original, std::string_view field, const Value& to_delete) {
    if (field.empty() || !to_delete.IsArray()) {
      return Status::BadRequest("invalid patch format of primitive list");
    }
    Value* list = FindMemberMutable(original, field);
    if (list == nullptr || !list->IsArray()) return Status::OK();
    for (auto it = list->Begin(); it != list->End();) {
      bool drop = std::any_of(to_delete.Begin(), to_delete.End(),
                              [&](const Value& d) { return JsonEqual(d, *it); });
      it = drop ? list->Erase(it) : it + 1;
    }
    return Status::OK();
  }

  // ---- lists ----------------------------------------------------------------------------------
  static bool IsMapList(const Value& a, const Value& b) {
    for (const Value* l : {&a, &b}) {
      for (const auto& e : l->GetArray()) return e.IsObject();
    }
    return false;
  }

  // Identity of an element for ordering: its merge key value, or itself for primitives.
  static const Value* Identity(const Value& item, const std::string& merge_key) {
    if (merge_key.empty()) return &item;
    return item.IsObject() ? FindMember(item, merge_key) : nullptr;
  }

  static int IndexIn(const Value& list, const Value& item, const std::string& merge_key) {
    const Value* id = Identity(item, merge_key);
    if (id == nullptr) return -1;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      const Value* other = Identity(list[i], merge_key);
      if (other != nullptr && JsonEqual(*id, *other)) return static_cast<int>(i);
    }
    return -1;
  }

  Status MergeList(Value& original, const Value& patch, const Path& path, const PatchMeta& m) {
    if (original.Empty() && patch.Empty()) return Status::OK();
    for (const Value* l : std::initializer_list<const Value*>{&original, &patch}) {
      for (const auto& e : l->GetArray()) {
        if (e.IsArray()) return Status::BadRequest("lists of lists are not supported");
      }
    }
    bool maps = IsMapList(original, patch);
    std::string key = maps ? m.merge_key : "";
    if (maps && key.empty()) {
      return Status::BadRequest("cannot merge lists without merge key for " + Join(path));
    }

    Value patch_items(rapidjson::kArrayType);  // patch minus directive elements
    if (maps) {
      bool replace = false;
      for (const auto& item : patch.GetArray()) {
        if (!item.IsObject()) return Status::BadRequest("list element types are not identical");
        const Value* directive = FindMember(item, kDirective);
        if (directive == nullptr) {
          patch_items.PushBack(Value(item, a_), a_);
          continue;
        }
        std::string_view d = AsStringView(*directive);
        if (d == "delete") {
          const Value* id = FindMember(item, key);
          if (id == nullptr) return NoMergeKey(item, key);
          for (auto it = original.Begin(); it != original.End();) {
            const Value* other = it->IsObject() ? FindMember(*it, key) : nullptr;
            it = (other != nullptr && JsonEqual(*other, *id)) ? original.Erase(it) : it + 1;
          }
        } else if (d == "replace") {
          replace = true;
        } else if (d == "merge") {
          return Status::BadRequest("merging lists cannot yet be specified in the patch");
        } else {
          return Status::BadRequest("unknown patch type: " + ToJson(*directive) +
                                    " in map: " + ToJson(item));
        }
      }
      if (replace) {
        // The list becomes the patch's other elements, in patch order.
        Value result(rapidjson::kArrayType);
        for (const auto& item : patch_items.GetArray()) {
          Value fresh;
          TK_RETURN_IF_ERROR(Fresh(fresh, item, path));
          result.PushBack(fresh, a_);
        }
        original = result;
        return Status::OK();
      }
    }

    // Server order is the original after deletions; merging keeps positions.
    Value server_order(original, a_);
    if (maps) {
      for (const auto& item : patch_items.GetArray()) {
        if (FindMember(item, key) == nullptr) return NoMergeKey(item, key);
        int at = IndexIn(original, item, key);
        if (at >= 0) {
          TK_RETURN_IF_ERROR(MergeMap(original[static_cast<rapidjson::SizeType>(at)], item, path));
        } else {
          Value fresh;
          TK_RETURN_IF_ERROR(Fresh(fresh, item, path));
          original.PushBack(fresh, a_);
        }
      }
    } else {
      // Primitive set union (upstream de-duplicates the concatenation).
      Value merged(rapidjson::kArrayType);
      for (const Value* l : std::initializer_list<const Value*>{&original, &patch}) {
        for (const auto& e : l->GetArray()) {
          if (IndexIn(merged, e, "") < 0) merged.PushBack(Value(e, a_), a_);
        }
      }
      original = merged;
      patch_items.CopyFrom(patch, a_);
    }
    Reorder(original, patch_items, server_order, key);
    return Status::OK();
  }

  // Upstream's normalizeElementOrder: items named by `patch_order` keep that order, the others
  // keep `server_order`'s, and the two sequences are interleaved by their server positions.
  void Reorder(Value& list, const Value& patch_order, const Value& server_order,
               const std::string& key) {
    std::vector<Value> from_patch, server_only;
    for (auto& item : list.GetArray()) {
      if (IndexIn(patch_order, item, key) >= 0) {
        from_patch.emplace_back(std::move(item));
      } else {
        server_only.emplace_back(std::move(item));
      }
    }
    SortByOrder(from_patch, patch_order, key);
    SortByOrder(server_only, server_order, key);

    Value result(rapidjson::kArrayType);
    size_t i = 0, j = 0;
    while (i < server_only.size() || j < from_patch.size()) {
      bool take_server;
      if (j >= from_patch.size()) {
        take_server = true;
      } else if (i >= server_only.size()) {
        take_server = false;
      } else {
        int li = IndexIn(server_order, server_only[i], key);
        int ri = IndexIn(server_order, from_patch[j], key);
        take_server = li >= 0 && ri >= 0 && li < ri;
      }
      result.PushBack(take_server ? server_only[i++] : from_patch[j++], a_);
    }
    list = result;
  }

  // Stable sort by position in `order`; elements missing from it go last.
  static void SortByOrder(std::vector<Value>& items, const Value& order, const std::string& key) {
    std::vector<std::pair<int, size_t>> ranks;
    for (size_t i = 0; i < items.size(); ++i) {
      int r = IndexIn(order, items[i], key);
      ranks.emplace_back(r < 0 ? std::numeric_limits<int>::max() : r, i);
    }
    std::stable_sort(ranks.begin(), ranks.end(),
                     [](const auto& l, const auto& r) { return l.first < r.first; });
    std::vector<Value> sorted;
    sorted.reserve(items.size());
    for (const auto& [rank, i] : ranks) sorted.emplace_back(std::move(items[i]));
    items = std::move(sorted);
  }

  // ---- $setElementOrder/<field> ---------------------------------------------------------------
  Status MergeOrderedField(Value& original, const Value& patch, const std::string& field,
                           const Value& order, const Path& path) {
    Value* orig_list = FindMemberMutable(original, field);
    const Value* patch_list = FindMember(patch, field);
    if (orig_list != nullptr && !orig_list->IsArray()) orig_list = nullptr;
    if (patch_list != nullptr && patch_list->IsNull()) {
      RemoveMember(original, field);
      return Status::OK();
    }
    if (patch_list != nullptr && !patch_list->IsArray()) {
      return Status::BadRequest("invalid patch: " + field + " must be a list");
    }
    if (orig_list == nullptr && patch_list == nullptr) return Status::OK();
    Value server_order(rapidjson::kArrayType);
    if (orig_list != nullptr) server_order.CopyFrom(*orig_list, a_);

    std::optional<PatchMeta> m = meta_(path);
    std::string key = m ? m->merge_key : "";
    Value merged;
    if (orig_list != nullptr && patch_list != nullptr) {
      merged.CopyFrom(*orig_list, a_);
      if (m && m->strategy != PatchMeta::kReplace) {
        TK_RETURN_IF_ERROR(MergeList(merged, *patch_list, path, *m));
      } else {
        merged.CopyFrom(*patch_list, a_);
      }
    } else if (patch_list != nullptr) {
      TK_RETURN_IF_ERROR(Fresh(merged, *patch_list, path));
      if (!merged.IsArray()) merged.SetArray();
    } else {
      merged.CopyFrom(*orig_list, a_);
    }
    if (!key.empty() && !IsMapList(merged, merged)) key.clear();
    Reorder(merged, order, server_order, key);
    SetValue(original, field, merged, a_);
    return Status::OK();
  }

  Status NoMergeKey(const Value& item, const std::string& key) {
    return Status::BadRequest("map: " + ToJson(item) +
                              " does not contain declared merge key: " + key);
  }

  static Path Child(const Path& p, std::string field) {
    Path c = p;
    c.push_back(std::move(field));
    return c;
  }

  static std::string Join(const Path& p) {
    std::string out;
    for (const auto& s : p) out += (out.empty() ? "" : ".") + s;
    return out;
  }

  Allocator& a_;
  const PatchMetaLookup& meta_;
};

}  // namespace

Status ApplyStrategicMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                                rapidjson::Document::AllocatorType& a,
                                const PatchMetaLookup& meta) {
  if (!patch.IsObject()) return Status::BadRequest("strategic merge patch must be a JSON object");
  PatchMetaLookup none = [](const Path&) { return std::optional<PatchMeta>(); };
  StrategicMerger merger(a, meta ? meta : none);
  return merger.MergeMap(target, patch, {});
}

}  // namespace tinyk8s::api
