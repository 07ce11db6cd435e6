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
// kStrategicPatch: upstream decodes the result of a strategic merge patch from a map with its
// unstructured converter, whose words differ from the JSON decoder's.
enum class BodyOrigin { kObject, kPatch, kStrategicPatch, kApply };

// Prunes `obj` against the schema of r's kind (no-op for kinds without a schema). Problems
// become an error (Strict) or entries of *warnings (Warn); `body_duplicates` are the repeated
// keys of the request body itself (api::YamlToJson's for YAML, DuplicateFields' for a patch),
// which come first, as upstream reports them. Errors: kBadRequest, worded as upstream's
// decoder (for patches the caller wraps them, see PatchNotDecodable).
Status CheckFields(const ResourceInfo& r, rapidjson::Value& obj,
                   rapidjson::Document::AllocatorType& a, FieldValidation mode, BodyOrigin origin,
                   std::vector<std::string>* warnings,
                   const std::vector<std::string>& body_duplicates = {});

// Upstream's answer to a patch whose result does not decode (a value of the wrong type, or
// under Strict an unknown or repeated field): 422 Invalid without kind or name,
// ` "" is invalid: patch: Invalid value: "<value>": <why>`, where the value is the patched
// object's JSON (JSON and merge patches) or the patch printed as a Go map (strategic merge).
Status PatchNotDecodable(std::string_view value, std::string_view why);

// Members repeated within an object of a merge or strategic merge patch body, as upstream's
// strict JSON decoder reports them: `duplicate field "spec.paused"`, in document order.
std::vector<std::string> DuplicateFields(const rapidjson::Value& patch);

// Adds one `Warning: 299 - "<text>"` header per distinct warning, within upstream's limits
// (4096 characters in all; items cut to 256 characters when over).
void AddWarningHeaders(HttpResponse& response, const std::vector<std::string>& warnings);

}  // namespace tinyk8s::apiserver
