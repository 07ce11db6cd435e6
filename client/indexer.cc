#include "client/indexer.h"

#include <mutex>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::client {

std::vector<std::string> NamespaceIndexFunc(const rapidjson::Value& obj) {
  return {api::Namespace(obj)};
}

std::vector<std::string> NodeNameIndexFunc(const rapidjson::Value& obj) {
  std::string node = api::GetString(obj, {"spec", "nodeName"});
  if (node.empty()) return {};
  return {std::move(node)};
}

std::vector<std::string> ControllerUidIndexFunc(const rapidjson::Value& obj) {
  api::OwnerReference ref;
  if (!api::GetControllerOf(obj, &ref) || ref.uid.empty()) return {};
  return {std::move(ref.uid)};
}

IndexFunc LabelIndexFunc(std::string label_key) {
  return [key = std::move(label_key)](const rapidjson::Value& obj) -> std::vector<std::string> {
    const rapidjson::Value* labels = api::Labels(obj);
    if (labels == nullptr) return {};
    const rapidjson::Value* v = api::FindMember(*labels, key);
    if (v == nullptr || !v->IsString()) return {};
    return {std::string(api::AsStringView(*v))};
  };
}

Indexer::Indexer() {
  indexers_[std::string(kNamespaceIndex)] = NamespaceIndexFunc;
  indices_[std::string(kNamespaceIndex)];
}

Status Indexer::AddIndexers(const Indexers& indexers) {
  std::unique_lock lock(mu_);
  for (const auto& [name, fn] : indexers) {
    if (indexers_.count(name) > 0) return Status::AlreadyExists("indexer \"" + name + "\" exists");
  }
  for (const auto& [name, fn] : indexers) {
    indexers_[name] = fn;
    auto& index = indices_[name];
    for (const auto& [key, obj] : items_) {
      for (auto& v : fn(*obj)) index[v].insert(key);
    }
  }
  return Status::OK();
}

bool Indexer::HasIndex(std::string_view name) const {
  std::shared_lock lock(mu_);
  return indices_.find(name) != indices_.end();
}

ObjectPtr Indexer::Get(const ObjectKey& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Indexer::List() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

std::vector<ObjectKey> Indexer::ListKeys() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectKey> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(key);
  return out;
}

std::vector<ObjectPtr> Indexer::ByIndex(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indices_.find(index);
  if (idx == indices_.end()) return out;
  auto set = idx->second.find(std::string(value));
  if (set == idx->second.end()) return out;
  out.reserve(set->second.size());
  for (const auto& key : set->second) {
    auto it = items_.find(key);
    if (it != items_.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectKey> Indexer::IndexKeys(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectKey> out;
  auto idx = indices_.find(index);
  if (idx == indices_.end()) return out;
  auto set = idx->second.find(std::string(value));
  if (set == idx->second.end()) return out;
  out.assign(set->second.begin(), set->second.end());
  return out;
}

size_t Indexer::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

void Indexer::IndexLocked(const ObjectKey& key, const rapidjson::Value* old_obj,
                          const rapidjson::Value* new_obj) {
  for (const auto& [name, fn] : indexers_) {
    auto& index = indices_[name];
    std::vector<std::string> old_values = old_obj ? fn(*old_obj) : std::vector<std::string>{};
    std::vector<std::string> new_values = new_obj ? fn(*new_obj) : std::vector<std::string>{};
    if (old_values == new_values) continue;  // the common case: nothing to move
    for (const auto& v : old_values) {
      auto it = index.find(v);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
    for (const auto& v : new_values) index[v].insert(key);
  }
}

ObjectPtr Indexer::Upsert(ObjectPtr obj) {
  ObjectKey key = ObjectKey::Of(*obj);
  std::unique_lock lock(mu_);
  auto& slot = items_[key];
  ObjectPtr old = std::move(slot);
  slot = obj;
  IndexLocked(key, old.get(), obj.get());
  return old;
}

ObjectPtr Indexer::Remove(const ObjectKey& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  items_.erase(it);
  IndexLocked(key, old.get(), nullptr);
  return old;
}

void Indexer::Replace(std::vector<ObjectPtr> objects) {
  std::unique_lock lock(mu_);
  items_.clear();
  for (auto& [name, index] : indices_) index.clear();
  items_.reserve(objects.size());
  for (auto& obj : objects) {
    ObjectKey key = ObjectKey::Of(*obj);
    auto& slot = items_[key];
    IndexLocked(key, slot.get(), obj.get());
    slot = std::move(obj);
  }
}

}  // namespace tinyk8s::client
