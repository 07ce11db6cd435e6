#include "controllers/daemonset/pod_template.h"

#include "api/json.h"
#include "api/meta.h"
#include "controllers/daemonset/predicates.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using rapidjson::Value;

std::string SafeEncode(const std::string& s) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out = s;
  for (char& c : out) c = kAlphabet[static_cast<unsigned char>(c) % (sizeof(kAlphabet) - 1)];
  return out;
}
}  // namespace

std::string ComputeHash(const rapidjson::Value& pod_template, std::optional<int64_t> collision) {
  uint32_t h = 2166136261u;
  auto feed = [&h](const std::string& bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 16777619u;
    }
  };
  feed(api::ToJsonSorted(pod_template));
  if (collision) {
    // Little-endian uint32 bytes, as upstream writes binary.LittleEndian.PutUint32.
    uint32_t v = static_cast<uint32_t>(*collision);
    std::string b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    feed(b);
  }
  return SafeEncode(std::to_string(h));
}

std::string RevisionData(const rapidjson::Value& ds) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  Value tmpl(rapidjson::kObjectType);
  if (const Value* t = api::FindPath(ds, {"spec", "template"}); t != nullptr && t->IsObject()) {
    tmpl.CopyFrom(*t, a);
  }
  api::SetString(tmpl, "$patch", "replace", a);
  Value spec(rapidjson::kObjectType);
  api::SetValue(spec, "template", tmpl, a);
  api::SetValue(doc, "spec", spec, a);
  return api::ToJsonSorted(doc);
}

rapidjson::Value ControllerRefTo(const rapidjson::Value& ds,
                                 rapidjson::Document::AllocatorType& a) {
  Value ref(rapidjson::kObjectType);
  api::SetString(ref, "apiVersion", "apps/v1", a);
  api::SetString(ref, "kind", "DaemonSet", a);
  api::SetString(ref, "name", api::Name(ds), a);
  api::SetString(ref, "uid", api::Uid(ds), a);
  api::SetBool(ref, "controller", true, a);
  api::SetBool(ref, "blockOwnerDeletion", true, a);
  return ref;
}

rapidjson::Document NewDaemonPod(const rapidjson::Value& ds, const std::string& node_name,
                                 const std::string& hash) {
  rapidjson::Document pod(rapidjson::kObjectType);
  auto& a = pod.GetAllocator();
  api::SetString(pod, "apiVersion", "v1", a);
  api::SetString(pod, "kind", "Pod", a);
  Value meta(rapidjson::kObjectType);
  api::SetString(meta, "generateName", api::Name(ds) + "-", a);
  api::SetString(meta, "namespace", api::Namespace(ds), a);
  const Value* tmeta = api::FindPath(ds, {"spec", "template", "metadata"});
  Value labels(rapidjson::kObjectType);
  if (tmeta != nullptr) {
    if (const Value* l = api::FindMember(*tmeta, "labels"); l && l->IsObject())
      labels.CopyFrom(*l, a);
    for (const char* field : {"annotations", "finalizers"}) {
      if (const Value* v = api::FindMember(*tmeta, field); v && !v->IsNull()) {
        Value copy(*v, a);
        api::SetValue(meta, field, copy, a);
      }
    }
  }
  std::string gen = api::Annotation(ds, kTemplateGenerationAnnotation);
  if (!gen.empty()) api::SetString(labels, kTemplateGenerationLabel, gen, a);
  if (!hash.empty()) api::SetString(labels, kRevisionHashLabel, hash, a);
  api::SetValue(meta, "labels", labels, a);
  Value refs(rapidjson::kArrayType);
  refs.PushBack(ControllerRefTo(ds, a), a);
  api::SetValue(meta, "ownerReferences", refs, a);
  api::SetValue(pod, "metadata", meta, a);

  Value spec(rapidjson::kObjectType);
  if (const Value* ts = api::FindPath(ds, {"spec", "template", "spec"}); ts && ts->IsObject()) {
    spec.CopyFrom(*ts, a);
  }
  AddDaemonPodTolerations(spec, a);
  // Required node affinity replaced by one term pinning metadata.name (DS-9).
  Value& node_affinity = api::EnsureObject(spec, {"affinity", "nodeAffinity"}, a);
  Value required(rapidjson::kObjectType);
  Value terms(rapidjson::kArrayType);
  Value term(rapidjson::kObjectType);
  Value fields(rapidjson::kArrayType);
  Value req(rapidjson::kObjectType);
  api::SetString(req, "key", "metadata.name", a);
  api::SetString(req, "operator", "In", a);
  Value values(rapidjson::kArrayType);
  values.PushBack(api::MakeString(node_name, a), a);
  api::SetValue(req, "values", values, a);
  fields.PushBack(req, a);
  api::SetValue(term, "matchFields", fields, a);
  terms.PushBack(term, a);
  api::SetValue(required, "nodeSelectorTerms", terms, a);
  api::SetValue(node_affinity, "requiredDuringSchedulingIgnoredDuringExecution", required, a);
  api::SetValue(pod, "spec", spec, a);
  return pod;
}

}  // namespace tinyk8s::controllers::daemonset
