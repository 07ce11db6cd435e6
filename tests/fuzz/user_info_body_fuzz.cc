// Request bodies of the review kinds carry user.Info's extra, a map of string lists
// ({}[]string). Protobuf bodies are decoded through the schema table and JSON bodies are pruned
// against it; neither may crash, whatever the wire types. The first byte picks the form.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "api/schema/protobuf.h"
#include "api/schema/prune.h"

using namespace tinyk8s::api;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const schema::SchemaTable& table = schema::BuiltinSchemas();
  static const schema::Type* kTypes[] = {
      table.Find("authentication.v1.SelfSubjectReview"),
      table.Find("authentication.v1.TokenReview"),
      table.Find("authentication.v1.UserInfo"),
      table.Find("authentication.v1.TokenRequest"),
  };
  const schema::Type* type = kTypes[(data[0] >> 2) % 4];
  if (!type) abort();
  rapidjson::Document doc;
  switch (data[0] & 3) {
    case 0: {  // a full protobuf body (magic, envelope)
      std::string body(schema::kProtobufMagic);
      body += rest;
      auto decoded = schema::DecodeProtobufObject(body, table);
      if (!decoded.ok()) return 0;
      doc = std::move(*decoded);
      break;
    }
    case 1: {  // one message of the type
      auto decoded = schema::DecodeProtobufMessage(rest, *type);
      if (!decoded.ok()) return 0;
      doc = std::move(*decoded);
      break;
    }
    default: {  // JSON
      auto parsed = ParseJson(rest);
      if (!parsed.ok()) return 0;
      doc = std::move(*parsed);
    }
  }
  if (!doc.IsObject()) return 0;
  std::vector<std::string> problems;
  (void)schema::PruneObject(doc, *type, doc.GetAllocator(), &problems);
  (void)ToJson(doc);
  return 0;
}
