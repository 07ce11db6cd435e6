// The computed reviews: which resources are answered by a review handler instead of being
// stored, what they share (ReviewResponse, UserInfo in authentication.k8s.io/v1 form) and the
// authentication.k8s.io reviews: SelfSubjectReview (`kubectl auth whoami`) and TokenReview.
#include "api/json.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/field_validation.h"

namespace tinyk8s::apiserver {

namespace {

rapidjson::Value StringList(const std::vector<std::string>& items, api::Allocator& a) {
  rapidjson::Value out(rapidjson::kArrayType);
  for (const auto& s : items) out.PushBack(api::MakeString(s, a), a);
  return out;
}

// UserInfoJson renders authentication.k8s.io/v1 UserInfo; empty members are left out, as Go's
// omitempty does.
rapidjson::Value UserInfoJson(const auth::UserInfo& user, api::Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  if (!user.name.empty()) out.AddMember("username", api::MakeString(user.name, a), a);
  if (!user.uid.empty()) out.AddMember("uid", api::MakeString(user.uid, a), a);
  if (!user.groups.empty()) out.AddMember("groups", StringList(user.groups, a), a);
  if (!user.extra.empty()) {
    rapidjson::Value extra(rapidjson::kObjectType);
    for (const auto& [key, values] : user.extra) {
      extra.AddMember(api::MakeString(key, a), StringList(values, a), a);
    }
    out.AddMember("extra", extra, a);
  }
  return out;
}

}  // namespace

ApiHandler::ReviewHandler ApiHandler::ReviewHandlerFor(const ResourceInfo& r) {
  struct Review {
    const char* group;
    const char* plural;
    ReviewHandler handler;
  };
  static const Review kReviews[] = {
      {"authorization.k8s.io", "selfsubjectaccessreviews", &ApiHandler::CreateAccessReview},
      {"authorization.k8s.io", "selfsubjectrulesreviews", &ApiHandler::CreateRulesReview},
      {"authentication.k8s.io", "selfsubjectreviews", &ApiHandler::CreateSelfSubjectReview},
      {"authentication.k8s.io", "tokenreviews", &ApiHandler::CreateTokenReview},
  };
  for (const Review& review : kReviews) {
    if (r.group == review.group && r.plural == review.plural) return review.handler;
  }
  return nullptr;
}

HttpResponse ReviewResponse(rapidjson::Document& review, const ResourceInfo& r) {
  auto& a = review.GetAllocator();
  if (!review.HasMember("apiVersion")) {
    review.AddMember("apiVersion", api::MakeString(r.ApiVersion(), a), a);
  }
  if (!review.HasMember("kind")) review.AddMember("kind", api::MakeString(r.kind, a), a);
  if (!review.HasMember("metadata")) {
    review.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), a);
  }
  return JsonResponse(201, api::ToJson(review));
}

HttpResponse ApiHandler::CreateSelfSubjectReview(const HttpRequest& req, const ResourceInfo& r,
                                                 const auth::UserInfo& user) {
  std::vector<std::string> warnings;
  auto body = DecodeCheckedBody(req, r, &warnings);
  if (!body.ok()) return ErrorResponse(body.status());
  if (!body->IsObject()) return ErrorResponse(BadRequestError("the body must be an object"));
  // As upstream, the answer is a fresh object: only the kind is taken from the request.
  rapidjson::Document review;
  review.SetObject();
  auto& a = review.GetAllocator();
  review.AddMember("apiVersion", api::MakeString(r.ApiVersion(), a), a);
  review.AddMember("kind", api::MakeString(r.kind, a), a);
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("creationTimestamp", api::MakeString(FormatRfc3339(objects_.clock().Now()), a),
                     a);
  review.AddMember("metadata", metadata, a);
  rapidjson::Value status(rapidjson::kObjectType);
  status.AddMember("userInfo", UserInfoJson(user, a), a);
  review.AddMember("status", status, a);
  HttpResponse response = ReviewResponse(review, r);
  AddWarningHeaders(response, warnings);
  return response;
}

HttpResponse ApiHandler::CreateTokenReview(const HttpRequest& req, const ResourceInfo& r,
                                           const auth::UserInfo& /*user*/) {
  std::vector<std::string> warnings;
  auto body = DecodeCheckedBody(req, r, &warnings);
  if (!body.ok()) return ErrorResponse(body.status());
  rapidjson::Document& review = *body;
  if (!review.IsObject()) return ErrorResponse(BadRequestError("the body must be an object"));
  const rapidjson::Value* token = api::FindPath(review, {"spec", "token"});
  if (!token || !token->IsString() || token->GetStringLength() == 0) {
    return ErrorResponse(BadRequestError("token is required for TokenReview in authentication"));
  }
  std::vector<std::string> audiences;
  if (const auto* list = api::FindPath(review, {"spec", "audiences"}); list && list->IsArray()) {
    for (const auto& aud : list->GetArray()) {
      if (aud.IsString()) audiences.emplace_back(api::AsStringView(aud));
    }
  }
  auth::TokenReviewAnswer answer =
      authenticator_.ReviewToken(std::string(api::AsStringView(*token)), audiences);
  // The request comes back with its status filled in, as upstream; Go's omitempty leaves out
  // a false `authenticated` but never the `user` struct.
  auto& a = review.GetAllocator();
  api::RemoveMember(review, "status");
  rapidjson::Value status(rapidjson::kObjectType);
  if (answer.user) status.AddMember("authenticated", true, a);
  status.AddMember(
      "user",
      answer.user ? UserInfoJson(*answer.user, a) : rapidjson::Value(rapidjson::kObjectType), a);
  if (!answer.audiences.empty()) status.AddMember("audiences", StringList(answer.audiences, a), a);
  if (!answer.error.empty()) status.AddMember("error", api::MakeString(answer.error, a), a);
  review.AddMember("status", status, a);
  if (!review.HasMember("metadata"))
    review.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), a);
  rapidjson::Value* meta = api::FindMemberMutable(review, "metadata");
  if (meta && meta->IsObject() && !meta->HasMember("creationTimestamp")) {
    rapidjson::Value zero_time;  // a zero metav1.Time renders as null
    meta->AddMember("creationTimestamp", zero_time, a);
  }
  HttpResponse response = ReviewResponse(review, r);
  AddWarningHeaders(response, warnings);
  return response;
}

}  // namespace tinyk8s::apiserver
