#include "api/schema/protobuf.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "api/json.h"
#include "common/base64.h"
#include "common/clock.h"

namespace tinyk8s::api::schema {
namespace {

using rapidjson::Value;

constexpr int kMaxDepth = 64;
// metav1.Time must stay within years 0001..9999 to be representable in RFC 3339.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

Status Malformed(std::string_view what) {
  return Status::BadRequest("unable to decode protobuf body: " + std::string(what));
}

// Reader walks one message's bytes.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= data_.size()) return false;
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && (b & 0x7e)) return false;  // more than 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  bool Fixed(size_t n, uint64_t* out) {
    if (data_.size() - pos_ < n) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += n;
    *out = v;
    return true;
  }
  bool Bytes(std::string_view* out) {
    uint64_t len;
    if (!Varint(&len) || len > data_.size() - pos_) return false;
    *out = data_.substr(pos_, len);
    pos_ += len;
    return true;
  }
  // Tag reads a field key. Field number 0 and groups are malformed.
  bool Tag(int* number, int* wire) {
    uint64_t key;
    if (!Varint(&key) || (key >> 3) == 0 || (key >> 3) > (1u << 29)) return false;
    *number = static_cast<int>(key >> 3);
    *wire = static_cast<int>(key & 7);
    return true;
  }
  bool Skip(int wire) {
    uint64_t ignored;
    std::string_view bytes;
    switch (wire) {
      case kVarint:
        return Varint(&ignored);
      case kFixed64:
        return Fixed(8, &ignored);
      case kLengthDelimited:
        return Bytes(&bytes);
      case kFixed32:
        return Fixed(4, &ignored);
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 6) {
      n = 1;
    } else if ((c >> 4) == 14) {
      n = 2;
    } else if ((c >> 3) == 30) {
      n = 3;
    } else {
      return false;
    }
    if (n > 0 && i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// Go's time.Duration.String() for the durations metav1.Duration carries.
std::string GoDuration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  char buf[64];
  if (u < 1000000000ULL) {
    if (u < 1000) {
      std::snprintf(buf, sizeof buf, "%lluns", static_cast<unsigned long long>(u));
    } else if (u < 1000000) {
      std::snprintf(buf, sizeof buf, "%gµs", static_cast<double>(u) / 1e3);
    } else {
      std::snprintf(buf, sizeof buf, "%gms", static_cast<double>(u) / 1e6);
    }
    return sign + buf;
  }
  uint64_t secs = u / 1000000000ULL, frac = u % 1000000000ULL;
  std::string s;
  uint64_t h = secs / 3600, m = (secs / 60) % 60;
  if (h) s += std::to_string(h) + "h";
  if (h || m) s += std::to_string(m) + "m";
  s += std::to_string(secs % 60);
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%09llu", static_cast<unsigned long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    s += f;
  }
  return sign + s + "s";
}

class Decoder {
 public:
  explicit Decoder(Allocator& a) : a_(a) {}

  // Decodes message `bytes` of `type`, adding members to `out` (an object).
  Status Message(std::string_view bytes, const Type& type, Value& out, int depth) {
    if (depth > kMaxDepth) return Malformed("nesting too deep");
    Reader r(bytes);
    while (!r.done()) {
      int number, wire;
      if (!r.Tag(&number, &wire)) return Malformed("bad field key in " + type.name);
      const Field* f = type.FindProto(number);
      if (!f) {
        // Unknown fields are skipped, as upstream's decoder does.
        if (!r.Skip(wire)) return Malformed("truncated field in " + type.name);
        continue;
      }
      TK_RETURN_IF_ERROR(FieldValue(r, wire, *f, out, depth));
    }
    return Status::OK();
  }

 private:
  Status FieldValue(Reader& r, int wire, const Field& f, Value& out, int depth) {
    if (f.container == Container::kMap) {
      std::string_view entry;
      if (wire != kLengthDelimited || !r.Bytes(&entry)) return Malformed("bad map entry " + f.name);
      return MapEntry(entry, f, Member(out, f.name, rapidjson::kObjectType), depth);
    }
    if (f.container == Container::kList) {
      Value& list = Member(out, f.name, rapidjson::kArrayType);
      if (wire == kLengthDelimited && IsNumeric(f.kind)) {
        // Packed repeated scalars.
        std::string_view packed;
        if (!r.Bytes(&packed)) return Malformed("truncated packed field " + f.name);
        Reader pr(packed);
        while (!pr.done()) {
          Value v;
          bool present;
          TK_RETURN_IF_ERROR(Single(pr, NumericWire(f.kind), f, v, depth, &present));
          list.PushBack(v, a_);
        }
        return Status::OK();
      }
      Value v;
      bool present;
      TK_RETURN_IF_ERROR(Single(r, wire, f, v, depth, &present));
      if (!present) v.SetNull();
      list.PushBack(v, a_);
      return Status::OK();
    }
    if (f.inlined && f.type) {
      std::string_view bytes;
      if (wire != kLengthDelimited || !r.Bytes(&bytes)) return Malformed("bad field " + f.name);
      return Message(bytes, *f.type, out, depth + 1);
    }
    Value v;
    bool present = false;
    TK_RETURN_IF_ERROR(Single(r, wire, f, v, depth, &present));
    RemoveMember(out, f.name);
    if (!present) return Status::OK();
    if (!f.pointer && IsZero(v) && f.kind != ValueKind::kObject) return Status::OK();
    out.AddMember(MakeString(f.name, a_), v, a_);
    return Status::OK();
  }

  Status MapEntry(std::string_view entry, const Field& f, Value& map, int depth) {
    Reader r(entry);
    std::string key;
    Value value;
    bool have_value = false;
    while (!r.done()) {
      int number, wire;
      if (!r.Tag(&number, &wire)) return Malformed("bad map entry in " + f.name);
      if (number == 1 && wire == kLengthDelimited) {
        std::string_view k;
        if (!r.Bytes(&k)) return Malformed("truncated map key in " + f.name);
        if (!ValidUtf8(k)) return Malformed("map key is not valid UTF-8 in " + f.name);
        key = std::string(k);
      } else if (number == 2 && f.list_values) {
        std::string_view wrapped;
        if (wire != kLengthDelimited || !r.Bytes(&wrapped)) return WireError(f);
        TK_RETURN_IF_ERROR(ListValue(wrapped, f, value, depth));
        have_value = true;
      } else if (number == 2) {
        TK_RETURN_IF_ERROR(Single(r, wire, f, value, depth, &have_value));
      } else if (!r.Skip(wire)) {
        return Malformed("truncated map entry in " + f.name);
      }
    }
    if (!have_value && f.list_values) value.SetArray();
    if (!have_value && !f.list_values) Zero(f.kind, value);
    RemoveMember(map, key);
    map.AddMember(MakeString(key, a_), value, a_);
    return Status::OK();
  }

  // ListValue decodes a map value of a `{}[]` field: a message whose repeated field 1 holds the
  // list (upstream's ExtraValue{items}).
  Status ListValue(std::string_view bytes, const Field& f, Value& list, int depth) {
    list.SetArray();
    Reader r(bytes);
    while (!r.done()) {
      int number, wire;
      if (!r.Tag(&number, &wire)) return Malformed("bad list value in " + f.name);
      if (number != 1) {
        if (!r.Skip(wire)) return Malformed("truncated list value in " + f.name);
        continue;
      }
      Value v;
      bool present;
      TK_RETURN_IF_ERROR(Single(r, wire, f, v, depth, &present));
      list.PushBack(v, a_);
    }
    return Status::OK();
  }

  // Single decodes one value of f's element kind. *present is false for values Go would
  // render as null/absent (a zero metav1.Time, an empty RawExtension).
  Status Single(Reader& r, int wire, const Field& f, Value& v, int depth, bool* present) {
    *present = true;
    uint64_t u = 0;
    std::string_view bytes;
    switch (f.kind) {
      case ValueKind::kString:
      case ValueKind::kBytes:
        if (wire != kLengthDelimited || !r.Bytes(&bytes)) return WireError(f);
        if (f.kind == ValueKind::kBytes) {
          v = MakeString(Base64Encode(bytes), a_);
        } else {
          if (!ValidUtf8(bytes)) return Malformed("string is not valid UTF-8 in " + f.name);
          v = MakeString(bytes, a_);
        }
        return Status::OK();
      case ValueKind::kInt32:
        if (wire != kVarint || !r.Varint(&u)) return WireError(f);
        v.SetInt(static_cast<int32_t>(static_cast<uint32_t>(u)));
        return Status::OK();
      case ValueKind::kInt64:
        if (wire != kVarint || !r.Varint(&u)) return WireError(f);
        v.SetInt64(static_cast<int64_t>(u));
        return Status::OK();
      case ValueKind::kBool:
        if (wire != kVarint || !r.Varint(&u)) return WireError(f);
        v.SetBool(u != 0);
        return Status::OK();
      case ValueKind::kDouble: {
        if (wire != kFixed64 || !r.Fixed(8, &u)) return WireError(f);
        double d;
        std::memcpy(&d, &u, sizeof d);
        if (!std::isfinite(d)) return Malformed("non-finite number in " + f.name);
        v.SetDouble(d);
        return Status::OK();
      }
      default:
        break;
    }
    if (wire != kLengthDelimited || !r.Bytes(&bytes)) return WireError(f);
    if (f.kind == ValueKind::kObject) {
      v.SetObject();
      return Message(bytes, *f.type, v, depth + 1);
    }
    return SpecialMessage(bytes, f, v, present);
  }

  Status SpecialMessage(std::string_view bytes, const Field& f, Value& v, bool* present) {
    // All special messages are small: scalars keyed 1..3.
    int64_t ints[4] = {0, 0, 0, 0};
    std::string_view strs[4];
    Reader r(bytes);
    while (!r.done()) {
      int number, wire;
      if (!r.Tag(&number, &wire)) return WireError(f);
      uint64_t u;
      if (number <= 3 && wire == kVarint) {
        if (!r.Varint(&u)) return WireError(f);
        ints[number] = static_cast<int64_t>(u);
      } else if (number <= 3 && wire == kLengthDelimited) {
        if (!r.Bytes(&strs[number])) return WireError(f);
      } else if (!r.Skip(wire)) {
        return WireError(f);
      }
    }
    switch (f.kind) {
      case ValueKind::kQuantity:
        if (!ValidUtf8(strs[1])) return WireError(f);
        v = MakeString(strs[1], a_);
        return Status::OK();
      case ValueKind::kIntOrString:
        if (ints[1] == 1) {
          if (!ValidUtf8(strs[3])) return WireError(f);
          v = MakeString(strs[3], a_);
        } else {
          v.SetInt(static_cast<int32_t>(ints[2]));
        }
        return Status::OK();
      case ValueKind::kTime:
      case ValueKind::kMicroTime: {
        int64_t secs = ints[1], nanos = static_cast<int32_t>(ints[2]);
        if (secs == 0 && nanos == 0) {
          *present = false;
          return Status::OK();
        }
        // Our time points count nanoseconds in 64 bits (years 1678 to 2261); times past that
        // (Go would take up to year 9999) are refused rather than overflowing.
        constexpr int64_t kRepresentable =
            std::chrono::duration_cast<std::chrono::seconds>(Clock::TimePoint::duration::max())
                .count() -
            1;
        if (secs < std::max(kMinSeconds, -kRepresentable) ||
            secs > std::min(kMaxSeconds, kRepresentable) || nanos < 0 || nanos >= 1000000000) {
          return Malformed("time out of range in " + f.name);
        }
        Clock::TimePoint t{std::chrono::seconds(secs)};
        t +=
            std::chrono::duration_cast<Clock::TimePoint::duration>(std::chrono::nanoseconds(nanos));
        v = MakeString(f.kind == ValueKind::kTime ? FormatRfc3339(t) : FormatRfc3339Micro(t), a_);
        return Status::OK();
      }
      case ValueKind::kDuration:
        v = MakeString(GoDuration(ints[1]), a_);
        return Status::OK();
      case ValueKind::kRawExtension:
      case ValueKind::kFieldsV1: {
        if (strs[1].empty()) {
          *present = false;
          return Status::OK();
        }
        auto parsed = ParseJson(strs[1]);
        if (!parsed.ok()) return Malformed("embedded JSON of " + f.name + " is invalid");
        v.CopyFrom(*parsed, a_);
        return Status::OK();
      }
      default:
        return WireError(f);
    }
  }

  static bool IsNumeric(ValueKind k) {
    return k == ValueKind::kInt32 || k == ValueKind::kInt64 || k == ValueKind::kBool ||
           k == ValueKind::kDouble;
  }
  static int NumericWire(ValueKind k) { return k == ValueKind::kDouble ? kFixed64 : kVarint; }
  static bool IsZero(const Value& v) {
    if (v.IsString()) return v.GetStringLength() == 0;
    if (v.IsBool()) return !v.GetBool();
    if (v.IsInt64()) return v.GetInt64() == 0;
    if (v.IsDouble()) return v.GetDouble() == 0;
    return false;
  }
  static void Zero(ValueKind k, Value& v) {
    switch (k) {
      case ValueKind::kInt32:
      case ValueKind::kInt64:
        v.SetInt(0);
        break;
      case ValueKind::kBool:
        v.SetBool(false);
        break;
      case ValueKind::kDouble:
        v.SetDouble(0);
        break;
      case ValueKind::kObject:
        v.SetObject();
        break;
      case ValueKind::kString:
      case ValueKind::kBytes:
      case ValueKind::kQuantity:
        v.SetString("");
        break;
      default:
        v.SetNull();
    }
  }
  Status WireError(const Field& f) {
    return Malformed("field " + f.name + " has the wrong wire type or is truncated");
  }
  Value& Member(Value& obj, std::string_view name, rapidjson::Type t) {
    if (Value* m = FindMemberMutable(obj, name); m && m->GetType() == t) return *m;
    RemoveMember(obj, name);
    obj.AddMember(MakeString(name, a_), Value(t), a_);
    return (obj.MemberEnd() - 1)->value;
  }

  Allocator& a_;
};

}  // namespace

Result<rapidjson::Document> DecodeProtobufMessage(std::string_view bytes, const Type& type) {
  rapidjson::Document doc;
  doc.SetObject();
  Decoder d(doc.GetAllocator());
  TK_RETURN_IF_ERROR(d.Message(bytes, type, doc, 0));
  return doc;
}

Result<rapidjson::Document> DecodeProtobufObject(std::string_view body, const SchemaTable& table) {
  if (!body.starts_with(kProtobufMagic)) {
    return Status::BadRequest("provided object is not a Kubernetes protobuf object (no k8s magic)");
  }
  Reader r(body.substr(kProtobufMagic.size()));
  std::string_view type_meta, raw, encoding;
  while (!r.done()) {
    int number, wire;
    if (!r.Tag(&number, &wire)) return Malformed("bad envelope");
    std::string_view* target = number == 1   ? &type_meta
                               : number == 2 ? &raw
                               : number == 3 ? &encoding
                                             : nullptr;
    if (target && wire == kLengthDelimited) {
      if (!r.Bytes(target)) return Malformed("truncated envelope");
    } else if (!r.Skip(wire)) {
      return Malformed("truncated envelope");
    }
  }
  if (!encoding.empty()) return Malformed("unsupported content encoding " + std::string(encoding));
  std::string_view api_version, kind;
  Reader tm(type_meta);
  while (!tm.done()) {
    int number, wire;
    if (!tm.Tag(&number, &wire)) return Malformed("bad typeMeta");
    std::string_view* target = number == 1 ? &api_version : number == 2 ? &kind : nullptr;
    if (target && wire == kLengthDelimited) {
      if (!tm.Bytes(target)) return Malformed("truncated typeMeta");
    } else if (!tm.Skip(wire)) {
      return Malformed("truncated typeMeta");
    }
  }
  size_t slash = api_version.find('/');
  std::string_view group = slash == std::string_view::npos ? "" : api_version.substr(0, slash);
  std::string_view version =
      slash == std::string_view::npos ? api_version : api_version.substr(slash + 1);
  const Type* type = table.ForKind(group, version, kind);
  if (!type) {
    return Status::BadRequest("no kind \"" + std::string(kind) + "\" is registered for version \"" +
                              std::string(api_version) + "\"");
  }
  TK_ASSIGN_OR_RETURN(rapidjson::Document obj, DecodeProtobufMessage(raw, *type));
  // apiVersion and kind first, as in every other body.
  rapidjson::Document out;
  out.SetObject();
  auto& a = out.GetAllocator();
  out.AddMember("apiVersion", MakeString(api_version, a), a);
  out.AddMember("kind", MakeString(kind, a), a);
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    out.AddMember(Value(it->name, a), Value(it->value, a), a);
  }
  return out;
}

}  // namespace tinyk8s::api::schema
