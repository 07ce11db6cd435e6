#pragma once
// The compiled-in table texts (api/schema/tables/), embedded by api/CMakeLists.txt.

#include <string_view>
#include <vector>

namespace tinyk8s::api::schema {

std::vector<std::string_view> SchemaTableTexts();
std::string_view SchemaDescriptionText();

}  // namespace tinyk8s::api::schema
