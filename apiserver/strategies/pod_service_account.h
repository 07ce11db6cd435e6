#pragma once
// ServiceAccount admission of pods (upstream plugin/pkg/admission/serviceaccount): on create,
// the pod runs as spec.serviceAccountName (default "default"), which must exist; unless
// automounting is turned off (by the pod, else by the account) every container and init
// container gets the account's API credentials as the projected volume kube-api-access-XXXXX
// (token, cluster CA, namespace) mounted read-only at /var/run/secrets/kubernetes.io/
// serviceaccount; a pod without imagePullSecrets gets the account's. Mirror pods are left
// alone but may not reference service accounts or token projections.

#include <rapidjson/document.h>

#include "apiserver/resource.h"
#include "common/status.h"

namespace tinyk8s::apiserver {

inline constexpr char kServiceAccountTokenMountPath[] =
    "/var/run/secrets/kubernetes.io/serviceaccount";
inline constexpr char kServiceAccountVolumePrefix[] = "kube-api-access-";

struct ServiceAccountAdmissionOptions {
  // Reads of the account "default" before giving up: the serviceaccount controller creates it
  // just after its namespace, and a pod may come first (upstream tries 10 times, 100-200 ms
  // apart). Other accounts are read once.
  int default_account_attempts = 10;
};

// DefaultServiceAccountName sets spec.serviceAccountName (and its deprecated alias
// serviceAccount) of a pod that is not a mirror pod: the alias when only it is set, else
// "default". Returns the name ("" for mirror pods).
std::string DefaultServiceAccountName(rapidjson::Document& pod);

// AdmitPodServiceAccount mutates `pod` (a create) as above. Errors: 403 Forbidden
// `pods "NAME" is forbidden: error looking up service account NS/SA: serviceaccount "SA" not
// found`, and upstream's mirror-pod refusals. Without ctx.lookup only the name is defaulted.
Status AdmitPodServiceAccount(rapidjson::Document& pod, StrategyContext& ctx,
                              const ServiceAccountAdmissionOptions& options = {});

}  // namespace tinyk8s::apiserver
