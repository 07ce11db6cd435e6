#pragma once
// How Go's fmt prints what encoding/json decodes a JSON value to (map[string]interface{},
// []interface{}, string, float64 or int64, bool, nil), for error messages worded like
// upstream's.

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace tinyk8s::api {

// %v, integers as int64 (as kjson decodes patches): `map[a:true b:[1 x]]` with map keys
// sorted (the last of repeated keys wins), strings bare, floats shortest (1e+21), null `<nil>`.
std::string GoPrinted(const rapidjson::Value& value);

// %#v, numbers as float64 (as encoding/json decodes into interface{}):
// `map[string]interface {}{"a":[]interface {}{"x", 1}}`, strings quoted.
std::string GoSyntax(const rapidjson::Value& value);

// %q (strconv.Quote) for ASCII: quotes and backslashes escaped, control characters as \n, \t,
// \r, \x01.
std::string GoQuoted(std::string_view s);

// %T: map[string]interface {}, []interface {}, string, bool, float64.
std::string GoTypeName(const rapidjson::Value& value);

}  // namespace tinyk8s::api
