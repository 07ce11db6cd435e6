#pragma once
// GenerateNameClient forwards to a FakeClient but applies generateName itself with
// api::GenerateName (random suffixes): FakeClient's deterministic suffix generator produces only
// 27 distinct names per prefix, which collide as soon as a test creates and deletes a few pods.

#include "api/json.h"
#include "api/meta.h"
#include "api/names.h"
#include "tests/fakes/fake_client.h"

namespace tinyk8s::testing {

class GenerateNameClient final : public client::Client {
 public:
  explicit GenerateNameClient(FakeClient& fake) : fake_(fake) {}

  Result<client::ObjectPtr> Get(const client::Resource& r, std::string_view ns,
                                std::string_view name) override {
    return fake_.Get(r, ns, name);
  }
  Result<client::ObjectPtr> GetSubresource(const client::Resource& r, std::string_view ns,
                                           std::string_view name, std::string_view sub) override {
    return fake_.GetSubresource(r, ns, name, sub);
  }
  Result<client::ObjectList> List(const client::Resource& r, std::string_view ns,
                                  const client::ListOptions& o = {}) override {
    return fake_.List(r, ns, o);
  }
  Result<client::ObjectPtr> Create(const client::Resource& r, std::string_view ns,
                                   const rapidjson::Value& obj,
                                   const client::WriteOptions& o = {}) override {
    if (!api::Name(obj).empty() || api::GenerateNameOf(obj).empty())
      return fake_.Create(r, ns, obj, o);
    rapidjson::Document doc = api::CloneDocument(obj);
    auto& a = doc.GetAllocator();
    api::SetString(api::EnsureObject(doc, {"metadata"}, a), "name",
                   api::GenerateName(api::GenerateNameOf(obj)), a);
    return fake_.Create(r, ns, doc, o);
  }
  Result<client::ObjectPtr> CreateSubresource(const client::Resource& r, std::string_view ns,
                                              std::string_view name, std::string_view sub,
                                              const rapidjson::Value& body) override {
    return fake_.CreateSubresource(r, ns, name, sub, body);
  }
  Result<client::ObjectPtr> Update(const client::Resource& r, const rapidjson::Value& obj,
                                   std::string_view sub = "",
                                   const client::WriteOptions& o = {}) override {
    return fake_.Update(r, obj, sub, o);
  }
  Result<client::ObjectPtr> Patch(const client::Resource& r, std::string_view ns,
                                  std::string_view name, client::PatchType type,
                                  std::string_view patch, std::string_view sub = "",
                                  const client::WriteOptions& o = {}) override {
    return fake_.Patch(r, ns, name, type, patch, sub, o);
  }
  Result<client::ObjectPtr> Delete(const client::Resource& r, std::string_view ns,
                                   std::string_view name,
                                   const client::DeleteOptions& o = {}) override {
    return fake_.Delete(r, ns, name, o);
  }
  Result<std::unique_ptr<client::WatchStream>> Watch(const client::Resource& r, std::string_view ns,
                                                     const client::WatchOptions& o = {}) override {
    return fake_.Watch(r, ns, o);
  }

 private:
  FakeClient& fake_;
};

}  // namespace tinyk8s::testing
