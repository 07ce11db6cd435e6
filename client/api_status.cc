#include "client/api_status.h"

#include "api/json.h"

namespace tinyk8s::client {

StatusCode StatusCodeForHttp(unsigned http_code) {
  switch (http_code) {
    case 400:
      return StatusCode::kBadRequest;
    case 401:
      return StatusCode::kUnauthorized;
    case 403:
      return StatusCode::kForbidden;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kMethodNotAllowed;
    case 406:
      return StatusCode::kNotAcceptable;
    case 409:
      return StatusCode::kConflict;
    case 410:
      return StatusCode::kGone;
    case 413:
      return StatusCode::kRequestEntityTooLarge;
    case 415:
      return StatusCode::kUnsupportedMediaType;
    case 422:
      return StatusCode::kInvalid;
    case 429:
      return StatusCode::kTooManyRequests;
    case 499:
      return StatusCode::kCancelled;
    case 503:
      return StatusCode::kUnavailable;
    case 504:
      return StatusCode::kTimeout;
    default:
      return StatusCode::kInternal;
  }
}

StatusCode StatusCodeForReason(std::string_view reason, unsigned http_code) {
  struct Entry {
    std::string_view reason;
    StatusCode code;
  };
  // Upstream metav1.StatusReason values.
  static constexpr Entry kTable[] = {
      {"BadRequest", StatusCode::kBadRequest},
      {"Unauthorized", StatusCode::kUnauthorized},
      {"Forbidden", StatusCode::kForbidden},
      {"NotFound", StatusCode::kNotFound},
      {"AlreadyExists", StatusCode::kAlreadyExists},
      {"Conflict", StatusCode::kConflict},
      {"Gone", StatusCode::kGone},
      {"Expired", StatusCode::kGone},
      {"Invalid", StatusCode::kInvalid},
      {"ServerTimeout", StatusCode::kTimeout},
      {"Timeout", StatusCode::kTimeout},
      {"TooManyRequests", StatusCode::kTooManyRequests},
      {"MethodNotAllowed", StatusCode::kMethodNotAllowed},
      {"NotAcceptable", StatusCode::kNotAcceptable},
      {"RequestEntityTooLarge", StatusCode::kRequestEntityTooLarge},
      {"UnsupportedMediaType", StatusCode::kUnsupportedMediaType},
      {"InternalError", StatusCode::kInternal},
      {"ServiceUnavailable", StatusCode::kUnavailable},
      {"Cancelled", StatusCode::kCancelled},
  };
  for (const auto& e : kTable) {
    if (e.reason == reason) return e.code;
  }
  return StatusCodeForHttp(http_code);
}

Status StatusFromObject(const rapidjson::Value& obj, unsigned http_code) {
  if (api::GetString(obj, {"status"}) == "Success") return Status::OK();
  int64_t code = api::GetInt(obj, {"code"}, http_code);
  std::string reason = api::GetString(obj, {"reason"});
  std::string message = api::GetString(obj, {"message"});
  StatusCode sc = StatusCodeForReason(reason, static_cast<unsigned>(code));
  if (sc == StatusCode::kOk) sc = StatusCode::kInternal;
  if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(code) : reason;
  Status s(sc, message);
  if (const rapidjson::Value* d = api::FindPath(obj, {"details"}); d && d->IsObject()) {
    s.WithDetails({api::GetString(*d, {"name"}), api::GetString(*d, {"group"}),
                   api::GetString(*d, {"kind"})});
    if (const rapidjson::Value* causes = api::FindMember(*d, "causes");
        causes && causes->IsArray()) {
      std::vector<FieldError> errors;
      for (const auto& c : causes->GetArray()) {
        errors.push_back({api::GetString(c, {"reason"}), api::GetString(c, {"field"}),
                          api::GetString(c, {"message"})});
      }
      s.WithFieldErrors(std::move(errors));
    }
  }
  return s;
}

Status StatusFromResponse(unsigned http_code, std::string_view body) {
  auto doc = api::ParseJson(body);
  if (doc.ok() && doc->IsObject() && api::GetString(*doc, {"kind"}) == "Status") {
    Status s = StatusFromObject(*doc, http_code);
    if (!s.ok()) return s;
  }
  std::string msg = "the server responded with HTTP " + std::to_string(http_code);
  if (!body.empty()) msg += ": " + std::string(body.substr(0, 512));
  return Status(StatusCodeForHttp(http_code), msg);
}

bool HasCause(const Status& status, std::string_view cause_type) {
  for (const auto& e : status.field_errors()) {
    if (e.type == cause_type) return true;
  }
  return false;
}

}  // namespace tinyk8s::client
