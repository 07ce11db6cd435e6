#include "apiserver/table.h"

#include "api/json.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

bool WantsTable(const std::string& accept) { return accept.find("as=Table") != std::string::npos; }

IncludeObject ParseIncludeObject(const std::string& value) {
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return IncludeObject::kMetadata;
}

std::string RenderTable(const ResourceInfo& r, const std::vector<CachedPtr>& objects,
                        const TableOptions& options, Clock::TimePoint now) {
  Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  doc.AddMember("kind", "Table", a);
  doc.AddMember("apiVersion", "meta.k8s.io/v1", a);
  Value meta(rapidjson::kObjectType);
  if (!options.resource_version.empty()) {
    meta.AddMember("resourceVersion", api::MakeString(options.resource_version, a), a);
  }
  if (!options.continue_token.empty()) {
    meta.AddMember("continue", api::MakeString(options.continue_token, a), a);
  }
  if (options.remaining > 0) meta.AddMember("remainingItemCount", options.remaining, a);
  doc.AddMember("metadata", meta, a);
  Value columns(rapidjson::kArrayType);
  if (options.column_definitions) {
    for (const auto& c : r.strategy->Columns()) {
      Value col(rapidjson::kObjectType);
      col.AddMember("name", api::MakeString(c.name, a), a);
      col.AddMember("type", api::MakeString(c.type, a), a);
      col.AddMember("format", api::MakeString(c.format, a), a);
      col.AddMember("description", api::MakeString(c.description, a), a);
      col.AddMember("priority", c.priority, a);
      columns.PushBack(col, a);
    }
  }
  doc.AddMember("columnDefinitions", columns, a);
  Value rows(rapidjson::kArrayType);
  for (const auto& obj : objects) {
    Value row(rapidjson::kObjectType);
    Value cells(rapidjson::kArrayType);
    auto parsed = obj->Doc();
    const Value& doc = *parsed;
    r.strategy->Cells(doc, now, cells, a);
    row.AddMember("cells", cells, a);
    if (options.include == IncludeObject::kObject) {
      row.AddMember("object", Value(doc, a), a);
    } else if (options.include == IncludeObject::kMetadata) {
      Value partial(rapidjson::kObjectType);
      partial.AddMember("kind", "PartialObjectMetadata", a);
      partial.AddMember("apiVersion", "meta.k8s.io/v1", a);
      if (const Value* m = api::FindMember(doc, "metadata")) {
        partial.AddMember("metadata", Value(*m, a), a);
      }
      row.AddMember("object", partial, a);
    }
    rows.PushBack(row, a);
  }
  doc.AddMember("rows", rows, a);
  return api::ToJson(doc);
}

}  // namespace tinyk8s::apiserver
