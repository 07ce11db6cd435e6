#pragma once
// YAML -> JSON conversion at the edge (kubectl and manifests send YAML; everything inside is
// JSON). yaml-cpp exceptions never leave this boundary.

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tinyk8s::api {

// Converts one YAML document. Quoted scalars stay strings; plain scalars are typed like
// YAML 1.1/JSON (null ~, true/false/yes/no/on/off, integers incl. 0x/0o, floats incl. .inf/.nan
// -> string since JSON has none); anchors/aliases are expanded; mapping keys become strings.
// An empty input gives a null document. More than one document, or a syntax error: kBadRequest
// ("error converting YAML to JSON: yaml: line N: ..."). A key repeated in a mapping keeps its
// last value; with `duplicate_keys`, each repetition is also reported there in go-yaml's strict
// wording ("line 5: key \"name\" already set in map") for field validation.
Result<rapidjson::Document> YamlToJson(std::string_view text,
                                       std::vector<std::string>* duplicate_keys = nullptr);

// Converts every document of a `---`-separated stream; empty documents are skipped.
Result<std::vector<rapidjson::Document>> YamlToJsonMulti(std::string_view text);

// Renders JSON as block-style YAML (for `-o yaml`-like output and tests).
std::string JsonToYaml(const rapidjson::Value& v);

}  // namespace tinyk8s::api
