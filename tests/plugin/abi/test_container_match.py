"""The C container-ID matcher (abi/container_match.c) against the Python reference
(core/cgroup.py), on generated cgroup paths of every layout and on hostile strings; and
the IDs a thread is tagged with (`k8smeta_find_ids`: the first path with a pod UID, and
that path's container ID) on buffers of NUL-separated paths, as the parse wrapper reads them.

The C files are compiled here alone (cffi, API mode), the pod-UID matcher first, as the
plugin's preamble includes them. The reference decodes each path as UTF-8 with
replacement, as the plugin's Python does with the C side's buffer.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8smeta.plugin.core.cgroup import container_id_from_cgroup, ids_from_cgroup
from tests.plugin.abi.c_matchers import compile_matchers
from tests.plugin.core.cgroup_paths import cgroup_paths, hex_ids, pod_dirs

MODULE = "_k8smeta_container_match_test"


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The compiled matchers as a Python extension module (`ffi`, `lib`)."""
    return compile_matchers(
        MODULE,
        "int k8smeta_find_container_id(const char* path, size_t len, char* out);"
        "int k8smeta_find_ids(const char* cgroups, size_t len, char* uid, char* cid);",
        ("cgroup_match.c", "container_match.c"),
        tmp_path_factory.mktemp("container_match"),
    )


def c_find(matcher: Any, raw: bytes) -> str:
    out = matcher.ffi.new("char[65]")
    found = matcher.lib.k8smeta_find_container_id(raw, len(raw), out)
    text: bytes = matcher.ffi.string(out)
    assert found == (1 if text else 0)
    return text.decode("ascii")


def reference(raw: bytes) -> str:
    return container_id_from_cgroup(raw.decode("utf-8", "replace"))


NEAR = st.sampled_from(["/", "pod", "docker", ".scope", "crio-", "é", "\u212a", "\x00"])


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cgroup_paths)
def test_generated_paths(matcher: Any, path: str) -> None:
    raw = path.replace("\0", "").encode("utf-8", "surrogatepass")
    assert c_find(matcher, raw) == reference(raw)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cgroup_paths | NEAR | hex_ids, max_size=6), st.binary(max_size=8))
def test_hostile_mixtures(matcher: Any, parts: list[str], noise: bytes) -> None:
    raw = "/".join(parts).encode("utf-8", "surrogatepass").replace(b"\0", b"") + noise
    raw = raw.replace(b"\0", b"")
    assert c_find(matcher, raw) == reference(raw)


def test_long_paths(matcher: Any) -> None:
    cid = "ab" * 32
    deep = "/x" * 30_000 + f"/kubepods/pod1/{cid}"
    assert c_find(matcher, deep.encode()) == cid
    assert c_find(matcher, b"/" * 65_536) == ""
    assert c_find(matcher, b"") == ""


def c_find_ids(matcher: Any, raw: bytes) -> tuple[str, str]:
    uid = matcher.ffi.new("char[37]")
    cid = matcher.ffi.new("char[65]")
    found = matcher.lib.k8smeta_find_ids(raw, len(raw), uid, cid)
    if not found:
        return "", ""
    return matcher.ffi.string(uid).decode(), matcher.ffi.string(cid).decode()


def reference_ids(raw: bytes) -> tuple[str, str]:
    """What the core's `_tag` takes: the first path (of the NUL-separated buffer) with a pod
    UID, and that path's container ID."""
    for path in raw.split(b"\0"):
        ids = ids_from_cgroup(path.decode("utf-8", "replace")) if path else ("", "")
        if ids[0]:
            return ids
    return "", ""


container_paths = st.builds(
    lambda prefix, pod, rest: "/".join((prefix, pod, *rest)),
    st.sampled_from(["/kubepods", "/kubepods.slice/kubepods-burstable.slice", "", "/docker"]),
    pod_dirs,
    st.lists(cgroup_paths, max_size=2),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(container_paths | cgroup_paths, max_size=5))
def test_the_ids_of_a_thread(matcher: Any, paths: list[str]) -> None:
    raw = b"".join(p.replace("\0", "").encode("utf-8", "surrogatepass") + b"\0" for p in paths)
    assert c_find_ids(matcher, raw) == reference_ids(raw)
