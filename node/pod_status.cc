#include "node/pod_status.h"

#include <algorithm>

#include "api/json.h"
#include "api/meta.h"
#include "api/patch.h"
#include "api/quantity.h"

namespace tinyk8s::node {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

namespace {

int64_t Request(const Value& container, const char* resource, bool milli) {
  const Value* q = api::FindPath(container, {"resources", "requests", resource});
  if (!q || !q->IsString()) return 0;
  auto parsed = api::Quantity::Parse(q->GetString());
  if (!parsed.ok()) return 0;
  return milli ? parsed->MilliValue() : parsed->Value();
}

Value Str(const std::string& s, Alloc& a) { return api::MakeString(s, a); }

// ExistingCondition finds status.conditions[type].
const Value* ExistingCondition(const Value& pod, const char* type) {
  const Value* conds = api::FindPath(pod, {"status", "conditions"});
  if (!conds || !conds->IsArray()) return nullptr;
  for (const auto& c : conds->GetArray()) {
    if (api::GetString(c, {"type"}) == type) return &c;
  }
  return nullptr;
}

// `message` goes with a False status (the kubelet explains which containers are not ready).
void AddCondition(Value& list, const Value& pod, const char* type, bool status,
                  const std::string& now, Alloc& a, const std::string& message = "") {
  std::string want = status ? "True" : "False";
  std::string since = now;
  if (const Value* old = ExistingCondition(pod, type);
      old && api::GetString(*old, {"status"}) == want) {
    std::string t = api::GetString(*old, {"lastTransitionTime"});
    if (!t.empty()) since = t;
  }
  Value c(rapidjson::kObjectType);
  c.AddMember("type", Str(type, a), a);
  c.AddMember("status", Str(want, a), a);
  // No "lastProbeTime": null (upstream prints it): the API server prunes null members, so the
  // stored status would never equal this one and every pod got a second, no-op status write.
  c.AddMember("lastTransitionTime", Str(since, a), a);
  if (!status && (std::string(type) == "Ready" || std::string(type) == "ContainersReady")) {
    c.AddMember("reason", "ContainersNotReady", a);
    if (!message.empty()) c.AddMember("message", Str(message, a), a);
  }
  list.PushBack(c, a);
}

int64_t RestartCount(const Value& pod, const std::string& name) {
  if (const Value* st = api::FindPath(pod, {"status", "containerStatuses"}); st && st->IsArray()) {
    for (const auto& s : st->GetArray()) {
      if (api::GetString(s, {"name"}) == name) return api::GetInt(s, {"restartCount"});
    }
  }
  return 0;
}

// The repository digest containerd reports: docker.io/prom/node-exporter@sha256:...
std::string ImageId(const std::string& image) {
  std::string ref = NormalizedImageName(image);
  if (size_t at = ref.find('@'); at != std::string::npos) return ref;
  ref = ref.substr(0, ref.rfind(':'));  // the tag (NormalizedImageName always has one)
  // A stable fake digest derived from the image name.
  size_t h = std::hash<std::string>{}(image);
  char digest[80];
  std::snprintf(digest, sizeof digest, "%016zx%016zx%016zx%016zx", h, h * 31, h * 131, h * 1313);
  return ref + "@sha256:" + digest;
}

}  // namespace

std::string NormalizedImageName(const std::string& image) {
  // docker/distribution's ParseNormalizedNamed: a first component without '.' or ':' (and not
  // localhost) is a Docker Hub repository; one-word names live in library/; no tag is :latest.
  std::string name = image;
  const size_t slash = name.find('/');
  const std::string first = slash == std::string::npos ? "" : name.substr(0, slash);
  if (slash == std::string::npos) {
    name = "docker.io/library/" + name;
  } else if (first.find_first_of(".:") == std::string::npos && first != "localhost") {
    name = "docker.io/" + name;
  }
  const size_t last_slash = name.rfind('/');
  if (name.find(':', last_slash) == std::string::npos && name.find('@') == std::string::npos) {
    name += ":latest";
  }
  return name;
}

std::string ImagePullError(const std::string& image) {
  const std::string full = NormalizedImageName(image);
  const std::string quoted = "\"" + full + "\"";
  return "rpc error: code = NotFound desc = failed to pull and unpack image " + quoted +
         ": failed to resolve reference " + quoted + ": " + full + ": not found";
}

bool HasUnpullableImage(const rapidjson::Value& pod) {
  for (const char* list : {"initContainers", "containers"}) {
    const Value* cs = api::FindPath(pod, {"spec", list});
    if (cs == nullptr || !cs->IsArray()) continue;
    for (const auto& c : cs->GetArray()) {
      if (ImageCannotBePulled(api::GetString(c, {"image"}))) return true;
    }
  }
  return false;
}

bool ImageCannotBePulled(const std::string& image) {
  size_t colon = image.rfind(':');
  return colon != std::string::npos && image.find('/', colon) == std::string::npos &&
         image.compare(colon + 1, std::string::npos, "non-existent") == 0;
}

PodDemand DemandOf(const Value& pod) {
  PodDemand d;
  if (const Value* cs = api::FindPath(pod, {"spec", "containers"}); cs && cs->IsArray()) {
    for (const auto& c : cs->GetArray()) {
      d.cpu_milli += Request(c, "cpu", true);
      d.memory_bytes += Request(c, "memory", false);
      if (const Value* ports = api::FindMember(c, "ports"); ports && ports->IsArray()) {
        for (const auto& p : ports->GetArray()) {
          int64_t hp = api::GetInt(p, {"hostPort"});
          if (hp > 0) d.host_ports.push_back({hp, api::GetString(p, {"protocol"}, "TCP")});
        }
      }
    }
  }
  if (const Value* ics = api::FindPath(pod, {"spec", "initContainers"}); ics && ics->IsArray()) {
    for (const auto& c : ics->GetArray()) {
      d.cpu_milli = std::max(d.cpu_milli, Request(c, "cpu", true));
      d.memory_bytes = std::max(d.memory_bytes, Request(c, "memory", false));
    }
  }
  return d;
}

Document RunningStatusPatch(const Value& pod, const RunningState& state, Clock::TimePoint now) {
  Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  std::string now_text = FormatRfc3339(now);
  std::string start = api::GetString(pod, {"status", "startTime"});
  if (start.empty()) start = now_text;
  // A container whose image cannot be pulled never starts: the pod stays Pending, never Ready.
  bool pull_failed = false;
  if (const Value* cs = api::FindPath(pod, {"spec", "containers"}); cs && cs->IsArray()) {
    for (const auto& c : cs->GetArray()) {
      if (ImageCannotBePulled(api::GetString(c, {"image"}))) pull_failed = true;
    }
  }
  const bool ready = state.ready && !pull_failed;
  // As the kubelet words it: "containers with unready status: [a b]".
  std::string unready;
  if (const Value* cs = api::FindPath(pod, {"spec", "containers"}); cs && cs->IsArray()) {
    for (const auto& c : cs->GetArray()) {
      // The same test as each container status's "ready" below.
      if (ready && !ImageCannotBePulled(api::GetString(c, {"image"}))) continue;
      unready += (unready.empty() ? "" : " ") + api::GetString(c, {"name"});
    }
  }
  const std::string not_ready_message = "containers with unready status: [" + unready + "]";
  Value status(rapidjson::kObjectType);
  status.AddMember("phase", pull_failed ? "Pending" : "Running", a);
  Value conds(rapidjson::kArrayType);
  AddCondition(conds, pod, "PodReadyToStartContainers", true, now_text, a);
  AddCondition(conds, pod, "Initialized", true, now_text, a);
  AddCondition(conds, pod, "Ready", ready, now_text, a, not_ready_message);
  AddCondition(conds, pod, "ContainersReady", ready, now_text, a, not_ready_message);
  AddCondition(conds, pod, "PodScheduled", true, now_text, a);
  status.AddMember("conditions", conds, a);
  status.AddMember("hostIP", Str(state.host_ip, a), a);
  Value host_ips(rapidjson::kArrayType);
  Value hip(rapidjson::kObjectType);
  hip.AddMember("ip", Str(state.host_ip, a), a);
  host_ips.PushBack(hip, a);
  status.AddMember("hostIPs", host_ips, a);
  status.AddMember("podIP", Str(state.pod_ip, a), a);
  Value pod_ips(rapidjson::kArrayType);
  Value pip(rapidjson::kObjectType);
  pip.AddMember("ip", Str(state.pod_ip, a), a);
  pod_ips.PushBack(pip, a);
  status.AddMember("podIPs", pod_ips, a);
  status.AddMember("startTime", Str(start, a), a);
  std::string uid = api::Uid(pod);
  Value statuses(rapidjson::kArrayType);
  if (const Value* cs = api::FindPath(pod, {"spec", "containers"}); cs && cs->IsArray()) {
    for (const auto& c : cs->GetArray()) {
      std::string name = api::GetString(c, {"name"});
      std::string image = api::GetString(c, {"image"});
      const bool pulled = !ImageCannotBePulled(image);
      Value s(rapidjson::kObjectType);
      s.AddMember("name", Str(name, a), a);
      Value st(rapidjson::kObjectType);
      if (pulled) {
        Value running(rapidjson::kObjectType);
        running.AddMember("startedAt", Str(start, a), a);
        st.AddMember("running", running, a);
      } else {
        Value waiting(rapidjson::kObjectType);
        if (state.pull_backing_off) {
          waiting.AddMember("reason", "ImagePullBackOff", a);
          waiting.AddMember("message", Str("Back-off pulling image \"" + image + "\"", a), a);
        } else {
          waiting.AddMember("reason", "ErrImagePull", a);
          waiting.AddMember("message", Str(ImagePullError(image), a), a);
        }
        st.AddMember("waiting", waiting, a);
      }
      s.AddMember("state", st, a);
      s.AddMember("lastState", Value(rapidjson::kObjectType), a);
      s.AddMember("ready", pulled && ready, a);
      s.AddMember("restartCount", RestartCount(pod, name), a);
      s.AddMember("image", Str(image, a), a);
      s.AddMember("imageID", Str(pulled ? ImageId(image) : "", a), a);
      if (pulled) {
        s.AddMember("containerID", Str("tinyk8s://" + uid.substr(0, 8) + "-" + name, a), a);
      }
      s.AddMember("started", pulled, a);
      statuses.PushBack(s, a);
    }
  }
  status.AddMember("containerStatuses", statuses, a);
  if (const Value* ics = api::FindPath(pod, {"spec", "initContainers"});
      ics && ics->IsArray() && !ics->Empty()) {
    Value init(rapidjson::kArrayType);
    for (const auto& c : ics->GetArray()) {
      std::string name = api::GetString(c, {"name"});
      Value s(rapidjson::kObjectType);
      s.AddMember("name", Str(name, a), a);
      Value st(rapidjson::kObjectType);
      Value term(rapidjson::kObjectType);
      term.AddMember("exitCode", 0, a);
      term.AddMember("reason", "Completed", a);
      term.AddMember("startedAt", Str(start, a), a);
      term.AddMember("finishedAt", Str(start, a), a);
      st.AddMember("terminated", term, a);
      s.AddMember("state", st, a);
      s.AddMember("lastState", Value(rapidjson::kObjectType), a);
      s.AddMember("ready", true, a);
      s.AddMember("restartCount", 0, a);
      s.AddMember("image", Str(api::GetString(c, {"image"}), a), a);
      s.AddMember("imageID", Str(ImageId(api::GetString(c, {"image"})), a), a);
      s.AddMember("containerID", Str("tinyk8s://" + uid.substr(0, 8) + "-" + name, a), a);
      s.AddMember("started", false, a);
      init.PushBack(s, a);
    }
    status.AddMember("initContainerStatuses", init, a);
  }
  d.AddMember("status", status, a);
  return d;
}

Document FailedStatusPatch(const Value& pod, const std::string& reason, const std::string& message,
                           Clock::TimePoint now) {
  Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  std::string now_text = FormatRfc3339(now);
  Value status(rapidjson::kObjectType);
  status.AddMember("phase", "Failed", a);
  status.AddMember("reason", Str(reason, a), a);
  status.AddMember("message", Str(message, a), a);
  Value conds(rapidjson::kArrayType);
  AddCondition(conds, pod, "Ready", false, now_text, a);
  AddCondition(conds, pod, "ContainersReady", false, now_text, a);
  AddCondition(conds, pod, "PodScheduled", true, now_text, a);
  status.AddMember("conditions", conds, a);
  std::string start = api::GetString(pod, {"status", "startTime"});
  if (start.empty()) start = now_text;
  status.AddMember("startTime", Str(start, a), a);
  // Containers that ran end with exit code 1 (an injected failure).
  Value statuses(rapidjson::kArrayType);
  if (const Value* cs = api::FindPath(pod, {"spec", "containers"}); cs && cs->IsArray()) {
    bool ran = !api::GetString(pod, {"status", "podIP"}).empty();
    for (const auto& c : cs->GetArray()) {
      std::string name = api::GetString(c, {"name"});
      Value s(rapidjson::kObjectType);
      s.AddMember("name", Str(name, a), a);
      Value st(rapidjson::kObjectType);
      if (ran) {
        Value term(rapidjson::kObjectType);
        term.AddMember("exitCode", 1, a);
        term.AddMember("reason", "Error", a);
        term.AddMember("startedAt", Str(start, a), a);
        term.AddMember("finishedAt", Str(now_text, a), a);
        st.AddMember("terminated", term, a);
      } else {
        Value waiting(rapidjson::kObjectType);
        waiting.AddMember("reason", Str(reason, a), a);
        st.AddMember("waiting", waiting, a);
      }
      s.AddMember("state", st, a);
      s.AddMember("lastState", Value(rapidjson::kObjectType), a);
      s.AddMember("ready", false, a);
      s.AddMember("restartCount", RestartCount(pod, name), a);
      s.AddMember("image", Str(api::GetString(c, {"image"}), a), a);
      s.AddMember("imageID", Str(ran ? ImageId(api::GetString(c, {"image"})) : "", a), a);
      s.AddMember("started", false, a);
      statuses.PushBack(s, a);
    }
  }
  status.AddMember("containerStatuses", statuses, a);
  d.AddMember("status", status, a);
  return d;
}

namespace {
// DropNulls removes null object members recursively, as the API server does when it stores.
void DropNulls(Value& v) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd();) {
      if (it->value.IsNull()) {
        it = v.EraseMember(it);
      } else {
        DropNulls(it->value);
        ++it;
      }
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) DropNulls(e);
  }
}
}  // namespace

bool StatusChanged(const Value& pod, const Value& patch) {
  Document current;
  current.SetObject();
  auto& a = current.GetAllocator();
  if (const Value* s = api::FindMember(pod, "status")) {
    current.AddMember("status", Value(*s, a), a);
  }
  Document merged;
  merged.CopyFrom(current, merged.GetAllocator());
  api::ApplyMergePatch(merged, patch, merged.GetAllocator());
  // Compare with what the server would store: lists in a merge patch replace the old ones
  // verbatim, nulls inside them included, and the server prunes those.
  DropNulls(merged);
  return !api::JsonEqual(current, merged);
}

}  // namespace tinyk8s::node
