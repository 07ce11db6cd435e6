#pragma once
// Data directories written before a resource became a view of another resource's store kept
// that resource's objects under its own key prefix: events.k8s.io/v1 Events used to live under
// "/registry/events.k8s.io/events/", and are now read from the core Events under
// "/registry/core/events/". At start the API server moves such objects into the store their
// view reads, converted into that store's form by the view's converter, so nothing written
// before is lost.

#include "apiserver/registry.h"
#include "common/status.h"
#include "storage/store.h"

namespace tinyk8s::apiserver {

// MigrateViewObjects moves every object stored under a view's own prefix into the prefix it is
// now read from (converted), and returns how many moved. Safe to run by several API servers
// on one shared store at once, and again after a crash midway: each object is created under
// its new key only if that key is free, and its old key is deleted only at the revision it was
// read at. When the new key is taken (an object of the same name was written since), the one
// already there is kept. Objects that are not JSON stay where they are (logged).
Result<int> MigrateViewObjects(storage::Store& store, const Registry& registry);

}  // namespace tinyk8s::apiserver
