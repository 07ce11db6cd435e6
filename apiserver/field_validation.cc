#include "apiserver/field_validation.h"

#include <string_view>
#include <unordered_set>

#include "api/json.h"
#include "api/schema/prune.h"
#include "api/schema/schema.h"
#include "apiserver/field_errors.h"

namespace tinyk8s::apiserver {

Result<FieldValidation> FieldValidationFrom(const HttpRequest& req) {
  std::string v = req.Query("fieldValidation");
  if (v == "Strict") return FieldValidation::kStrict;
  if (v == "Warn" || v.empty()) return FieldValidation::kWarn;
  if (v == "Ignore") return FieldValidation::kIgnore;
  return Status::BadRequest(
      "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\"; got \"" + v + "\"");
}

Status CheckFields(const ResourceInfo& r, rapidjson::Value& obj,
                   rapidjson::Document::AllocatorType& a, FieldValidation mode, BodyOrigin origin,
                   std::vector<std::string>* warnings,
                   const std::vector<std::string>& body_duplicates) {
  const api::schema::Type* type = api::schema::BuiltinSchemas().ForKind(r.group, r.version, r.kind);
  std::vector<std::string> problems;
  const auto decoder = origin == BodyOrigin::kStrategicPatch ? api::schema::Decoder::kUnstructured
                                                             : api::schema::Decoder::kJson;
  Status s = type ? api::schema::PruneObject(obj, *type, a, &problems, decoder) : Status::OK();
  // Upstream wraps decode errors of whole objects with the kind they were meant for.
  std::string wrap =
      origin == BodyOrigin::kObject
          ? r.kind + " in version \"" + r.version + "\" cannot be handled as a " + r.kind + ": "
          : "";
  if (!s.ok()) return Status::BadRequest(wrap + s.message());
  if ((problems.empty() && body_duplicates.empty()) || mode == FieldValidation::kIgnore) {
    return Status::OK();
  }
  if (mode == FieldValidation::kWarn) {
    warnings->insert(warnings->end(), body_duplicates.begin(), body_duplicates.end());
    warnings->insert(warnings->end(), problems.begin(), problems.end());
    return Status::OK();
  }
  std::string joined;
  if (!body_duplicates.empty() && (origin == BodyOrigin::kObject || origin == BodyOrigin::kApply)) {
    joined = "yaml: unmarshal errors:";  // only YAML bodies have them then
    for (const auto& d : body_duplicates) joined += "\n  " + d;
  } else {
    for (const auto& d : body_duplicates) joined += (joined.empty() ? "" : ", ") + d;
  }
  for (const auto& p : problems) joined += (joined.empty() ? "" : ", ") + p;
  if (origin == BodyOrigin::kApply) {
    // Undeclared fields were refused before; what is left are repeated keys, which upstream
    // finds by decoding the YAML strictly.
    return Status::BadRequest("error strict decoding YAML: error converting YAML to JSON: " +
                              joined);
  }
  return Status::BadRequest(wrap + "strict decoding error: " + joined);
}

Status PatchNotDecodable(std::string_view value, std::string_view why) {
  FieldError cause = FieldInvalid("patch", value, why);
  // An empty GroupKind and name, as upstream's patch handler passes them.
  return Status(StatusCode::kInvalid, " \"\" is invalid: patch: " + cause.message)
      .WithFieldErrors({std::move(cause)});
}

namespace {
// Walks a patch without building strings unless something repeats: patches are written all
// the time (status updates, set image), duplicates almost never.
class DuplicateFinder {
 public:
  explicit DuplicateFinder(std::vector<std::string>* out) : out_(out) {}

  void Walk(const rapidjson::Value& v) {
    if (path_.size() > 200) return;  // ParseJson refuses deeper documents anyway
    if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        path_.push_back({{}, static_cast<long>(i)});
        Walk(v[i]);
        path_.pop_back();
      }
      return;
    }
    if (!v.IsObject()) return;
    const bool repeats = api::HasRepeatedMemberNames(v);
    std::unordered_set<std::string_view> seen;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      path_.push_back({api::AsStringView(it->name), -1});
      if (repeats && !seen.insert(path_.back().name).second) {
        out_->push_back("duplicate field \"" + PathString() + "\"");
      }
      Walk(it->value);
      path_.pop_back();
    }
  }

 private:
  struct Segment {
    std::string_view name;
    long index;  // >= 0 for list items
  };

  std::string PathString() const {
    std::string out;
    for (const Segment& s : path_) {
      if (s.index >= 0) {
        out.append("[").append(std::to_string(s.index)).append("]");
      } else {
        if (!out.empty()) out.append(".");
        out.append(s.name);
      }
    }
    return out;
  }

  std::vector<std::string>* out_;
  std::vector<Segment> path_;
};
}  // namespace

std::vector<std::string> DuplicateFields(const rapidjson::Value& patch) {
  std::vector<std::string> out;
  DuplicateFinder(&out).Walk(patch);
  return out;
}

void AddWarningHeaders(HttpResponse& response, const std::vector<std::string>& warnings) {
  // Like upstream's warning recorder: repeats are dropped, and once all warnings together pass
  // kMaxTotal characters each is cut to kMaxItem and no more are added past kMaxTotal, so a
  // body with thousands of unknown fields cannot blow up the response headers.
  constexpr size_t kMaxTotal = 4096, kMaxItem = 256;
  std::unordered_set<std::string_view> seen;
  size_t total = 0;
  for (const std::string& w : warnings) {
    if (seen.insert(w).second) total += w.size();
  }
  const bool truncating = total > kMaxTotal;
  seen.clear();
  size_t written = 0;
  for (const std::string& w : warnings) {
    if (truncating && written >= kMaxTotal) break;
    if (!seen.insert(w).second) continue;
    size_t size = w.size();
    if (truncating && size > kMaxItem) {
      size = kMaxItem;
      while (size > 0 && (static_cast<unsigned char>(w[size]) & 0xC0) == 0x80) --size;  // UTF-8
    }
    written += size;
    std::string escaped;
    for (char c : std::string_view(w).substr(0, size)) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    response.headers.push_back({"Warning", "299 - \"" + escaped + "\""});
  }
}

}  // namespace tinyk8s::apiserver
