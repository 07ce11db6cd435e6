#!/usr/bin/env python3
"""Regenerates the structural part of the schema table (api/schema/tables/*.schema) from
upstream's API definitions.

Field names, JSON types, protobuf numbers, list/map types and patch strategies are facts of the
Kubernetes API; this script reads them from a checkout of k8s.io/api and k8s.io/apimachinery
(generated.proto for numbers and markers, types.go for JSON tags, pointers and inlining) and
writes them in tinyk8s' own table format (api/schema/schema.h). It copies no upstream prose:
descriptions live in api/schema/tables/descriptions.txt, are written by hand and
are never touched by this script.

Usage: gen_schema_table.py API_DIR APIMACHINERY_DIR OUT_DIR
  API_DIR holds <group>/v1/{types.go,generated.proto}; APIMACHINERY_DIR holds
  pkg/apis/meta/v1/{types.go,generated.proto}.
"""
import os
import re
import sys

ROOTS = [
    ("core.v1.Namespace", "/v1/Namespace"),
    ("core.v1.Node", "/v1/Node"),
    ("core.v1.Pod", "/v1/Pod"),
    ("core.v1.Service", "/v1/Service"),
    ("core.v1.Endpoints", "/v1/Endpoints"),
    ("core.v1.Event", "/v1/Event"),
    ("core.v1.ConfigMap", "/v1/ConfigMap"),
    ("core.v1.Binding", "/v1/Binding"),
    ("core.v1.ServiceAccount", "/v1/ServiceAccount"),
    ("apps.v1.DaemonSet", "apps/v1/DaemonSet"),
    ("apps.v1.ControllerRevision", "apps/v1/ControllerRevision"),
    ("coordination.v1.Lease", "coordination.k8s.io/v1/Lease"),
    ("discovery.v1.EndpointSlice", "discovery.k8s.io/v1/EndpointSlice"),
    ("events.v1.Event", "events.k8s.io/v1/Event"),
    ("scheduling.v1.PriorityClass", "scheduling.k8s.io/v1/PriorityClass"),
    ("policy.v1.Eviction", "policy/v1/Eviction"),
    ("rbac.v1.ClusterRole", "rbac.authorization.k8s.io/v1/ClusterRole"),
    ("rbac.v1.Role", "rbac.authorization.k8s.io/v1/Role"),
    ("rbac.v1.ClusterRoleBinding", "rbac.authorization.k8s.io/v1/ClusterRoleBinding"),
    ("rbac.v1.RoleBinding", "rbac.authorization.k8s.io/v1/RoleBinding"),
    ("authorization.v1.SelfSubjectAccessReview", "authorization.k8s.io/v1/SelfSubjectAccessReview"),
    ("authorization.v1.SelfSubjectRulesReview", "authorization.k8s.io/v1/SelfSubjectRulesReview"),
    ("authentication.v1.TokenRequest", "authentication.k8s.io/v1/TokenRequest"),
    ("authentication.v1.SelfSubjectReview", "authentication.k8s.io/v1/SelfSubjectReview"),
    ("authentication.v1.TokenReview", "authentication.k8s.io/v1/TokenReview"),
    ("meta.v1.DeleteOptions", None),
    ("meta.v1.Status", None),
]
GROUPS = ["core", "apps", "coordination", "discovery", "events", "scheduling", "policy", "rbac",
          "authorization", "authentication"]

# Upstream special types with their own JSON form.
SPECIAL = {
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intstr",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "microtime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "duration",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawext",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "fieldsv1",
}
SCALARS = {"string": "string", "int32": "int32", "int64": "int64", "bool": "bool",
           "double": "double", "bytes": "bytes", "float": "double"}


def short_name(full):
    # k8s.io.api.core.v1.PodSpec -> core.v1.PodSpec; ...meta.v1.ObjectMeta -> meta.v1.ObjectMeta
    full = full.lstrip(".")
    for prefix in ("k8s.io.api.", "k8s.io.apimachinery.pkg.apis."):
        if full.startswith(prefix):
            return full[len(prefix):]
    raise ValueError("unexpected type " + full)


def parse_proto(path, package_short):
    messages = {}
    cur, comments = None, []
    for raw in open(path):
        line = raw.strip()
        if line.startswith("//"):
            comments.append(line[2:].strip())
            continue
        m = re.match(r"message (\w+) \{", line)
        if m:
            cur = {"name": package_short + "." + m.group(1), "fields": [], "markers": comments}
            messages[cur["name"]] = cur
            comments = []
            continue
        if line == "}":
            cur, comments = None, []
            continue
        m = re.match(r"(optional|repeated)?\s*(map<\s*string\s*,\s*([\w.]+)\s*>|[\w.]+) (\w+) = (\d+);",
                     line)
        if m and cur is not None:
            label, typ, map_val, name, num = m.groups()
            cur["fields"].append({"name": name, "num": int(num), "repeated": label == "repeated",
                                  "map": map_val is not None,
                                  "type": map_val if map_val else typ, "markers": comments})
        comments = []
    return messages


def parse_go(path, slices):
    """Returns {struct: {proto_name: {json, omitempty, pointer, inline}}}. Named slice types
    (`type ExtraValue []string`) go into `slices` as {name: element Go type}."""
    structs = {}
    cur, comments = None, []
    for raw in open(path):
        m = re.match(r"type (\w+) \[\](\w+)\s*$", raw)
        if m:
            slices[m.group(1)] = m.group(2)
            continue
        m = re.match(r"type (\w+) struct \{", raw)
        if m:
            cur, comments = structs.setdefault(m.group(1), {}), []
            continue
        if raw.startswith("}"):
            cur = None
            continue
        if raw.strip().startswith("//"):
            comments.append(raw.strip()[2:].strip())
            continue
        if cur is not None and raw.strip().startswith("metav1.TypeMeta") or (
                cur is not None and raw.strip().startswith("TypeMeta ")):
            cur["$typemeta"] = True
        if cur is None or "protobuf:\"" not in raw:
            comments = []
            continue
        markers, comments = comments, []
        code = raw.strip()
        tag = re.search(r"`(.*)`", code).group(1)
        decl = code[:code.index("`")].split()
        gotype = decl[-1]
        pm = re.search(r'protobuf:"[^"]*name=(\w+)', tag)
        # An embedded struct without name= is named after its type (EphemeralContainerCommon).
        pname = pm.group(1) if pm else gotype[0].lower() + gotype[1:]
        js = re.search(r'json:"([^"]*)"', tag)
        jparts = js.group(1).split(",") if js else [""]
        cur[pname] = {"json": jparts[0], "omitempty": "omitempty" in jparts[1:],
                      "pointer": gotype.startswith("*"), "inline": jparts[0] == "",
                      "gotype": gotype, "markers": markers}
    return structs


def marker(markers, key):
    for m in markers:
        if m.startswith("+" + key + "="):
            return m.split("=", 1)[1]
    return None


def main():
    api_dir, am_dir, out_dir = sys.argv[1:4]
    messages, gofields = {}, {}
    # Named slices whose protobuf message wraps the list (ExtraValue{items}): in JSON a plain
    # list, so a map of them is written `{}[]<element>`.
    slices = {}
    for g in GROUPS:
        messages.update(parse_proto(os.path.join(api_dir, g, "v1", "generated.proto"), g + ".v1"))
        go_slices = {}
        for k, v in parse_go(os.path.join(api_dir, g, "v1", "types.go"), go_slices).items():
            gofields[g + ".v1." + k] = v
        slices.update({g + ".v1." + k: v for k, v in go_slices.items()})
    meta = os.path.join(am_dir, "pkg/apis/meta/v1")
    messages.update(parse_proto(os.path.join(meta, "generated.proto"), "meta.v1"))
    for k, v in parse_go(os.path.join(meta, "types.go"), {}).items():
        gofields["meta.v1." + k] = v

    gvk = {name: g for name, g in ROOTS if g}
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        order.append(name)
        for f in messages[name]["fields"]:
            t = f["type"].lstrip(".")
            if t in SCALARS:
                continue
            if "." not in t:
                # Unqualified: a message of the same package.
                pkg = "k8s.io.apimachinery.pkg.apis." if name.startswith("meta.") else "k8s.io.api."
                t = pkg + name.rsplit(".", 1)[0] + "." + t
                f["type"] = t
            if t in SPECIAL:
                continue
            t = short_name(t)
            if t in slices:
                if not f["map"] or slices[t] not in SCALARS:
                    raise SystemExit("unsupported use of slice type " + t)
                f["list_of"] = slices[t]
                continue
            f["ref"] = t
            visit(t)

    for name, _ in ROOTS:
        visit(name)

    by_group = {}
    for name in order:
        msg = messages[name]
        lines = []
        header = "type " + name
        if name in gvk:
            header += " gvk=" + gvk[name]
        st = marker(msg["markers"], "structType")
        if st:
            header += " st=" + st
        lines.append(header)
        go = gofields.get(name, {})
        if go.get("$typemeta"):
            # TypeMeta is not in the protobuf message (the envelope carries it): number 0.
            lines.append("  apiVersion 0 string")
            lines.append("  kind 0 string")
        for f in msg["fields"]:
            info = go.get(f["name"])
            if info is None:
                raise SystemExit("no Go tag for %s.%s" % (name, f["name"]))
            t = f["type"].lstrip(".")
            typ = SCALARS.get(t) or SPECIAL.get(t) or f.get("ref")
            if "list_of" in f:
                typ = "{}[]" + SCALARS[f["list_of"]]
            elif f["map"]:
                typ = "{}" + typ
            elif f["repeated"]:
                typ = "[]" + typ
            elif info["pointer"]:
                typ = "*" + typ
            jname = info["json"] or f["name"]
            flags = []
            # types.go is the source of truth for markers (generated.proto may lag behind).
            mk = info["markers"]
            optional = "+optional" in mk or info["omitempty"] or "+k8s:optional" in mk
            if info["inline"]:
                flags.append("inline")
            elif not optional:
                # Newer upstream adds +required to omitempty fields (spec); the OpenAPI served by
                # 1.27-1.33 derives required from the JSON tag, so we do too.
                flags.append("req")
            for key, short in (("patchStrategy", "ps"), ("patchMergeKey", "pmk"),
                               ("listType", "lt"), ("mapType", "mt")):
                v = marker(mk, key)
                if v:
                    flags.append(short + "=" + v)
            keys = [m.split("=", 1)[1] for m in mk if m.startswith("+listMapKey=")]
            if keys:
                flags.append("lk=" + ",".join(keys))
            lines.append("  %s %d %s%s" % (jname, f["num"], typ,
                                           "".join(" " + x for x in flags)))
        by_group.setdefault(name.split(".")[0], []).append("\n".join(lines))

    for group, blocks in by_group.items():
        path = os.path.join(out_dir, group + ".schema")
        with open(path, "w") as out:
            out.write("# Structure of the %s API types; generated by scripts/gen_schema_table.py.\n"
                      "# Format: see api/schema/schema.h. Descriptions: descriptions.txt.\n" % group)
            out.write("\n".join(blocks) + "\n")
        print(path, len(blocks), "types")


if __name__ == "__main__":
    main()
