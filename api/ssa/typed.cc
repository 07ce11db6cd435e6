#include "api/ssa/typed.h"

#include <unordered_map>

#include "api/go_print.h"
#include "api/json.h"
#include "api/quantity.h"

namespace tinyk8s::api::ssa {

using rapidjson::Value;
using schema::Field;
using schema::Type;
using schema::ValueKind;

namespace {

// How a value is walked (upstream schema.Atom plus its element relationship).
struct Shape {
  enum class Kind : uint8_t { kLeaf, kStruct, kMap, kAssocList, kSetList, kDeduced };
  Kind kind = Kind::kDeduced;
  const Type* type = nullptr;    // kStruct
  const Field* field = nullptr;  // kMap, kAssocList, kSetList: the declaring field
  bool optional = false;         // its presence is a field of its own (pointer structs, maps)
  bool quantity = false;         // leaf compared as a resource.Quantity
};
using Kind = Shape::Kind;

Shape Leaf(bool quantity = false) { return Shape{Kind::kLeaf, nullptr, nullptr, false, quantity}; }

Shape StructShape(const Type* t) {
  if (!t) return Shape{};
  if (t->struct_type == "atomic") return Leaf();
  return Shape{Kind::kStruct, t, nullptr, false, false};
}

Shape ElementShape(const Field& f) {
  if (f.kind == ValueKind::kObject) return StructShape(f.type);
  return Leaf(f.kind == ValueKind::kQuantity);
}

Shape FieldShape(const Field& f) {
  if (f.container == schema::Container::kList) {
    if (f.list_type == "atomic") return Leaf();
    bool merge = f.patch_strategy.find("merge") != std::string::npos;
    if (f.list_type == "map" || (f.list_type.empty() && merge && !f.patch_merge_key.empty())) {
      return Shape{Kind::kAssocList, nullptr, &f, false, false};
    }
    if (f.list_type == "set" || (f.list_type.empty() && merge)) {
      return Shape{Kind::kSetList, nullptr, &f, false, false};
    }
    return Leaf();  // lists without a list type are atomic
  }
  if (f.container == schema::Container::kMap) {
    if (f.map_type == "atomic") return Leaf();
    return Shape{Kind::kMap, nullptr, &f, true, false};
  }
  Shape s = ElementShape(f);
  if (s.kind == Kind::kStruct) s.optional = f.pointer;
  return s;
}

Shape MemberShape(const Shape& parent, std::string_view name) {
  if (parent.kind == Kind::kStruct) {
    const Field* f = parent.type->FindField(name);
    return f ? FieldShape(*f) : Shape{};
  }
  if (parent.kind == Kind::kMap && parent.field) {
    // The lists of a map of lists (user extra) have no list type: atomic.
    return parent.field->list_values ? Leaf() : ElementShape(*parent.field);
  }
  return Shape{};
}

Shape ItemShape(const Shape& list) { return list.field ? ElementShape(*list.field) : Shape{}; }

// The kind a value is walked as: deduced objects are optional granular maps, and a value that
// does not fit its schema shape is treated as one atomic leaf.
Kind Effective(const Shape& s, const Value& v) {
  switch (s.kind) {
    case Kind::kDeduced:
      return v.IsObject() ? Kind::kMap : Kind::kLeaf;
    case Kind::kStruct:
    case Kind::kMap:
      return v.IsObject() ? s.kind : Kind::kLeaf;
    case Kind::kAssocList:
    case Kind::kSetList:
      return v.IsArray() ? s.kind : Kind::kLeaf;
    case Kind::kLeaf:
      return Kind::kLeaf;
  }
  return Kind::kLeaf;
}

bool IsOptional(const Shape& s) { return s.optional || s.kind == Kind::kDeduced; }

// metadata.managedFields describes the field sets; it is never one of their fields.
bool Skip(const Shape& parent, std::string_view name) {
  if (name != "managedFields") return false;
  return parent.kind == Kind::kDeduced ||
         (parent.type && parent.type->name == "meta.v1.ObjectMeta");
}

bool IsEmptyObject(const Value& v) { return v.IsObject() && v.MemberCount() == 0; }

bool LeafEqual(const Shape& s, const Value& a, const Value& b) {
  if (s.quantity && (a.IsString() || a.IsNumber()) && (b.IsString() || b.IsNumber())) {
    auto qa = Quantity::Parse(a.IsString() ? std::string(AsStringView(a)) : ToJson(a));
    auto qb = Quantity::Parse(b.IsString() ? std::string(AsStringView(b)) : ToJson(b));
    if (qa.ok() && qb.ok()) return *qa == *qb;
  }
  return JsonEqual(a, b);
}

std::string ValueToken(const Value& v) { return "v:" + ToJson(v); }

// k:{"containerPort":9100,"protocol":"TCP"}: the item's list-map keys, sorted by name.
std::string ItemToken(const Shape& list, const Value& item) {
  if (list.kind == Kind::kSetList || !item.IsObject() || !list.field) return ValueToken(item);
  const Field& f = *list.field;
  std::vector<std::string_view> keys;
  if (!f.list_map_keys.empty()) {
    keys.assign(f.list_map_keys.begin(), f.list_map_keys.end());
  } else {
    keys.push_back(f.patch_merge_key);
  }
  std::sort(keys.begin(), keys.end());
  std::string out = "k:{";
  bool first = true;
  for (std::string_view k : keys) {
    const Value* v = FindMember(item, k);
    std::string value;
    if (v && !v->IsNull()) {
      value = ToJson(*v);
    } else if (k == "protocol") {
      value = "\"TCP\"";  // the schema default of every port protocol key (upstream too)
    } else {
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":";
    out += value;
  }
  out += '}';
  return out;
}

// Items of a list by token; linear for short lists, hashed for long ones.
class ItemIndex {
 public:
  ItemIndex(const Shape& list, const Value& arr) {
    tokens_.reserve(arr.Size());
    for (const auto& item : arr.GetArray()) tokens_.push_back(ItemToken(list, item));
    if (tokens_.size() > 8) {
      for (size_t i = 0; i < tokens_.size(); ++i) hashed_.emplace(tokens_[i], i);
    }
  }
  // Index of the first item with `token`, or -1.
  long Find(const std::string& token) const {
    if (!hashed_.empty()) {
      auto it = hashed_.find(token);
      return it == hashed_.end() ? -1 : static_cast<long>(it->second);
    }
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i] == token) return static_cast<long>(i);
    }
    return -1;
  }
  const std::string& token(size_t i) const { return tokens_[i]; }

 private:
  std::vector<std::string> tokens_;
  std::unordered_multimap<std::string, size_t> hashed_;
};

void Fields(const Shape& s, const Value& v, FieldSet& node) {
  switch (Effective(s, v)) {
    case Kind::kStruct:
    case Kind::kMap:
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string_view name = AsStringView(it->name);
        if (Skip(s, name)) continue;
        std::string token = FieldToken(name);
        FieldSet& child = node.Child(token);
        const Value& cv = it->value;
        Shape cs = MemberShape(s, name);
        if (cv.IsNull() || IsEmptyObject(cv) || Effective(cs, cv) == Kind::kLeaf) {
          child.set_member(true);
        } else {
          Fields(cs, cv, child);
          if (child.Empty()) node.Erase(token);
        }
      }
      return;
    case Kind::kAssocList:
    case Kind::kSetList: {
      Shape item_shape = ItemShape(s);
      for (const auto& item : v.GetArray()) {
        FieldSet& child = node.Child(ItemToken(s, item));
        child.set_member(true);
        if (s.kind == Kind::kAssocList) Fields(item_shape, item, child);
      }
      return;
    }
    default:
      node.set_member(true);
  }
}

FieldSet FieldsOf(const Shape& s, const Value& v) {
  FieldSet out;
  Fields(s, v, out);
  return out;
}

class Comparer {
 public:
  explicit Comparer(Comparison& out) : out_(out) {}

  void Compare(const Shape& s, const Value* o, const Value* n) {
    if (o && o->IsNull()) o = nullptr;
    if (n && n->IsNull()) n = nullptr;
    if (!o && !n) return;
    if (!o) return Appeared(s, *n, out_.added, false);
    if (!n) return Appeared(s, *o, out_.removed, false);
    Kind ko = Effective(s, *o);
    Kind kn = Effective(s, *n);
    if (ko != kn || kn == Kind::kLeaf) {
      if (ko != kn || !LeafEqual(s, *o, *n)) out_.modified.Insert(path_);
      return;
    }
    if (kn == Kind::kStruct || kn == Kind::kMap) return CompareMembers(s, *o, *n);
    CompareItems(s, *o, *n);
  }

 private:
  void CompareMembers(const Shape& s, const Value& o, const Value& n) {
    bool oe = o.MemberCount() == 0;
    bool ne = n.MemberCount() == 0;
    if (oe && ne) return;
    if (oe || ne) {
      // An empty map is a leaf of its own; a filled one is its members.
      (oe ? out_.removed : out_.added).Insert(path_);
      (oe ? out_.added : out_.removed).InsertAt(path_, FieldsOf(s, oe ? n : o));
      return;
    }
    for (auto it = n.MemberBegin(); it != n.MemberEnd(); ++it) {
      std::string_view name = AsStringView(it->name);
      if (Skip(s, name)) continue;
      path_.push_back(FieldToken(name));
      Compare(MemberShape(s, name), FindMember(o, name), &it->value);
      path_.pop_back();
    }
    for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
      std::string_view name = AsStringView(it->name);
      if (Skip(s, name) || FindMember(n, name)) continue;
      path_.push_back(FieldToken(name));
      Compare(MemberShape(s, name), &it->value, nullptr);
      path_.pop_back();
    }
  }

  void CompareItems(const Shape& s, const Value& o, const Value& n) {
    ItemIndex old_items(s, o);
    std::vector<bool> matched(o.Size(), false);
    Shape item_shape = ItemShape(s);
    for (const auto& item : n.GetArray()) {
      path_.push_back(ItemToken(s, item));
      long i = old_items.Find(path_.back());
      if (i < 0) {
        Appeared(item_shape, item, out_.added, true);
      } else {
        matched[i] = true;
        if (s.kind == Kind::kAssocList) Compare(item_shape, &o[i], &item);
      }
      path_.pop_back();
    }
    for (rapidjson::SizeType i = 0; i < o.Size(); ++i) {
      if (matched[i]) continue;
      path_.push_back(old_items.token(i));
      Appeared(item_shape, o[i], out_.removed, true);
      path_.pop_back();
    }
  }

  // Records `v` (at path_) and everything below it as added or removed.
  void Appeared(const Shape& s, const Value& v, FieldSet& into, bool item) {
    if (Effective(s, v) == Kind::kLeaf || IsEmptyObject(v)) {
      into.Insert(path_);
      return;
    }
    FieldSet sub = FieldsOf(s, v);
    if (item || IsOptional(s)) sub.set_member(true);
    into.InsertAt(path_, sub);
  }

  Comparison& out_;
  Path path_;
};

void MergeValue(const Shape& s, Value& live, const Value& cfg, Allocator& a) {
  Kind kl = Effective(s, live);
  Kind kc = Effective(s, cfg);
  if (kl != kc || kc == Kind::kLeaf) {
    if (kl != kc || !LeafEqual(s, live, cfg)) live.CopyFrom(cfg, a);
    return;
  }
  if (kc == Kind::kStruct || kc == Kind::kMap) {
    for (auto it = cfg.MemberBegin(); it != cfg.MemberEnd(); ++it) {
      std::string_view name = AsStringView(it->name);
      if (Skip(s, name)) continue;
      if (it->value.IsNull()) {
        RemoveMember(live, name);
        continue;
      }
      Value* lv = FindMemberMutable(live, name);
      if (lv && !lv->IsNull()) {
        MergeValue(MemberShape(s, name), *lv, it->value, a);
      } else if (lv) {
        lv->CopyFrom(it->value, a);
      } else {
        live.AddMember(Value(it->name, a), Value(it->value, a), a);
      }
    }
    return;
  }
  ItemIndex live_items(s, live);
  Shape item_shape = ItemShape(s);
  for (const auto& item : cfg.GetArray()) {
    long i = live_items.Find(ItemToken(s, item));
    if (i < 0) {
      live.PushBack(Value(item, a), a);
    } else if (s.kind == Kind::kAssocList) {
      MergeValue(item_shape, live[static_cast<rapidjson::SizeType>(i)], item, a);
    }
  }
}

void Remove(const Shape& s, Value& v, const FieldSet& set) {
  Kind k = Effective(s, v);
  if (k == Kind::kStruct || k == Kind::kMap) {
    for (const auto& [token, child] : set.children()) {
      if (token.size() < 2 || token[0] != 'f') continue;
      std::string_view name = std::string_view(token).substr(2);
      Value* cv = FindMemberMutable(v, name);
      if (!cv) continue;
      if (child.member()) {
        RemoveMember(v, name);
        continue;
      }
      Shape cs = MemberShape(s, name);
      Remove(cs, *cv, child);
      if (IsEmptyObject(*cv) && Effective(cs, *cv) == Kind::kMap) RemoveMember(v, name);
    }
    return;
  }
  if (k != Kind::kAssocList && k != Kind::kSetList) return;
  Shape item_shape = ItemShape(s);
  for (rapidjson::SizeType i = v.Size(); i-- > 0;) {
    const FieldSet* child = set.Find(ItemToken(s, v[i]));
    if (!child) continue;
    if (child->member()) {
      v.Erase(v.Begin() + i);
    } else if (k == Kind::kAssocList) {
      Remove(item_shape, v[i], *child);
    }
  }
}

constexpr std::string_view kNotDeclared = "field not declared in schema";

// Types an applied configuration as structured-merge-diff's validator does, collecting its
// errors in its words. Values are named as Go prints smd's value wrapper (&{...} for %v,
// &value.valueUnstructured{Value:...} for %#v) around what the YAML decoded to.
class TypeChecker {
 public:
  explicit TypeChecker(std::vector<TypedError>& out) : out_(out) {}

  void Struct(const Type& type, const Value& obj) {
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      std::string_view name = AsStringView(it->name);
      const Field* f = type.FindField(name);
      path_.push_back(FieldToken(name));
      if (!f) {
        Add(std::string(kNotDeclared));  // and the rest of this object goes unchecked
        path_.pop_back();
        return;
      }
      FieldValue(*f, it->value);
      path_.pop_back();
    }
  }

 private:
  // The value of field `f`: lists item by item (with the token upstream prints: list-map keys,
  // set values or indexes), maps member by member.
  void FieldValue(const Field& f, const Value& v) {
    if (v.IsNull()) return;
    if (f.container == schema::Container::kList) {
      if (!v.IsArray()) return Add("expected list, got " + Wrapped(v));
      Shape list = FieldShape(f);
      const bool keyed = list.kind == Kind::kAssocList || list.kind == Kind::kSetList;
      rapidjson::SizeType i = 0;
      for (const auto& item : v.GetArray()) {
        std::string token = keyed ? ItemToken(list, item) : "i:" + std::to_string(i);
        ++i;
        if (list.kind == Kind::kAssocList && !item.IsObject()) continue;
        path_.push_back(std::move(token));
        Item(f, item);
        path_.pop_back();
      }
      return;
    }
    if (f.container == schema::Container::kMap) {
      if (!v.IsObject()) return Add("expected map, got " + Wrapped(v));
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        path_.push_back(FieldToken(AsStringView(it->name)));
        if (!f.list_values) {
          Item(f, it->value);
        } else if (!it->value.IsArray()) {
          Add("expected list, got " + Wrapped(it->value));
        } else {
          for (const auto& item : it->value.GetArray()) Item(f, item);
        }
        path_.pop_back();
      }
      return;
    }
    Item(f, v);
  }

  void Item(const Field& f, const Value& v) {
    if (v.IsNull()) return;
    switch (f.kind) {
      case ValueKind::kObject:
        if (!v.IsObject()) return Add("expected map, got " + Wrapped(v));
        if (f.type) Struct(*f.type, v);
        return;
      case ValueKind::kString:
      case ValueKind::kBytes:
      case ValueKind::kTime:
      case ValueKind::kMicroTime:
      case ValueKind::kDuration:
        if (!v.IsString()) {
          Add("expected string, got &value.valueUnstructured{Value:" + GoSyntax(v) + "}");
        }
        return;
      case ValueKind::kInt32:
      case ValueKind::kInt64:
      case ValueKind::kDouble:
        if (!v.IsNumber()) Add("expected numeric (int or float), got " + GoTypeName(v));
        return;
      case ValueKind::kBool:
        if (!v.IsBool()) Add("expected boolean, got " + Wrapped(v));
        return;
      case ValueKind::kQuantity:
      case ValueKind::kIntOrString:  // int-or-string in the OpenAPI: untyped scalars
        if (v.IsObject() || v.IsArray()) Add("expected any scalar, got " + Wrapped(v));
        return;
      case ValueKind::kRawExtension:
      case ValueKind::kFieldsV1:
        return;
    }
  }

  static std::string Wrapped(const Value& v) { return "&{" + GoPrinted(v) + "}"; }
  void Add(std::string message) { out_.push_back({path_, std::move(message)}); }

  std::vector<TypedError>& out_;
  Path path_;
};

}  // namespace

std::vector<TypedError> TypeErrors(const Type& type, const Value& obj) {
  std::vector<TypedError> out;
  if (obj.IsObject()) TypeChecker(out).Struct(type, obj);
  return out;
}

std::string TypeErrorsMessage(const std::vector<TypedError>& errors) {
  auto one = [](const TypedError& e) { return PathString(e.path) + ": " + e.message; };
  if (errors.size() == 1) return one(errors[0]);
  std::string out = "errors:";
  for (const TypedError& e : errors) out.append("\n  ").append(one(e));
  return out;
}

std::vector<Path> UndeclaredFields(const Type& type, const Value& obj) {
  std::vector<Path> out;
  for (TypedError& e : TypeErrors(type, obj)) {
    if (e.message == kNotDeclared) out.push_back(std::move(e.path));
  }
  return out;
}

std::string UndeclaredFieldsMessage(const std::vector<Path>& paths) {
  std::vector<TypedError> errors;
  for (const Path& p : paths) errors.push_back({p, std::string(kNotDeclared)});
  return TypeErrorsMessage(errors);
}

FieldSet ToFieldSet(const Type* type, const Value& obj) { return FieldsOf(StructShape(type), obj); }

Comparison Compare(const Type* type, const Value* old, const Value& now) {
  Comparison out;
  Comparer c(out);
  c.Compare(StructShape(type), old, &now);
  return out;
}

void Merge(const Type* type, Value& live, const Value& config, Allocator& a) {
  MergeValue(StructShape(type), live, config, a);
}

void RemoveItems(const Type* type, Value& obj, const FieldSet& set) {
  Remove(StructShape(type), obj, set);
}

}  // namespace tinyk8s::api::ssa
