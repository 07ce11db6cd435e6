#pragma once
// Kubernetes API errors with upstream wording (k8s.io/apimachinery/pkg/api/errors), and their
// rendering as metav1.Status JSON responses.

#include <string>
#include <vector>

#include "apiserver/http_server.h"
#include "apiserver/resource.h"
#include "common/status.h"

namespace tinyk8s::apiserver {

Status NotFoundError(const ResourceInfo& r, const std::string& name);
Status AlreadyExistsError(const ResourceInfo& r, const std::string& name);
// ConflictError: "Operation cannot be fulfilled on <gr> "<name>": <why>".
Status ConflictError(const ResourceInfo& r, const std::string& name, const std::string& why);
Status ModifiedConflictError(const ResourceInfo& r, const std::string& name);
// InvalidError: `<Kind>.<group> "<name>" is invalid: <field>: <message>` with causes.
Status InvalidError(const ResourceInfo& r, const std::string& name, std::vector<FieldError> errors);
// ForbiddenError: `<gr> "<name>" is forbidden: <why>`.
Status ForbiddenError(const ResourceInfo& r, const std::string& name, const std::string& why);
Status BadRequestError(const std::string& message);
Status MethodNotSupported(const ResourceInfo& r, const std::string& verb);
Status PathNotFound();

// HttpStatusFor maps a status code to its HTTP status.
unsigned HttpStatusFor(StatusCode code);
// StatusJson renders a failure Status as a metav1.Status object.
std::string StatusJson(const Status& status);
std::string SuccessStatusJson(unsigned code, const StatusDetails* details = nullptr);
HttpResponse ErrorResponse(const Status& status);

}  // namespace tinyk8s::apiserver
