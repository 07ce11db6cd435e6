#pragma once
// Pod spec defaulting and validation shared by Pods and pod templates (DaemonSet), following
// upstream SetDefaults_PodSpec / SetDefaults_Container and ValidatePodSpec (the parts we serve).

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace tinyk8s::apiserver {

// DefaultPodSpec applies the pod-spec defaults (POD-1, POD-3, POD-4). `is_pod` adds the
// Pod-only defaults (POD-2: requests from limits, enableServiceLinks, hostNetwork host ports).
void DefaultPodSpec(rapidjson::Value& spec, rapidjson::Document::AllocatorType& a, bool is_pod);

// ValidatePodSpec validates a pod spec; `path` is its field path ("spec",
// "spec.template.spec").
std::vector<FieldError> ValidatePodSpec(const rapidjson::Value& spec, const std::string& path);

// ValidateDnsPolicy and ValidatePodDns append the errors of the spec's DNS settings to `errs`:
// dnsPolicy, and then hostname, subdomain and dnsConfig (two calls, to keep upstream's error
// order within ValidatePodSpec).
void ValidateDnsPolicy(const rapidjson::Value& spec, const std::string& path,
                       std::vector<FieldError>& errs);
void ValidatePodDns(const rapidjson::Value& spec, const std::string& path,
                    std::vector<FieldError>& errs);

// CanonicalizeQuantity rewrites a resource quantity value in canonical form ("0.15" -> "150m").
// Returns false (leaving it alone) when it does not parse.
bool CanonicalizeQuantity(rapidjson::Value& value, rapidjson::Document::AllocatorType& a);

}  // namespace tinyk8s::apiserver
