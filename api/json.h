#pragma once
// JSON helpers over RapidJSON: strict parsing with a depth limit, serialization, and small
// path-based getters/setters. Objects are rapidjson::Document trees (DESIGN.md rule 4); these
// helpers never throw and never assert on input, so they are safe on request bodies.

#include <rapidjson/document.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tinyk8s::api {

using Allocator = rapidjson::Document::AllocatorType;

// Nesting limit for parsed documents. Serialization and deep copies recurse, so an unbounded
// depth would let one request body overflow the stack. Same limit as upstream's JSON decoder.
inline constexpr int kMaxJsonDepth = 10000;

// Parses exactly one JSON value (objects, arrays, scalars) from `text`. Rejects trailing
// non-whitespace, nesting deeper than kMaxJsonDepth, and invalid UTF-8. Numbers keep full
// precision. Error: kBadRequest with the offset and reason.
Result<rapidjson::Document> ParseJson(std::string_view text);

// Compact serialization (no spaces), member order preserved.
std::string ToJson(const rapidjson::Value& v);
// Compact serialization with object members sorted by key (stable output for tests/diffs).
std::string ToJsonSorted(const rapidjson::Value& v);
// Indented serialization (2 spaces), member order preserved.
std::string ToJsonPretty(const rapidjson::Value& v);

// Deep copy of `v` into a fresh document.
rapidjson::Document CloneDocument(const rapidjson::Value& v);

// Deep copy of `v` into an immutable shared document whose allocator holds exactly what the
// copy needs, plus `extra_bytes` for later additions. RapidJSON's default pool chunk is 64 KiB
// per document, so long-lived caches of many small objects (watch cache, informers) would
// otherwise spend most of their memory on empty chunk space.
std::shared_ptr<rapidjson::Document> CompactDocument(const rapidjson::Value& v,
                                                     size_t extra_bytes = 0);

// Follows object members by name. nullptr when any step is missing or a non-object is crossed.
// An empty path returns &v.
const rapidjson::Value* FindPath(const rapidjson::Value& v,
                                 std::initializer_list<std::string_view> path);
rapidjson::Value* FindPathMutable(rapidjson::Value& v,
                                  std::initializer_list<std::string_view> path);

// Typed getters: return `fallback` when the path is missing or the value has another type.
std::string GetString(const rapidjson::Value& v, std::initializer_list<std::string_view> path,
                      std::string_view fallback = "");
// Like GetString without a copy: a view into `v` (valid while `v` lives) or `fallback`. For hot
// loops over cached objects, where GetString's allocation dominates.
std::string_view GetStringView(const rapidjson::Value& v,
                               std::initializer_list<std::string_view> path,
                               std::string_view fallback = "");
// Accepts any integral JSON number that fits in int64 (not doubles).
int64_t GetInt(const rapidjson::Value& v, std::initializer_list<std::string_view> path,
               int64_t fallback = 0);
bool GetBool(const rapidjson::Value& v, std::initializer_list<std::string_view> path,
             bool fallback = false);

// Returns the object at `path`, creating missing intermediate objects and replacing any
// non-object on the way (including `v` itself if it is not an object).
rapidjson::Value& EnsureObject(rapidjson::Value& v, std::initializer_list<std::string_view> path,
                               Allocator& a);

// Member setters on an object (`obj` is made an object if it is not). Existing members are
// overwritten in place, keeping their position.
void SetString(rapidjson::Value& obj, std::string_view key, std::string_view value, Allocator& a);
void SetInt(rapidjson::Value& obj, std::string_view key, int64_t value, Allocator& a);
void SetBool(rapidjson::Value& obj, std::string_view key, bool value, Allocator& a);
// Moves `value` into obj[key] (value is left null).
void SetValue(rapidjson::Value& obj, std::string_view key, rapidjson::Value& value, Allocator& a);
// Removes every member named `key`; returns whether one existed. No-op on non-objects.
bool RemoveMember(rapidjson::Value& obj, std::string_view key);

// Removes every member whose name is not in `keep` (order of the rest kept). No-op on
// non-objects. For informer transforms that keep only the fields a process reads.
void KeepOnlyMembers(rapidjson::Value& obj, std::initializer_list<std::string_view> keep);

// Member lookup by string_view (RapidJSON's FindMember wants a NUL-terminated string or Value).
const rapidjson::Value* FindMember(const rapidjson::Value& obj, std::string_view key);
rapidjson::Value* FindMemberMutable(rapidjson::Value& obj, std::string_view key);

// Makes a string Value copied into `a`.
rapidjson::Value MakeString(std::string_view s, Allocator& a);
// string_view onto a string Value (which may contain NULs).
std::string_view AsStringView(const rapidjson::Value& v);

// Deep equality; object member order does not matter; numbers compare by value (1 == 1.0).
bool JsonEqual(const rapidjson::Value& a, const rapidjson::Value& b);

// Whether a member name occurs twice in `obj` (RapidJSON keeps repeated members as parsed).
// Linear: pairwise for small objects, hashed for large ones.
bool HasRepeatedMemberNames(const rapidjson::Value& obj);

}  // namespace tinyk8s::api
