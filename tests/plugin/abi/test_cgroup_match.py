"""The C pod-UID matcher (abi/cgroup_match.c) against the Python reference
(core/cgroup.py), on generated and hostile cgroup strings.

The C file is compiled alone here (cffi, API mode), exactly as the plugin's preamble
includes it. The reference is what the plugin's Python did with the C side's buffer of
NUL-separated paths: split at NULs, decode each path as UTF-8 with replacement, and take
the first path's match.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8smeta.plugin.core.cgroup import pod_uid_from_cgroup
from tests.plugin.abi.c_matchers import compile_matchers

MODULE = "_k8smeta_cgroup_match_test"
#: Strings compared by the property test: examples x strings drawn x (1 + variants each).
REQUIRED = 100_000
EXAMPLES = 400
PER_EXAMPLE = 5
VARIANTS = 50
MAX_LEN = 64 * 1024

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Characters next to the pattern's own: case, separators, non-ASCII look-alikes.
NEAR = "ABCDEFXYZ-_./:=p\u00e9\u0131\u212a\uff10\u0660 \t\n"


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The compiled matcher as a Python extension module (`ffi`, `lib`)."""
    return compile_matchers(
        MODULE,
        "int k8smeta_find_pod_uid(const char* cgroups, size_t len, char* out);",
        ("cgroup_match.c",),
        tmp_path_factory.mktemp("cgroup_match"),
    )


def c_find(matcher: Any, raw: bytes) -> str:
    out = matcher.ffi.new("char[37]")
    found = matcher.lib.k8smeta_find_pod_uid(raw, len(raw), out)
    text: bytes = matcher.ffi.string(out)
    assert found in (0, 1)
    assert found == 1 or text == b""  # untouched without a match
    return text.decode("ascii") if found else ""


def reference(raw: bytes) -> str:
    for path in raw.split(b"\0"):
        uid = pod_uid_from_cgroup(path.decode("utf-8", "replace")) if path else ""
        if uid:
            return uid
    return ""


# ---- generated cgroup strings -----------------------------------------------------------


@st.composite
def uids(draw: st.DrawFn) -> str:
    """A pod UID, mostly well formed: groups of [a-z0-9], sometimes too short, too long or
    with a near-miss character; `-` or `_` (or a near miss) between groups."""
    parts = []
    for size in (8, 4, 4, 4, 12):
        n = draw(st.sampled_from([size] * 6 + [size - 1, size + 1, 0]))
        alphabet = draw(st.sampled_from([ALNUM] * 5 + [ALNUM + NEAR]))
        parts.append(draw(st.text(alphabet, min_size=n, max_size=n)))
    seps = [draw(st.sampled_from("-" * 4 + "_" * 4 + ".:/ A")) for _ in range(4)]
    return parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=True))


CONTAINER = st.text("0123456789abcdef", min_size=0, max_size=64)
QOS = st.sampled_from(["", "besteffort", "burstable", "guaranteed"])
RUNTIME = st.sampled_from(["cri-containerd", "crio", "docker", "cri-o", "libpod", "containerd"])
SUBSYSTEM = st.sampled_from(
    ["", "cpuset=", "memory=", "cpu,cpuacct=", "name=systemd=", "0::", "12:pids:", "=", "pids"]
)


@st.composite
def layouts(draw: st.DrawFn) -> str:
    """One cgroup path of a kubelet cgroup driver and runtime, v1 or v2."""
    uid, cid, qos = draw(uids()), draw(CONTAINER), draw(QOS)
    runtime, sub = draw(RUNTIME), draw(SUBSYSTEM)
    underscored = uid.replace("-", "_")
    qos_dir = f"{qos}/" if qos else ""
    qos_slice = f"-{qos}" if qos else ""
    path = draw(
        st.sampled_from(
            [
                f"/kubepods/{qos_dir}pod{uid}/{cid}",  # cgroupfs (v1 and v2)
                f"/kubepods.slice/kubepods{qos_slice}.slice/"  # systemd
                f"kubepods{qos_slice}-pod{underscored}.slice/{runtime}-{cid}.scope",
                f"/kubepods.slice/kubepods{qos_slice}.slice/"
                f"kubepods{qos_slice}-pod{uid}.slice/{runtime}-{cid}.scope",
                f"/system.slice/containerd.service/kubepods{qos_slice}-pod{underscored}"
                f".slice:{runtime}:{cid}",  # containerd's systemd path format
                f"/docker/{cid}/kubepods/{qos_dir}pod{uid}/{cid}",  # kind, nested
                f"/kubepods/pod{uid}pod{uid}",  # two candidates in one path
                f"/user.slice/user-1000.slice/session-{cid}.scope",  # no pod
                "/",
                "",
            ]
        )
    )
    return sub + path


@st.composite
def hostile(draw: st.DrawFn, base: str) -> bytes:
    """`base` mutated: truncated, interleaved with any text or bytes, NULs, very long."""
    raw = base.encode()
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["cut", "insert", "nul", "bytes", "pad", "none"]))
        at = draw(st.integers(0, len(raw)))
        if op == "cut":
            raw = raw[:at] if draw(st.booleans()) else raw[at:]
        elif op == "insert":
            raw = raw[:at] + draw(st.text(max_size=8)).encode() + raw[at:]
        elif op == "nul":
            raw = raw[:at] + b"\0" + raw[at:]
        elif op == "bytes":
            raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at:]
        elif op == "pad":  # up to 64 KiB of a filler that almost matches
            filler = draw(st.sampled_from(["x", "pod", "pod0", "/", "\u00e9", "p", "pod0000000-"]))
            count = draw(st.sampled_from([16, 1024, MAX_LEN // len(filler.encode())]))
            pad = (filler * count).encode()[: MAX_LEN - len(raw)]
            raw = raw[:at] + pad + raw[at:] if draw(st.booleans()) else pad + raw
    return raw[:MAX_LEN]


@st.composite
def cgroup_strings(draw: st.DrawFn) -> bytes:
    """A path, a NUL-separated list of paths (as the C side's buffer), or random input."""
    kind = draw(st.sampled_from(["one", "one", "list", "text", "binary"]))
    if kind == "text":
        return draw(st.text(max_size=200)).encode()
    if kind == "binary":
        return draw(st.binary(max_size=200))
    count = 1 if kind == "one" else draw(st.integers(2, 6))
    paths = [draw(hostile(draw(layouts()))) for _ in range(count)]
    return b"".join(p + b"\0" for p in paths) if kind == "list" else paths[0]


FILLERS = ("x", "pod", "pod0", "/", "\u00e9", "p", "pod0000000-", "pod00000000_0000_")


def variants(raw: bytes, rng: random.Random, count: int) -> list[bytes]:
    """`count` mutations of `raw`, made fast from one seed (Hypothesis draws the seed, so a
    failure reproduces): cuts, inserted bytes, text, NULs, 64 KiB of a near-miss filler."""
    out = []
    for _ in range(count):
        mutated = raw
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(mutated))
            op = rng.randrange(6)
            if op == 0:
                mutated = mutated[:at] if rng.random() < 0.5 else mutated[at:]
            elif op == 1:
                mutated = mutated[:at] + rng.randbytes(rng.randint(1, 4)) + mutated[at:]
            elif op == 2:
                mutated = mutated[:at] + b"\0" + mutated[at:]
            elif op == 3:
                text = "".join(
                    chr(rng.choice((rng.randint(32, 0x7F), rng.randint(0x80, 0xD7FF))))
                    for _ in range(3)
                )
                mutated = mutated[:at] + text.encode() + mutated[at:]
            elif op == 4 and rng.random() < 0.05:
                filler = rng.choice(FILLERS).encode()
                pad = (filler * (MAX_LEN // len(filler)))[: MAX_LEN - len(mutated)]
                mutated = mutated[:at] + pad + mutated[at:]
            else:
                mutated = mutated.replace(b"-", b"_", rng.randint(0, 4))
        out.append(mutated[:MAX_LEN])
    return out


def test_c_matches_the_reference_on_generated_and_hostile_strings(matcher: Any) -> None:
    compared = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        st.lists(cgroup_strings(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE),
        st.integers(0, 2**32 - 1),
    )
    def compare(batch: list[bytes], seed: int) -> None:
        nonlocal compared
        rng = random.Random(seed)
        for drawn in batch:
            for raw in (drawn, *variants(drawn, rng, VARIANTS)):
                assert c_find(matcher, raw) == reference(raw), (seed, raw[:300])
                compared += 1

    compare()
    assert compared >= REQUIRED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"/kubepods/besteffort/pod05869489-8c7f-45dc-9abd-1b1620787bb1/c",
            "05869489-8c7f-45dc-9abd-1b1620787bb1",
        ),
        (
            b"kubepods-pod0f90f31c_ebeb_4192_a2b0_92e076c43817.slice",
            "0f90f31c-ebeb-4192-a2b0-92e076c43817",
        ),
        (b"pod0f90f31c_ebeb-4192_a2b0-92e076c43817", "0f90f31c-ebeb-4192-a2b0-92e076c43817"),
        (b"ppod11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555"),
        (b"pod11111111-2222-3333-4444-55555555555", ""),  # one short, at the very end
        (b"pod11111111-2222-3333-4444-5555555555555", "11111111-2222-3333-4444-555555555555"),
        (b"POD11111111-2222-3333-4444-555555555555", ""),
        (b"pod1111111A-2222-3333-4444-555555555555", ""),
        (b"pod11111111-2222\x00-3333-4444-555555555555", ""),  # a NUL inside
        (
            b"/a\x00/kubepods/pod66666666-7777-8888-9999-000000000000/c\x00",
            "66666666-7777-8888-9999-000000000000",
        ),
        (
            b"\xffpod\xe2\x82pod11111111-2222-3333-4444-555555555555\xc3",
            "11111111-2222-3333-4444-555555555555",
        ),
        (b"", ""),
    ],
)
def test_examples(matcher: Any, raw: bytes, expected: str) -> None:
    assert c_find(matcher, raw) == reference(raw) == expected


def test_only_len_bytes_are_read(matcher: Any) -> None:
    """A match that would need bytes past `len` is not one."""
    text = b"pod11111111-2222-3333-4444-555555555555"
    out = matcher.ffi.new("char[37]")
    buffer = matcher.ffi.new("char[]", text)
    assert matcher.lib.k8smeta_find_pod_uid(buffer, len(text) - 1, out) == 0
    assert matcher.lib.k8smeta_find_pod_uid(buffer, len(text), out) == 1
    assert matcher.lib.k8smeta_find_pod_uid(matcher.ffi.NULL, 0, out) == 0
