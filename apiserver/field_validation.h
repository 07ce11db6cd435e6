#pragma once
// Schema-driven checks of request objects (the fieldValidation query parameter): unknown and
// duplicate fields are pruned always, and refused (Strict), reported as Warning headers (Warn,
// upstream's default when the parameter is absent or empty) or dropped silently (Ignore).
// Values of the wrong type are refused in every mode, as upstream's decoder does. Server-side
// apply refuses undeclared fields in every mode (see ServerSideApply); for it the mode only
// governs duplicate fields.

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "apiserver/http_server.h"
#include "apiserver/resource.h"
#include "common/status.h"

namespace tinyk8s::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };

// Parses ?fieldValidation= (absent or empty: Warn). Errors: kBadRequest for values other than
// Ignore, Warn, Strict.
Result<FieldValidation> FieldValidationFrom(const HttpRequest& req);

// Where the object came from, for upstream's error wording.
enum class BodyOrigin { kObject, kPatch, kApply };

// Prunes `obj` against the schema of r's kind (no-op for kinds without a schema). Problems
// become an error (Strict) or entries of *warnings (Warn); `yaml_duplicates` are the repeated
// keys api::YamlToJson found in a YAML body, which come first, as upstream reports them.
Status CheckFields(const ResourceInfo& r, rapidjson::Value& obj,
                   rapidjson::Document::AllocatorType& a, FieldValidation mode, BodyOrigin origin,
                   std::vector<std::string>* warnings,
                   const std::vector<std::string>& yaml_duplicates = {});

// Members repeated within an object of a merge or strategic merge patch body, as upstream's
// strict JSON decoder reports them: `duplicate field "spec.paused"`, in document order.
std::vector<std::string> DuplicateFields(const rapidjson::Value& patch);

// Adds one `Warning: 299 - "<text>"` header per distinct warning, within upstream's limits
// (4096 characters in all; items cut to 256 characters when over).
void AddWarningHeaders(HttpResponse& response, const std::vector<std::string>& warnings);

}  // namespace tinyk8s::apiserver
