#include "api/json.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <unordered_set>
#include <vector>

namespace tinyk8s::api {
namespace {

// InNumber: the character may appear inside a JSON number literal.
bool InNumber(char c) {
  return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
}

// LongZeroLength: the length of the number literal at text[i] when it is a zero written with
// a fraction or an exponent and longer than "0.0" (or "-0.0"), else 0. rapidjson's
// full-precision path turns such a zero into garbage once it has more than about 22 digits
// after the point or an exponent past 22 ("0e50" gave -1.5e-266, "-0e101" 3.2e147, "0." and
// 31 zeros 1.2e-240), or refuses it as too big (exponent over 308), where Go's decoder reads 0.
// Shorter ones ("0e5", "-0.0") are exact already; skipping them also means a rewrite never
// runs into a following character.
size_t LongZeroLength(std::string_view text, size_t i) {
  size_t j = i;
  auto digits = [&](bool zeros_only) {
    size_t from = j;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      if (zeros_only && text[j] != '0') return size_t{0};
      ++j;
    }
    return j - from;
  };
  bool negative = j < text.size() && text[j] == '-';
  if (negative) ++j;
  if (j >= text.size() || text[j] != '0') return 0;
  ++j;  // JSON allows no other digit after a leading zero
  if (j < text.size() && text[j] == '.') {
    ++j;
    if (digits(true) == 0) return 0;
  }
  if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
    ++j;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (digits(false) == 0) return 0;
  }
  size_t n = j - i;
  return n > (negative ? 4u : 3u) ? n : 0;
}

// JsonScan: one linear pre-scan of a document before rapidjson sees it.
struct JsonScan {
  // The first offset where nesting exceeds kMaxJsonDepth, or npos. A cheap linear pre-scan
  // keeps the parser (and later recursive walks) bounded.
  size_t excessive_nesting = std::string_view::npos;
  bool long_zero = false;  // some number is a zero LongZeroLength rewrites
};

// ScanJson walks the text outside strings (brackets inside strings do not count).
JsonScan ScanJson(std::string_view text) {
  JsonScan scan;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > kMaxJsonDepth) {
          scan.excessive_nesting = i;
          return scan;
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      case '-':
      case '0':
        if (!scan.long_zero && (i == 0 || !InNumber(text[i - 1])) && LongZeroLength(text, i) != 0) {
          scan.long_zero = true;
        }
        break;
      default:
        break;
    }
  }
  return scan;
}

// WithPlainZeros rewrites every long zero (LongZeroLength) as "0.0" or "-0.0" (still a float,
// as Go's decoder sees it: refused where an integer is expected), padded with spaces so error
// offsets stay those of the original text.
std::string WithPlainZeros(std::string_view text) {
  std::string out(text);
  bool in_string = false;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if ((c == '-' || c == '0') && (i == 0 || !InNumber(out[i - 1]))) {
      if (size_t n = LongZeroLength(out, i); n != 0) {
        std::string_view zero = c == '-' ? "-0.0" : "0.0";  // shorter than the literal
        out.replace(i, n, std::string(zero) + std::string(n - zero.size(), ' '));
        i += n - 1;
      }
    }
  }
  return out;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

template <typename Writer>
void WriteSorted(const rapidjson::Value& v, Writer& w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    members.reserve(v.MemberCount());
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(&*it);
    std::stable_sort(members.begin(), members.end(), [](auto* a, auto* b) {
      return AsStringView(a->name) < AsStringView(b->name);
    });
    w.StartObject();
    for (auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      WriteSorted(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) WriteSorted(e, w);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

bool NumbersEqual(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
  if (a.IsUint64() && b.IsUint64()) return a.GetUint64() == b.GetUint64();
  // Mixed int/double, or out-of-int64 values: compare as doubles like a Go decoder would.
  return a.GetDouble() == b.GetDouble();
}

// NumbersConverted forwards a reader's events to a Document but converts number literals
// itself (the reader runs with kParseNumbersAsStringsFlag): rapidjson's own full-precision
// conversion reads past its table of powers of ten for long significands with large exponents
// ("-1777" and 170 zeros "E280" came out as +8.5e242 instead of too big). Integers that fit
// stay int64/uint64 as rapidjson makes them; others are correctly rounded doubles (from_chars).
template <typename Stream>
class NumbersConverted {
 public:
  NumbersConverted(rapidjson::Document& doc, const Stream& is) : doc_(doc), is_(is) {}
  // Where a number too big for a double starts, when one stopped the parse.
  std::optional<size_t> too_big_at() const { return too_big_at_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }

  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    if (std::string_view(s, n).find_first_of(".eE") == std::string_view::npos) {
      if (s[0] == '-') {
        int64_t v = 0;
        if (auto [p, ec] = std::from_chars(s, end, v); ec == std::errc() && p == end) {
          return doc_.Int64(v);
        }
      } else {
        uint64_t v = 0;
        if (auto [p, ec] = std::from_chars(s, end, v); ec == std::errc() && p == end) {
          return doc_.Uint64(v);
        }
      }
    }
    double d = 0;
    auto [p, ec] = std::from_chars(s, end, d);
    if (ec == std::errc::result_out_of_range) {
      // Too small rounds to zero (as Go's decoder); too big is an error, as rapidjson's.
      if (!ExponentIsNegative(std::string_view(s, n))) {
        too_big_at_ = is_.Tell() - n;
        return false;
      }
      d = s[0] == '-' ? -0.0 : 0.0;
    } else if (ec != std::errc() || p != end) {
      too_big_at_ = is_.Tell() - n;  // not expected: the reader checked the grammar
      return false;
    }
    return doc_.Double(d);
  }

 private:
  // Out of range with a negative exponent means underflow (the significand has at most a few
  // hundred digits, never enough to overflow against it).
  static bool ExponentIsNegative(std::string_view number) {
    size_t e = number.find_first_of("eE");
    return e != std::string_view::npos && e + 1 < number.size() && number[e + 1] == '-';
  }

  rapidjson::Document& doc_;
  const Stream& is_;
  std::optional<size_t> too_big_at_;
};

}  // namespace

Result<rapidjson::Document> ParseJson(std::string_view text) {
  JsonScan scan = ScanJson(text);
  if (scan.excessive_nesting != std::string_view::npos) {
    return Status::BadRequest("json parse error at offset " +
                              std::to_string(scan.excessive_nesting) + ": exceeded max depth of " +
                              std::to_string(kMaxJsonDepth));
  }
  std::string rewritten;
  if (scan.long_zero) {
    rewritten = WithPlainZeros(text);
    text = rewritten;
  }
  rapidjson::Document doc;
  rapidjson::MemoryStream ms(text.data(), text.size());
  using Stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;
  Stream is(ms);
  constexpr unsigned kFlags =
      rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag |
      rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
  rapidjson::ParseResult result;
  std::optional<size_t> too_big_at;
  auto parse = [&](rapidjson::Document& handler) {
    NumbersConverted<Stream> numbers(handler, is);
    rapidjson::Reader reader;
    result = reader.Parse<kFlags>(is, numbers);
    too_big_at = numbers.too_big_at();
    return !result.IsError();
  };
  doc.Populate(parse);
  if (too_big_at) {
    return Status::BadRequest("json parse error at offset " + std::to_string(*too_big_at) + ": " +
                              rapidjson::GetParseError_En(rapidjson::kParseErrorNumberTooBig));
  }
  if (result.IsError()) {
    return Status::BadRequest("json parse error at offset " + std::to_string(result.Offset()) +
                              ": " + rapidjson::GetParseError_En(result.Code()));
  }
  size_t end = is.Tell();
  while (end < text.size() && IsJsonSpace(text[end])) ++end;
  if (end < text.size()) {
    return Status::BadRequest("json parse error at offset " + std::to_string(end) +
                              ": invalid character after top-level value");
  }
  return doc;
}

bool HasRepeatedMemberNames(const rapidjson::Value& obj) {
  if (!obj.IsObject()) return false;
  const rapidjson::SizeType n = obj.MemberCount();
  auto m = obj.MemberBegin();
  if (n <= 16) {
    for (rapidjson::SizeType i = 0; i < n; ++i) {
      for (rapidjson::SizeType j = i + 1; j < n; ++j) {
        if (m[i].name == m[j].name) return true;
      }
    }
    return false;
  }
  std::unordered_set<std::string_view> names;
  names.reserve(n);
  for (rapidjson::SizeType i = 0; i < n; ++i) {
    if (!names.insert(AsStringView(m[i].name)).second) return true;
  }
  return false;
}

std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ToJsonSorted(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  WriteSorted(v, w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ToJsonPretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

rapidjson::Document CloneDocument(const rapidjson::Value& v) {
  rapidjson::Document doc;
  doc.CopyFrom(v, doc.GetAllocator());
  return doc;
}

namespace {
// Bytes a deep copy of `v` takes from a MemoryPoolAllocator (RapidJSON 1.1 layout: exact-size
// member and element arrays, strings longer than the inline short-string limit copied with a
// terminator, every allocation rounded up by RAPIDJSON_ALIGN). Constant strings are counted
// too, which can only overestimate.
size_t PoolBytes(const rapidjson::Value& v) {
  constexpr size_t kInlineChars = 13;  // ShortString::MaxSize with 48-bit pointers
  auto str = [](const rapidjson::Value& s) -> size_t {
    return s.GetStringLength() > kInlineChars ? RAPIDJSON_ALIGN(s.GetStringLength() + 1) : 0;
  };
  switch (v.GetType()) {
    case rapidjson::kStringType:
      return str(v);
    case rapidjson::kObjectType: {
      size_t n = RAPIDJSON_ALIGN(v.MemberCount() * sizeof(rapidjson::Value::Member));
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        n += str(it->name) + PoolBytes(it->value);
      }
      return n;
    }
    case rapidjson::kArrayType: {
      size_t n = RAPIDJSON_ALIGN(v.Size() * sizeof(rapidjson::Value));
      for (const auto& e : v.GetArray()) n += PoolBytes(e);
      return n;
    }
    default:
      return 0;
  }
}

// One allocation holds the pool and the document that uses it.
struct PooledDocument {
  explicit PooledDocument(size_t chunk) : pool(chunk), doc(&pool) {}
  rapidjson::MemoryPoolAllocator<> pool;
  rapidjson::Document doc;
};
}  // namespace

std::shared_ptr<rapidjson::Document> CompactDocument(const rapidjson::Value& v,
                                                     size_t extra_bytes) {
  // The pool never allocates a chunk smaller than this; a miss only costs a second chunk.
  auto holder = std::make_shared<PooledDocument>(std::max<size_t>(64, PoolBytes(v) + extra_bytes));
  holder->doc.CopyFrom(v, holder->doc.GetAllocator());
  return std::shared_ptr<rapidjson::Document>(holder, &holder->doc);
}

const rapidjson::Value* FindMember(const rapidjson::Value& obj, std::string_view key) {
  if (!obj.IsObject()) return nullptr;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    if (AsStringView(it->name) == key) return &it->value;
  }
  return nullptr;
}

rapidjson::Value* FindMemberMutable(rapidjson::Value& obj, std::string_view key) {
  return const_cast<rapidjson::Value*>(FindMember(obj, key));
}

const rapidjson::Value* FindPath(const rapidjson::Value& v,
                                 std::initializer_list<std::string_view> path) {
  const rapidjson::Value* cur = &v;
  for (std::string_view step : path) {
    cur = FindMember(*cur, step);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

rapidjson::Value* FindPathMutable(rapidjson::Value& v,
                                  std::initializer_list<std::string_view> path) {
  return const_cast<rapidjson::Value*>(FindPath(v, path));
}

std::string GetString(const rapidjson::Value& v, std::initializer_list<std::string_view> path,
                      std::string_view fallback) {
  const rapidjson::Value* f = FindPath(v, path);
  if (f == nullptr || !f->IsString()) return std::string(fallback);
  return std::string(AsStringView(*f));
}

std::string_view GetStringView(const rapidjson::Value& v,
                               std::initializer_list<std::string_view> path,
                               std::string_view fallback) {
  const rapidjson::Value* f = FindPath(v, path);
  if (f == nullptr || !f->IsString()) return fallback;
  return AsStringView(*f);
}

int64_t GetInt(const rapidjson::Value& v, std::initializer_list<std::string_view> path,
               int64_t fallback) {
  const rapidjson::Value* f = FindPath(v, path);
  if (f == nullptr || !f->IsInt64()) return fallback;
  return f->GetInt64();
}

bool GetBool(const rapidjson::Value& v, std::initializer_list<std::string_view> path,
             bool fallback) {
  const rapidjson::Value* f = FindPath(v, path);
  if (f == nullptr || !f->IsBool()) return fallback;
  return f->GetBool();
}

rapidjson::Value MakeString(std::string_view s, Allocator& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::string_view AsStringView(const rapidjson::Value& v) {
  if (!v.IsString()) return {};
  return std::string_view(v.GetString(), v.GetStringLength());
}

void SetValue(rapidjson::Value& obj, std::string_view key, rapidjson::Value& value, Allocator& a) {
  if (!obj.IsObject()) obj.SetObject();
  if (rapidjson::Value* existing = FindMemberMutable(obj, key)) {
    *existing = value;  // RapidJSON assignment moves
    return;
  }
  obj.AddMember(MakeString(key, a), value, a);
}

rapidjson::Value& EnsureObject(rapidjson::Value& v, std::initializer_list<std::string_view> path,
                               Allocator& a) {
  if (!v.IsObject()) v.SetObject();
  rapidjson::Value* cur = &v;
  for (std::string_view step : path) {
    rapidjson::Value* next = FindMemberMutable(*cur, step);
    if (next == nullptr) {
      cur->AddMember(MakeString(step, a), rapidjson::Value(rapidjson::kObjectType), a);
      next = &(cur->MemberEnd() - 1)->value;
    } else if (!next->IsObject()) {
      next->SetObject();
    }
    cur = next;
  }
  return *cur;
}

void SetString(rapidjson::Value& obj, std::string_view key, std::string_view value, Allocator& a) {
  rapidjson::Value v = MakeString(value, a);
  SetValue(obj, key, v, a);
}

void SetInt(rapidjson::Value& obj, std::string_view key, int64_t value, Allocator& a) {
  rapidjson::Value v(value);
  SetValue(obj, key, v, a);
}

void SetBool(rapidjson::Value& obj, std::string_view key, bool value, Allocator& a) {
  rapidjson::Value v(value);
  SetValue(obj, key, v, a);
}

bool RemoveMember(rapidjson::Value& obj, std::string_view key) {
  if (!obj.IsObject()) return false;
  bool removed = false;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd();) {
    if (AsStringView(it->name) == key) {
      it = obj.EraseMember(it);  // keeps the order of the remaining members
      removed = true;
    } else {
      ++it;
    }
  }
  return removed;
}

void KeepOnlyMembers(rapidjson::Value& obj, std::initializer_list<std::string_view> keep) {
  if (!obj.IsObject()) return;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd();) {
    if (std::find(keep.begin(), keep.end(), AsStringView(it->name)) == keep.end()) {
      it = obj.EraseMember(it);
    } else {
      ++it;
    }
  }
}

bool JsonEqual(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsNumber() && b.IsNumber()) return NumbersEqual(a, b);
  if (a.GetType() != b.GetType()) return false;
  switch (a.GetType()) {
    case rapidjson::kNullType:
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return true;
    case rapidjson::kStringType:
      return AsStringView(a) == AsStringView(b);
    case rapidjson::kArrayType: {
      if (a.Size() != b.Size()) return false;
      for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
        if (!JsonEqual(a[i], b[i])) return false;
      }
      return true;
    }
    case rapidjson::kObjectType: {
      if (a.MemberCount() != b.MemberCount()) return false;
      for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
        const rapidjson::Value* other = FindMember(b, AsStringView(it->name));
        if (other == nullptr || !JsonEqual(it->value, *other)) return false;
      }
      return true;
    }
    case rapidjson::kNumberType:
      return NumbersEqual(a, b);
  }
  return false;
}

}  // namespace tinyk8s::api
