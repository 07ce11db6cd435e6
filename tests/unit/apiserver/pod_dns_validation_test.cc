// Pod DNS validation (apiserver/strategies/pod_dns.cc): field paths and messages as upstream's
// validateDNSPolicy / validatePodDNSConfig word them.
#include <gtest/gtest.h>

#include "api/json.h"
#include "apiserver/strategies/pod_spec.h"

namespace tinyk8s::apiserver {
namespace {

// Errors renders the DNS errors (policy, then the rest) of a spec (JSON) as "field: message" lines.
std::vector<std::string> Errors(const std::string& spec_json, const std::string& path = "spec") {
  auto spec = api::ParseJson(spec_json);
  EXPECT_TRUE(spec.ok()) << spec_json;
  std::vector<FieldError> errs;
  ValidateDnsPolicy(*spec, path, errs);
  ValidatePodDns(*spec, path, errs);
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.field + ": " + e.message);
  return out;
}

using Lines = std::vector<std::string>;

TEST(PodDnsValidationTest, ValidSpecsPass) {
  EXPECT_EQ(Errors(R"({"dnsPolicy":"ClusterFirst"})"), Lines{});
  EXPECT_EQ(Errors(R"({"dnsPolicy":"Default","hostname":"web-0","subdomain":"sub"})"), Lines{});
  EXPECT_EQ(Errors(R"({"dnsPolicy":"None","dnsConfig":{"nameservers":["1.2.3.4","::1",)"
                   R"("010.0.0.1"],"searches":["a.example.com.","b"],"options":[{"name":"ndots",)"
                   R"("value":"2"}]}})"),
            Lines{});
  EXPECT_EQ(Errors(R"({"dnsPolicy":"ClusterFirstWithHostNet","dnsConfig":{}})"), Lines{});
}

TEST(PodDnsValidationTest, UnsupportedPolicyListsUpstreamOrder) {
  EXPECT_EQ(Errors(R"({"dnsPolicy":"Cluster"})"),
            Lines{"spec.dnsPolicy: Unsupported value: \"Cluster\": supported values: "
                  "\"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""});
}

TEST(PodDnsValidationTest, NoneNeedsConfigAndANameserver) {
  EXPECT_EQ(Errors(R"({"dnsPolicy":"None"})"),
            Lines{"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is "
                  "None"});
  EXPECT_EQ(Errors(R"({"dnsPolicy":"None","dnsConfig":{"searches":["x"]}})", "spec.template.spec"),
            Lines{"spec.template.spec.dnsConfig.nameservers: Required value: must provide at "
                  "least one DNS nameserver when `dnsPolicy` is None"});
  // Other policies may leave the nameservers out.
  EXPECT_EQ(Errors(R"({"dnsPolicy":"ClusterFirst","dnsConfig":{"searches":["x"]}})"), Lines{});
}

TEST(PodDnsValidationTest, Nameservers) {
  EXPECT_EQ(Errors(R"({"dnsConfig":{"nameservers":["1.1.1.1","2.2.2.2","3.3.3.3","4.4.4.4"]}})"),
            Lines{"spec.dnsConfig.nameservers: Invalid value: []string{\"1.1.1.1\", \"2.2.2.2\", "
                  "\"3.3.3.3\", \"4.4.4.4\"}: must not have more than 3 nameservers"});
  EXPECT_EQ(Errors(R"({"dnsConfig":{"nameservers":["1.2.3.4","1.2.3","dns.example"]}})"),
            (Lines{"spec.dnsConfig.nameservers[1]: Invalid value: \"1.2.3\": must be a valid IP "
                   "address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                   "spec.dnsConfig.nameservers[2]: Invalid value: \"dns.example\": must be a valid "
                   "IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}));
  EXPECT_EQ(Errors(R"({"dnsConfig":{"nameservers":["256.0.0.1"]}})").size(), 1u);
}

TEST(PodDnsValidationTest, Searches) {
  std::string many = "[";
  for (int i = 0; i < 33; ++i) many += std::string(i ? "," : "") + "\"s" + std::to_string(i) + "\"";
  many += "]";
  auto errs = Errors(R"({"dnsConfig":{"searches":)" + many + "}}");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].rfind("spec.dnsConfig.searches: Invalid value: []string{\"s0\", \"s1\", ", 0),
            0u)
      << errs[0];
  EXPECT_NE(errs[0].find("\"s32\"}: must not have more than 32 search paths"), std::string::npos)
      << errs[0];

  // 9 names of 253 characters and 8 spaces: 2285 > 2048.
  std::string label(63, 'a');
  std::string name = label + "." + label + "." + label + "." + label.substr(0, 61);
  ASSERT_EQ(name.size(), 253u);
  std::string long_list = "[";
  for (int i = 0; i < 9; ++i) long_list += std::string(i ? "," : "") + "\"" + name + "\"";
  long_list += "]";
  errs = Errors(R"({"dnsConfig":{"searches":)" + long_list + "}}");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].find("}: must not have more than 2048 characters (including spaces) in the "
                         "search list"),
            std::string::npos)
      << errs[0];
  EXPECT_EQ(errs[0].rfind("spec.dnsConfig.searches: Invalid value: []string{", 0), 0u);

  // A trailing dot is fine; the rest must be an RFC 1123 subdomain (printed without the dot).
  EXPECT_EQ(Errors(R"({"dnsConfig":{"searches":["ok.example.","Bad_Name."]}})"),
            Lines{"spec.dnsConfig.searches[1]: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
                  "subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                  "must start and end with an alphanumeric character (e.g. 'example.com', regex "
                  "used for validation is "
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"});
}

TEST(PodDnsValidationTest, OptionsNeedNames) {
  EXPECT_EQ(Errors(R"({"dnsConfig":{"options":[{"name":"ndots","value":"1"},{"value":"2"}]}})"),
            Lines{"spec.dnsConfig.options[1]: Required value: must not be empty"});
}

TEST(PodDnsValidationTest, HostnameAndSubdomainAreLabels) {
  auto errs = Errors(R"({"hostname":"Web.0","subdomain":"a.b"})");
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].rfind("spec.hostname: Invalid value: \"Web.0\": a lowercase RFC 1123 label "
                          "must consist of",
                          0),
            0u)
      << errs[0];
  EXPECT_EQ(errs[1], "spec.subdomain: Invalid value: \"a.b\": must not contain dots");
}

}  // namespace
}  // namespace tinyk8s::apiserver
