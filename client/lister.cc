#include "client/lister.h"

#include "api/meta.h"

namespace tinyk8s::client {

std::vector<ObjectPtr> Lister::List(const api::LabelSelector& selector) const {
  std::vector<ObjectPtr> all = indexer_->List();
  if (selector.Empty()) return all;
  std::vector<ObjectPtr> out;
  for (auto& obj : all) {
    if (selector.Matches(api::Labels(*obj))) out.push_back(std::move(obj));
  }
  return out;
}

std::vector<ObjectPtr> Lister::ListNamespace(std::string_view ns,
                                             const api::LabelSelector& selector) const {
  std::vector<ObjectPtr> in_ns = indexer_->ByIndex(kNamespaceIndex, ns);
  if (selector.Empty()) return in_ns;
  std::vector<ObjectPtr> out;
  for (auto& obj : in_ns) {
    if (selector.Matches(api::Labels(*obj))) out.push_back(std::move(obj));
  }
  return out;
}

}  // namespace tinyk8s::client
