#pragma once
// Pod strategy (cf. upstream pkg/registry/core/pod/strategy.go and the priority,
// DefaultTolerationSeconds and ServiceAccount admission plugins).

#include <memory>

#include "apiserver/resource.h"

namespace tinyk8s::apiserver {

std::unique_ptr<Strategy> NewPodStrategy(bool service_account_admission);
// PodTableColumns / PodCells are reused by nothing else today but keep the printer in one place.
void PodCells(const rapidjson::Value& pod, Clock::TimePoint now, rapidjson::Value& cells,
              rapidjson::Document::AllocatorType& a);

}  // namespace tinyk8s::apiserver
