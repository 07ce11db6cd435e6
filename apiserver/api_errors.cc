#include "apiserver/api_errors.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tinyk8s::apiserver {

namespace {
StatusDetails DetailsFor(const ResourceInfo& r, const std::string& name) {
  return {name, r.group, r.plural};
}
std::string Quote(const std::string& s) { return "\"" + s + "\""; }
}  // namespace

Status NotFoundError(const ResourceInfo& r, const std::string& name) {
  return Status::NotFound(r.GroupResource() + " " + Quote(name) + " not found")
      .WithDetails(DetailsFor(r, name));
}

Status AlreadyExistsError(const ResourceInfo& r, const std::string& name) {
  return Status::AlreadyExists(r.GroupResource() + " " + Quote(name) + " already exists")
      .WithDetails(DetailsFor(r, name));
}

Status ConflictError(const ResourceInfo& r, const std::string& name, const std::string& why) {
  return Status::Conflict("Operation cannot be fulfilled on " + r.GroupResource() + " " +
                          Quote(name) + ": " + why)
      .WithDetails(DetailsFor(r, name));
}

Status ModifiedConflictError(const ResourceInfo& r, const std::string& name) {
  return ConflictError(r, name,
                       "the object has been modified; please apply your changes to the latest "
                       "version and try again");
}

Status InvalidError(const ResourceInfo& r, const std::string& name,
                    std::vector<FieldError> errors) {
  std::string qualified = r.group.empty() ? r.kind : r.kind + "." + r.group;
  std::string message = qualified + " " + Quote(name) + " is invalid: ";
  auto one = [](const FieldError& e) {
    return e.field.empty() ? e.message : e.field + ": " + e.message;
  };
  if (errors.size() == 1) {
    message += one(errors[0]);
  } else {
    message += "[";
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i) message += ", ";
      message += one(errors[i]);
    }
    message += "]";
  }
  Status s(StatusCode::kInvalid, message);
  s.WithDetails({name, r.group, r.kind});
  s.WithFieldErrors(std::move(errors));
  return s;
}

Status ForbiddenError(const ResourceInfo& r, const std::string& name, const std::string& why) {
  std::string subject = r.GroupResource() + (name.empty() ? "" : " " + Quote(name));
  return Status(StatusCode::kForbidden, subject + " is forbidden: " + why)
      .WithDetails(DetailsFor(r, name));
}

Status BadRequestError(const std::string& message) { return Status::BadRequest(message); }

Status MethodNotSupported(const ResourceInfo& r, const std::string& verb) {
  return Status(StatusCode::kMethodNotAllowed,
                verb + " is not supported on resources of kind " + Quote(r.GroupResource()))
      .WithDetails({"", r.group, r.plural});
}

Status PathNotFound() {
  return Status::NotFound("the server could not find the requested resource");
}

unsigned HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalid:
      return 422;
    case StatusCode::kBadRequest:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kGone:
      return 410;
    case StatusCode::kUnauthorized:
      return 401;
    case StatusCode::kForbidden:
      return 403;
    case StatusCode::kMethodNotAllowed:
      return 405;
    case StatusCode::kNotAcceptable:
      return 406;
    case StatusCode::kUnsupportedMediaType:
      return 415;
    case StatusCode::kRequestEntityTooLarge:
      return 413;
    case StatusCode::kTooManyRequests:
      return 429;
    case StatusCode::kTimeout:
      return 504;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kInternal:
    case StatusCode::kUnknown:
      return 500;
  }
  return 500;
}

std::string StatusJson(const Status& status) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("kind");
  w.String("Status");
  w.Key("apiVersion");
  w.String("v1");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("status");
  w.String("Failure");
  w.Key("message");
  w.String(status.message().c_str());
  if (const char* reason = StatusCodeName(status.code()); *reason) {
    w.Key("reason");
    w.String(reason);
  }
  const auto& d = status.details();
  if (!d.name.empty() || !d.kind.empty() || !status.field_errors().empty()) {
    w.Key("details");
    w.StartObject();
    if (!d.name.empty()) {
      w.Key("name");
      w.String(d.name.c_str());
    }
    if (!d.group.empty()) {
      w.Key("group");
      w.String(d.group.c_str());
    }
    if (!d.kind.empty()) {
      w.Key("kind");
      w.String(d.kind.c_str());
    }
    if (!status.field_errors().empty()) {
      w.Key("causes");
      w.StartArray();
      for (const auto& e : status.field_errors()) {
        w.StartObject();
        w.Key("reason");
        w.String(e.type.c_str());
        w.Key("message");
        w.String(e.message.c_str());
        if (!e.field.empty()) {
          w.Key("field");
          w.String(e.field.c_str());
        }
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.Key("code");
  w.Uint(HttpStatusFor(status.code()));
  w.EndObject();
  return buf.GetString();
}

std::string SuccessStatusJson(unsigned code, const StatusDetails* details) {
  std::string out = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success",)";
  if (details) {
    out += R"("details":{"name":")" + details->name + R"(","group":")" + details->group +
           R"(","kind":")" + details->kind + R"("},)";
  }
  return out + "\"code\":" + std::to_string(code) + "}";
}

HttpResponse ErrorResponse(const Status& status) {
  HttpResponse r;
  r.status = HttpStatusFor(status.code());
  r.body = StatusJson(status);
  return r;
}

}  // namespace tinyk8s::apiserver
