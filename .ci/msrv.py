#!/usr/bin/env python3
"""Checks the declared MSRV (workspace `rust-version`) against the crates a
user of Verso builds: every normal (non-dev) dependency reachable from the
published crates, with all their features, must declare a rust-version no
newer than ours. (Verso's own code is held to it by clippy's
`incompatible_msrv` lint, which reads the same `rust-version`.)"""
import json
import subprocess
import sys

PUBLISHED = {"verso", "verso-core", "verso-derive", "verso-codegen", "verso-sql",
             "verso-sqlite", "verso-postgres", "verso-memory", "verso-cli"}


def version_key(text):
    parts = (text.split(".") + ["0", "0"])[:3]
    return tuple(int(p) for p in parts)


meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--all-features"]))
packages = {p["id"]: p for p in meta["packages"]}
declared = {packages[i]["name"]: packages[i].get("rust_version") for i in meta["workspace_members"]}
msrv = declared["verso"]
if not msrv:
    sys.exit("verso declares no rust-version")
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
roots = [i for i in meta["workspace_members"] if packages[i]["name"] in PUBLISHED]
seen, stack, too_new = set(), list(roots), []
while stack:
    node = nodes[stack.pop()]
    for dep in node["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if kinds <= {"dev"}:
            continue
        if dep["pkg"] in seen:
            continue
        seen.add(dep["pkg"])
        stack.append(dep["pkg"])
        package = packages[dep["pkg"]]
        needed = package.get("rust_version")
        if needed and version_key(needed) > version_key(msrv):
            too_new.append(f"{package['name']} {package['version']} needs Rust {needed}")
if too_new:
    print(f"declared MSRV {msrv} is older than what these dependencies need:")
    print("\n".join(sorted(too_new)))
    sys.exit(1)
print(f"MSRV {msrv}: {len(seen)} dependencies of the published crates build with it")
