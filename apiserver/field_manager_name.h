#pragma once
// FieldManagerFromUserAgent: whom the API server records in managedFields for a write that names
// no ?fieldManager=.

#include <string>
#include <string_view>

namespace tinyk8s::apiserver {

// Upstream's rule (prefixFromUserAgent in the apiserver's handlers): the User-Agent up to its
// first '/', without unprintable characters, cut to at most 128 bytes (the longest fieldManager)
// without splitting a character. So "kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/abc"
// and "kubectl/v1.32.4 (linux/amd64) kubernetes/..." give "kube-controller-manager" and
// "kubectl". Bytes that are not UTF-8 become U+FFFD, as Go's range over a string makes them.
// Unprintable means control, format, private-use and separator characters other than the ASCII
// space; unlike Go, code points Unicode has not assigned yet are kept (no tables here).
std::string FieldManagerFromUserAgent(std::string_view user_agent);

}  // namespace tinyk8s::apiserver
