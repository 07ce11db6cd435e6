#pragma once
// Field ownership in the generic store: which fields a write of a resource may own, and the
// managedFields bookkeeping of Update operations (create, update, non-apply patch), on top of
// api/ssa. ObjectService calls these; Apply lives in object_service_apply.cc.
//
// Thread-safe (stateless).

#include <rapidjson/document.h>

#include <string>

#include "api/schema/schema.h"
#include "api/ssa/field_manager.h"
#include "apiserver/object_service.h"
#include "apiserver/resource.h"
#include "common/clock.h"

namespace tinyk8s::apiserver {

// The schema of r's kind, or nullptr (fields are then deduced from the JSON).
const api::schema::Type* SchemaOf(const ResourceInfo& r);

// Fields no manager of this write owns: type and identity metadata, and what the write may not
// change (upstream ResetFieldsStrategy): status for main-resource writes of kinds with a status
// subresource, spec for status writes.
const api::ssa::FieldSet& IgnoredFields(const ResourceInfo& r, const std::string& subresource);

api::ssa::Operation OperationFor(const ResourceInfo& r, const std::string& subresource,
                                 const WriteOptions& options, const Clock& clock);

// Records an Update operation on `obj` (replacing `live`, nullptr on create) when the request
// names a manager; requests without one (internal writes) leave managedFields as they are, and
// so do creates by, and updates of unmanaged objects by, managers named by User-Agent only.
void TrackUpdate(const ResourceInfo& r, const rapidjson::Value* live, rapidjson::Document& obj,
                 const std::string& subresource, const WriteOptions& options, const Clock& clock);

}  // namespace tinyk8s::apiserver
