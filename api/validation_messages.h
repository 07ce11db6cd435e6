#pragma once
// Internal: upstream's validation message builders (k8s.io/apimachinery/pkg/util/validation),
// shared by names.cc and labels.cc so the wording stays identical everywhere.

#include <initializer_list>
#include <string>
#include <string_view>

namespace tinyk8s::api::internal {

// "<msg> (e.g. 'a',  or 'b', regex used for validation is '<re>')". The doubled space after the
// comma is upstream's, and clients may compare messages, so it is kept.
std::string RegexError(std::string_view msg, std::string_view regex,
                       std::initializer_list<std::string_view> examples);
std::string MaxLenError(size_t length);
inline constexpr std::string_view kEmptyError = "must be non-empty";

// Character-level matchers equivalent to upstream's regexes (std::regex recurses per character
// and can overflow the stack on long hostile input).
bool MatchesDns1123Label(std::string_view s);       // [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchesDns1123Subdomain(std::string_view s);   // label(\.label)*
bool MatchesQualifiedNamePart(std::string_view s);  // ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]

}  // namespace tinyk8s::api::internal
