// POST subresources: pods/binding (the scheduler's bind), pods/eviction (kubectl drain) and
// serviceaccounts/token (TokenRequest, token_request.h).
#include "api/json.h"
#include "api/meta.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/token_request.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

// SetPodCondition sets (or replaces) a condition of type `type` in status.conditions.
void SetPodCondition(Document& pod, const std::string& type, const std::string& status,
                     const std::string& now) {
  auto& a = pod.GetAllocator();
  Value& st = api::EnsureObject(pod, {"status"}, a);
  Value* conds = api::FindMemberMutable(st, "conditions");
  if (!conds || !conds->IsArray()) {
    Value arr(rapidjson::kArrayType);
    api::SetValue(st, "conditions", arr, a);
    conds = api::FindMemberMutable(st, "conditions");
  }
  for (auto& c : conds->GetArray()) {
    if (c.IsObject() && api::GetString(c, {"type"}) == type) {
      if (api::GetString(c, {"status"}) != status) {
        api::SetString(c, "lastTransitionTime", now, a);
      }
      api::SetString(c, "status", status, a);
      return;
    }
  }
  Value c(rapidjson::kObjectType);
  c.AddMember("type", api::MakeString(type, a), a);
  c.AddMember("status", api::MakeString(status, a), a);
  c.AddMember("lastProbeTime", Value(), a);
  c.AddMember("lastTransitionTime", api::MakeString(now, a), a);
  conds->PushBack(c, a);
}

HttpResponse Bind(ObjectService& objects, const ResourceInfo& pods, const std::string& ns,
                  const std::string& name, const HttpRequest& req) {
  auto body = DecodeBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  const Document& binding = *body;
  if (!binding.IsObject())
    return ErrorResponse(Status::BadRequest("Binding must be a JSON object"));
  std::string node = api::GetString(binding, {"target", "name"});
  std::string body_name = api::GetString(binding, {"metadata", "name"});
  if (!body_name.empty() && body_name != name) {
    return ErrorResponse(Status::BadRequest("the name of the object (" + body_name +
                                            ") does not match the name on the URL (" + name + ")"));
  }
  if (node.empty()) {
    Status s = Status(StatusCode::kInvalid,
                      "Binding \"" + name + "\" is invalid: target.name: Required value");
    s.WithDetails({name, "", "Binding"})
        .WithFieldErrors({{"FieldValueRequired", "target.name", "Required value"}});
    return ErrorResponse(s);
  }
  const Value* annotations = api::FindPath(binding, {"metadata", "annotations"});
  std::string now = FormatRfc3339(objects.clock().Now());
  auto result = objects.Mutate(
      pods, ns, name, "binding",
      [&](Document& pod) -> Status {
        if (api::HasDeletionTimestamp(pod)) {
          return ConflictError(pods, name,
                               "pod " + name + " is being deleted, cannot be assigned to a host");
        }
        std::string current = api::GetString(pod, {"spec", "nodeName"});
        if (!current.empty()) {
          return ConflictError(pods, name,
                               "pod " + name + " is already assigned to node \"" + current + "\"");
        }
        if (const Value* gates = api::FindPath(pod, {"spec", "schedulingGates"});
            gates && gates->IsArray() && !gates->Empty()) {
          return ConflictError(pods, name, "pod " + name + " has non-empty .spec.schedulingGates");
        }
        auto& a = pod.GetAllocator();
        api::SetString(api::EnsureObject(pod, {"spec"}, a), "nodeName", node, a);
        if (annotations && annotations->IsObject()) {
          Value& ann = api::EnsureObject(pod, {"metadata", "annotations"}, a);
          for (auto it = annotations->MemberBegin(); it != annotations->MemberEnd(); ++it) {
            if (!it->value.IsString()) continue;
            Value v(it->value, a);
            api::SetValue(ann, std::string_view(it->name.GetString(), it->name.GetStringLength()),
                          v, a);
          }
        }
        SetPodCondition(pod, "PodScheduled", "True", now);
        if (Value* st = api::FindMemberMutable(pod, "status"))
          api::RemoveMember(*st, "nominatedNodeName");
        return Status::OK();
      },
      WriteOptionsFrom(req));
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(201, SuccessStatusJson(201));
}

HttpResponse Evict(ObjectService& objects, const ResourceInfo& pods, const std::string& ns,
                   const std::string& name, const HttpRequest& req) {
  auto body = DecodeBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  if (!body->IsObject()) return ErrorResponse(Status::BadRequest("Eviction must be a JSON object"));
  DeleteOptions options;
  if (const Value* d = api::FindMember(*body, "deleteOptions"); d && d->IsObject()) {
    if (const Value* g = api::FindMember(*d, "gracePeriodSeconds"); g && g->IsInt64()) {
      options.grace_period_seconds = g->GetInt64();
    }
    if (const Value* pre = api::FindPath(*d, {"preconditions", "uid"}); pre && pre->IsString()) {
      options.precondition_uid = pre->GetString();
    }
    options.dry_run = api::FindMember(*d, "dryRun") != nullptr;
  }
  // No PodDisruptionBudgets are served, so every eviction is allowed.
  auto result = objects.Delete(pods, ns, name, options);
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(201, SuccessStatusJson(201));
}

}  // namespace

HttpResponse ApiHandler::CreateSubresource(const Call& c) {
  if (c.resource.group.empty() && c.resource.plural == "pods") {
    if (c.info.subresource == "binding")
      return Bind(objects_, c.resource, c.info.ns, c.info.name, c.req);
    if (c.info.subresource == "eviction")
      return Evict(objects_, c.resource, c.info.ns, c.info.name, c.req);
  }
  if (c.resource.group.empty() && c.resource.plural == "serviceaccounts" &&
      c.info.subresource == "token" && service_accounts_) {
    return CreateToken(objects_, *service_accounts_, c.resource, c.info.ns, c.info.name, c.req);
  }
  return ErrorResponse(MethodNotSupported(c.resource, "create"));
}

}  // namespace tinyk8s::apiserver
