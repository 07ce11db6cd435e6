// RFC 6902 JSON patch with RFC 6901 JSON pointers.
#include <charconv>

#include "api/json.h"
#include "api/patch.h"

namespace tinyk8s::api {
namespace {

// Splits and unescapes a JSON pointer ("" is the whole document).
Result<std::vector<std::string>> ParsePointer(std::string_view ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty()) return tokens;
  if (ptr[0] != '/') {
    return Status::BadRequest("invalid JSON pointer " + std::string(ptr) + ": must start with '/'");
  }
  std::string cur;
  for (size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      char next = i + 1 < ptr.size() ? ptr[i + 1] : '\0';
      if (next != '0' && next != '1') {
        return Status::BadRequest("invalid JSON pointer " + std::string(ptr) +
                                  ": '~' must be followed by '0' or '1'");
      }
      cur += next == '0' ? '~' : '/';
      ++i;
      continue;
    }
    cur += ptr[i];
  }
  return tokens;
}

// Array index per RFC 6901: digits without leading zeros. -1 when malformed.
int64_t ParseIndex(std::string_view token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return -1;
  int64_t v = -1;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || ptr != token.data() + token.size() || v < 0) return -1;
  return v;
}

// Resolves all tokens; nullptr when any step is missing.
rapidjson::Value* Resolve(rapidjson::Value& root, const std::vector<std::string>& tokens,
                          size_t count) {
  rapidjson::Value* cur = &root;
  for (size_t i = 0; i < count; ++i) {
    if (cur->IsObject()) {
      cur = FindMemberMutable(*cur, tokens[i]);
    } else if (cur->IsArray()) {
      int64_t idx = ParseIndex(tokens[i]);
      if (idx < 0 || idx >= static_cast<int64_t>(cur->Size())) return nullptr;
      cur = &(*cur)[static_cast<rapidjson::SizeType>(idx)];
    } else {
      return nullptr;
    }
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

Status NotApplicable(std::string_view op, std::string_view path, std::string_view why) {
  return Status::Invalid(std::string(op) + " operation does not apply: doc is missing path: \"" +
                         std::string(path) + "\": " + std::string(why));
}

// Inserts `value` at the location (add semantics). Moves from `value`.
Status AddAt(rapidjson::Document& doc, const std::vector<std::string>& tokens,
             std::string_view path, rapidjson::Value& value) {
  auto& a = doc.GetAllocator();
  if (tokens.empty()) {
    static_cast<rapidjson::Value&>(doc) = value;
    return Status::OK();
  }
  rapidjson::Value* parent = Resolve(doc, tokens, tokens.size() - 1);
  if (parent == nullptr) return NotApplicable("add", path, "missing value");
  const std::string& last = tokens.back();
  if (parent->IsObject()) {
    SetValue(*parent, last, value, a);
    return Status::OK();
  }
  if (parent->IsArray()) {
    if (last == "-") {
      parent->PushBack(value, a);
      return Status::OK();
    }
    int64_t idx = ParseIndex(last);
    if (idx < 0 || idx > static_cast<int64_t>(parent->Size())) {
      return Status::Invalid("add operation does not apply: index out of range: \"" +
                             std::string(path) + "\"");
    }
    // RapidJSON has no array insert: append, then rotate into place.
    parent->PushBack(value, a);
    for (rapidjson::SizeType i = parent->Size() - 1; i > static_cast<rapidjson::SizeType>(idx);
         --i) {
      (*parent)[i].Swap((*parent)[i - 1]);
    }
    return Status::OK();
  }
  return NotApplicable("add", path, "parent is not a container");
}

Status RemoveAt(rapidjson::Document& doc, const std::vector<std::string>& tokens,
                std::string_view op, std::string_view path) {
  if (tokens.empty())
    return Status::Invalid(std::string(op) + ": cannot remove the whole document");
  rapidjson::Value* parent = Resolve(doc, tokens, tokens.size() - 1);
  if (parent == nullptr) return NotApplicable(op, path, "missing value");
  const std::string& last = tokens.back();
  if (parent->IsObject()) {
    if (!RemoveMember(*parent, last)) {
      return Status::Invalid("unable to remove nonexistent key: " + last + ": missing value");
    }
    return Status::OK();
  }
  if (parent->IsArray()) {
    int64_t idx = ParseIndex(last);
    if (idx < 0 || idx >= static_cast<int64_t>(parent->Size())) {
      return Status::Invalid("unable to remove nonexistent index: \"" + std::string(path) + "\"");
    }
    parent->Erase(parent->Begin() + idx);
    return Status::OK();
  }
  return NotApplicable(op, path, "parent is not a container");
}

}  // namespace

Status ApplyJsonPatch(rapidjson::Document& doc, const rapidjson::Value& patch_ops) {
  if (!patch_ops.IsArray()) {
    return Status::BadRequest("json patch must be an array of operations");
  }
  auto& a = doc.GetAllocator();
  for (rapidjson::SizeType i = 0; i < patch_ops.Size(); ++i) {
    const rapidjson::Value& op_obj = patch_ops[i];
    std::string where = "json patch operation " + std::to_string(i);
    if (!op_obj.IsObject()) return Status::BadRequest(where + " must be an object");
    const rapidjson::Value* op_v = FindMember(op_obj, "op");
    const rapidjson::Value* path_v = FindMember(op_obj, "path");
    if (op_v == nullptr || !op_v->IsString()) {
      return Status::BadRequest(where + ": missing or invalid \"op\"");
    }
    if (path_v == nullptr || !path_v->IsString()) {
      return Status::BadRequest(where + ": missing or invalid \"path\"");
    }
    std::string_view op = AsStringView(*op_v);
    std::string_view path = AsStringView(*path_v);
    TK_ASSIGN_OR_RETURN(std::vector<std::string> tokens, ParsePointer(path));
    const rapidjson::Value* value = FindMember(op_obj, "value");
    bool needs_value = op == "add" || op == "replace" || op == "test";
    if (needs_value && value == nullptr) {
      return Status::BadRequest(where + " (" + std::string(op) + "): missing \"value\"");
    }

    if (op == "add") {
      rapidjson::Value copy(*value, a);
      TK_RETURN_IF_ERROR(AddAt(doc, tokens, path, copy));
    } else if (op == "remove") {
      TK_RETURN_IF_ERROR(RemoveAt(doc, tokens, "remove", path));
    } else if (op == "replace") {
      rapidjson::Value* target = Resolve(doc, tokens, tokens.size());
      if (target == nullptr) {
        return Status::Invalid("replace operation does not apply: doc is missing key: " +
                               std::string(path) + ": missing value");
      }
      target->CopyFrom(*value, a);
    } else if (op == "test") {
      rapidjson::Value* target = Resolve(doc, tokens, tokens.size());
      if (target == nullptr || !JsonEqual(*target, *value)) {
        return Status::Invalid("testing value " + std::string(path) + " failed: test failed");
      }
    } else if (op == "move" || op == "copy") {
      const rapidjson::Value* from_v = FindMember(op_obj, "from");
      if (from_v == nullptr || !from_v->IsString()) {
        return Status::BadRequest(where + " (" + std::string(op) + "): missing \"from\"");
      }
      std::string_view from = AsStringView(*from_v);
      TK_ASSIGN_OR_RETURN(std::vector<std::string> from_tokens, ParsePointer(from));
      rapidjson::Value* source = Resolve(doc, from_tokens, from_tokens.size());
      if (source == nullptr) return NotApplicable(op, from, "missing value");
      if (op == "move") {
        // A location cannot move into its own child.
        bool into_child = from_tokens.size() < tokens.size() &&
                          std::equal(from_tokens.begin(), from_tokens.end(), tokens.begin());
        if (into_child) {
          return Status::Invalid("move operation does not apply: \"" + std::string(from) +
                                 "\" cannot be moved into one of its children");
        }
        if (from_tokens == tokens) continue;
      }
      rapidjson::Value moved(*source, a);  // deep copy before the source is removed
      if (op == "move") TK_RETURN_IF_ERROR(RemoveAt(doc, from_tokens, "move", from));
      TK_RETURN_IF_ERROR(AddAt(doc, tokens, path, moved));
    } else {
      return Status::BadRequest("Unexpected kind: " + std::string(op));
    }
  }
  return Status::OK();
}

}  // namespace tinyk8s::api
