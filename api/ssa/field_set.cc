#include "api/ssa/field_set.h"

#include <algorithm>

#include "api/json.h"

namespace tinyk8s::api::ssa {

using rapidjson::Value;

FieldSet& FieldSet::Child(std::string_view token) {
  auto it = children_.find(token);
  if (it == children_.end()) it = children_.emplace(std::string(token), FieldSet()).first;
  return it->second;
}

const FieldSet* FieldSet::Find(std::string_view token) const {
  auto it = children_.find(token);
  return it == children_.end() ? nullptr : &it->second;
}

void FieldSet::Erase(std::string_view token) {
  auto it = children_.find(token);
  if (it != children_.end()) children_.erase(it);
}

void FieldSet::Insert(const Path& path) {
  FieldSet* node = this;
  for (const auto& t : path) node = &node->Child(t);
  node->member_ = true;
}

bool FieldSet::Has(const Path& path) const {
  const FieldSet* node = this;
  for (const auto& t : path) {
    node = node->Find(t);
    if (!node) return false;
  }
  return node->member_;
}

void FieldSet::InsertAt(const Path& prefix, const FieldSet& other) {
  if (other.Empty()) return;
  FieldSet* node = this;
  for (const auto& t : prefix) node = &node->Child(t);
  node->UnionWith(other);
}

void FieldSet::UnionWith(const FieldSet& other) {
  member_ = member_ || other.member_;
  for (const auto& [token, child] : other.children_) Child(token).UnionWith(child);
}

void FieldSet::Subtract(const FieldSet& other) {
  if (other.member_) member_ = false;
  for (auto it = children_.begin(); it != children_.end();) {
    if (const FieldSet* o = other.Find(it->first)) it->second.Subtract(*o);
    it = it->second.Empty() ? children_.erase(it) : std::next(it);
  }
}

void FieldSet::SubtractRecursive(const FieldSet& other) {
  for (auto it = children_.begin(); it != children_.end();) {
    const FieldSet* o = other.Find(it->first);
    if (o && o->member_) {
      it = children_.erase(it);
      continue;
    }
    if (o) it->second.SubtractRecursive(*o);
    it = it->second.Empty() ? children_.erase(it) : std::next(it);
  }
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  out.member_ = member_ && other.member_;
  for (const auto& [token, child] : children_) {
    if (const FieldSet* o = other.Find(token)) {
      FieldSet sub = child.Intersection(*o);
      if (!sub.Empty()) out.children_.emplace(token, std::move(sub));
    }
  }
  return out;
}

void FieldSet::ForEachMember(const std::function<void(const Path&)>& f) const {
  Path prefix;
  ForEachMemberFrom(prefix, f);
}

void FieldSet::ForEachMemberFrom(Path& prefix, const std::function<void(const Path&)>& f) const {
  if (member_) f(prefix);
  for (const auto& [token, child] : children_) {
    prefix.push_back(token);
    child.ForEachMemberFrom(prefix, f);
    prefix.pop_back();
  }
}

size_t FieldSet::MemberCount() const {
  size_t n = member_ ? 1 : 0;
  for (const auto& [token, child] : children_) n += child.MemberCount();
  return n;
}

Value FieldSet::ToJson(rapidjson::Document::AllocatorType& a) const {
  Value out(rapidjson::kObjectType);
  if (member_ && !children_.empty()) out.AddMember(".", Value(rapidjson::kObjectType), a);
  for (const auto& [token, child] : children_) {
    if (child.Empty()) continue;
    out.AddMember(MakeString(token, a), child.ToJson(a), a);
  }
  return out;
}

std::string FieldSet::ToJsonString() const {
  rapidjson::Document d;
  Value v = ToJson(d.GetAllocator());
  return api::ToJson(v);
}

Result<FieldSet> FieldSet::FromJson(const Value& v) {
  if (!v.IsObject()) return Status::BadRequest("FieldsV1 must be a JSON object");
  FieldSet out;
  if (v.MemberCount() == 0) {
    out.member_ = true;
    return out;
  }
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view token = AsStringView(it->name);
    if (token == ".") {
      out.member_ = true;
      continue;
    }
    if (token.size() < 2 || token[1] != ':' ||
        std::string_view("fkvi").find(token[0]) == std::string_view::npos) {
      return Status::BadRequest("FieldsV1: unknown path element \"" + std::string(token) + "\"");
    }
    TK_ASSIGN_OR_RETURN(FieldSet child, FromJson(it->value));
    out.Child(token).UnionWith(child);
  }
  return out;
}

bool FieldSet::operator==(const FieldSet& other) const {
  if (member_ != other.member_ || children_.size() != other.children_.size()) return false;
  auto a = children_.begin();
  auto b = other.children_.begin();
  for (; a != children_.end(); ++a, ++b) {
    if (a->first != b->first || !(a->second == b->second)) return false;
  }
  return true;
}

std::string FieldToken(std::string_view name) {
  std::string t = "f:";
  t += name;
  return t;
}

namespace {
// "name=\"x\",protocol=\"TCP\"" from a k: token's JSON object.
std::string KeyString(std::string_view json) {
  auto doc = ParseJson(json);
  if (!doc.ok() || !doc->IsObject()) return std::string(json);
  std::vector<std::string> parts;
  for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
    parts.push_back(std::string(AsStringView(it->name)) + "=" + api::ToJson(it->value));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ',';
    out += parts[i];
  }
  return out;
}
}  // namespace

std::string PathString(const Path& path) {
  // Appends only: GCC 12 warns (-Wrestrict, falsely) on "[" + std::string(...) at -O3.
  std::string out;
  for (const auto& t : path) {
    std::string_view rest = std::string_view(t).substr(std::min<size_t>(2, t.size()));
    switch (t.empty() ? ' ' : t[0]) {
      case 'f':
        out.append(".").append(rest);
        break;
      case 'k':
        out.append("[").append(KeyString(rest)).append("]");
        break;
      case 'v':
        out.append("[=").append(rest).append("]");
        break;
      case 'i':
        out.append("[").append(rest).append("]");
        break;
      default:
        out.append(t);
    }
  }
  return out;
}

}  // namespace tinyk8s::api::ssa
