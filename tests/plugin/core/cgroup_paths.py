"""Generated cgroup paths of every runtime and driver layout, and a reference parser.

Shared by the property tests of the Python parser and of any other implementation of it.
The reference is a regular expression written from the rule in docs/plugin-contract.md
("Cgroups"); the parser under test is written without one.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

_HEX = "0123456789abcdef"
_REFERENCE = re.compile(
    r"\A(?:.*/)?"
    r"(?:(?:cri-containerd-|crio-|docker-)(?P<scope>[0-9a-f]{64})\.scope"
    r"|crio-(?P<crio>[0-9a-f]{64})"
    r"|(?:docker|pod[^/]*)/(?P<bare>[0-9a-f]{64}))"
    r"(?:/.*)?\Z",
    re.DOTALL,
)


def reference_container_id(path: str) -> str:
    """The container ID of the deepest component naming one (the greedy prefix)."""
    match = _REFERENCE.match(path)
    if match is None:
        return ""
    return match.group("scope") or match.group("crio") or match.group("bare") or ""


hex_ids = st.text(_HEX, min_size=64, max_size=64)
near_ids = st.text(_HEX + "ABCDEFxz-_", min_size=60, max_size=66)
uids = st.uuids().map(str)
pod_dirs = uids.map(lambda u: f"pod{u}") | uids.map(
    lambda u: f"kubepods-burstable-pod{u.replace('-', '_')}.slice"
)
container_components = st.one_of(
    hex_ids.map(lambda i: f"cri-containerd-{i}.scope"),
    hex_ids.map(lambda i: f"crio-{i}.scope"),
    hex_ids.map(lambda i: f"crio-conmon-{i}.scope"),
    hex_ids.map(lambda i: f"docker-{i}.scope"),
    hex_ids.map(lambda i: f"crio-{i}"),
    hex_ids,
    near_ids,
    near_ids.map(lambda i: f"cri-containerd-{i}.scope"),
    near_ids.map(lambda i: f"crio-{i}"),
)
other_components = st.sampled_from(
    [
        "",
        "kubepods",
        "kubepods.slice",
        "besteffort",
        "kubepods-besteffort.slice",
        "docker",
        "system.slice",
        "init.scope",
        "pod",
        ".scope",
        "crio-",
        "0::",
        "cpu,cpuacct=",
    ]
) | st.text(max_size=12)
components = st.one_of(container_components, pod_dirs, other_components)
cgroup_paths = st.lists(components, max_size=8).map("/".join) | st.text(max_size=80)
