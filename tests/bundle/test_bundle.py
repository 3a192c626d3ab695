"""The bundle is self-contained: unpacked anywhere in a root file system without Python, its
libk8smeta.so starts, syncs from a collector over gRPC and extracts every field.

Each case runs the C host under chroot with an empty environment, once where the tarball
was unpacked and once after the unpacked tree moved to another path, in a minimal Debian
(debootstrap) and in a root holding glibc alone, for both dlopen modes Falco versions use.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from k8smeta.plugin.abi.bundle import BUNDLE_DIR, artifact_name
from k8smeta.plugin.core.fields import FIELDS, Arg
from tests.bundle.runner import (
    Outcome,
    Request,
    install_host,
    recorded_collector,
    run_host,
    run_in_root,
    unpack,
)
from tests.host.base import render
from tests.plugin.behaviour.test_fixture_values import DELETED, EXPECTED, METRICS_SERVER

REQUESTS = [Request(uid, field) for uid, field, _ in EXPECTED] + [
    # a deleted pod: no field has a value
    Request(DELETED, f.name + ("[app]" if f.arg is Arg.KEY else ""))
    for f in FIELDS
]
WANTED = [expected for _, _, expected in EXPECTED] + [None] * len(FIELDS)
IS_LIST = {f.name: f.is_list for f in FIELDS}
SEV_ERROR = 3  # ss_plugin_log_severity


def check_outcome(outcome: Outcome) -> None:
    got = [
        render(values, IS_LIST[r.field.partition("[")[0]])
        for r, values in zip(REQUESTS, outcome.extracted, strict=True)
    ]
    assert got == WANTED
    assert outcome.values["synced_events"] == "43"
    assert outcome.values["metric.async_events_received"] == "43"
    assert outcome.values["metric.resources_pod"] == "10"
    assert outcome.values["metric.parse_errors"] == "0"
    assert outcome.values["done"] == "ok"
    assert outcome.severities, "the plugin logs through the host"
    assert min(outcome.severities) > SEV_ERROR, "no error, critical or fatal log"


def test_every_field_is_requested_for_one_pod() -> None:
    names = {r.field.partition("[")[0] for r in REQUESTS if r.uid == METRICS_SERVER}
    assert names == {f.name for f in FIELDS}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["lazy", "local-now"])
@pytest.mark.parametrize("root_kind", ["debian-minbase", "glibc-only"])
def test_runs_in_a_root_without_python(
    request: pytest.FixtureRequest, tarball: Path, bundle_host: Path, mode: str, root_kind: str
) -> None:
    root: Path = request.getfixturevalue(
        "debian_root" if root_kind == "debian-minbase" else "glibc_root"
    )
    assert not list(root.glob("usr/bin/python*"))
    assert not list(root.glob("usr/lib/**/libpython*"))
    work = root / "opt" / f"k8smeta-test-{uuid.uuid4().hex[:12]}"
    try:
        host = install_host(bundle_host, work)
        library = unpack(tarball, work / "plugins")
        with recorded_collector() as port:
            check_outcome(run_in_root(root, host, library, mode=mode, port=port, requests=REQUESTS))
        moved = work / "elsewhere" / "deeper"
        moved.parent.mkdir()
        (work / "plugins").rename(moved)
        with recorded_collector() as port:
            check_outcome(
                run_in_root(
                    root, host, moved / "libk8smeta.so", mode=mode, port=port, requests=REQUESTS
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow
def test_glibc_root_needs_the_bundled_fallback_libraries(
    glibc_root: Path, tarball: Path, bundle_host: Path
) -> None:
    """Negative control: without the bundled libstdc++ the glibc-only root cannot run grpc,
    so the passing case above used the bundle's copy; the plugin reports it, never crashes."""
    work = glibc_root / "opt" / f"k8smeta-test-{uuid.uuid4().hex[:12]}"
    try:
        host = install_host(bundle_host, work)
        library = unpack(tarball, work / "plugins")
        (library.parent / "k8smeta-runtime" / "lib" / "libstdc++.so.6").unlink()
        with recorded_collector() as port:
            proc = run_host(glibc_root, host, library, mode="local-now", port=port, requests=[])
        assert proc.returncode == 1, proc.stderr[-2000:]  # an orderly failure, not a signal
        assert "error=set async handler: " in proc.stdout
        assert "libstdc++.so.6" in proc.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_tarball_is_a_falcoctl_plugin_artifact(tarball: Path) -> None:
    """falcoctl unpacks the members into the plugins directory as they are: regular files
    and directories only, each directory before its members, no `..` in any name."""
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert tarball.name == artifact_name()
    assert {n.split("/")[0] for n in names} == {"libk8smeta.so", BUNDLE_DIR}
    assert all(m.isfile() or m.isdir() for m in members)
    assert not [n for n in names if ".." in n]
    seen: set[str] = set()
    for name in names:
        assert "/" not in name or name.rsplit("/", 1)[0] in seen, name
        seen.add(name)
    assert tarball.stat().st_size < 25_000_000


@pytest.mark.parametrize(
    "left_out",
    [
        "lib/python3.11/test/",
        "lib/python3.11/ensurepip/",
        "lib/python3.11/tkinter/",
        "lib/python3.11/lib-dynload/_ssl.",  # needs libssl: grpc has its own TLS
        "lib/python3.11/lib-dynload/_testcapi.",
        "lib/python3.11/site-packages/pip/",
        "lib/python3.11/site-packages/setuptools/",
        "lib/python3.11/site-packages/kubernetes_asyncio/",
        "lib/python3.11/site-packages/aiohttp/",
        "lib/python3.11/site-packages/prometheus_client/",
        "lib/python3.11/site-packages/cffi/",
        "lib/python3.11/site-packages/k8smeta/collector/",
        "lib/python3.11/site-packages/k8smeta/plugin/abi/build.py",
        "lib/python3.11/site-packages/pytest",
        "lib/python3.11/site-packages/google/protobuf/testdata/",
        "lib/python3.11/site-packages/grpc/_cython/_cygrpc/private_key_signing/private_key_signer_py_wrapper.cc",
    ],
)
def test_what_the_plugin_never_imports_is_left_out(tarball: Path, left_out: str) -> None:
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert not [n for n in names if n.startswith(f"{BUNDLE_DIR}/{left_out}")]


def test_library_finds_libpython_only_next_to_itself(tarball: Path, tmp_path: Path) -> None:
    library = unpack(tarball, tmp_path / "plugins")
    dynamic = subprocess.run(
        ["readelf", "-d", str(library)], capture_output=True, text=True, check=True
    ).stdout
    runpath = [line for line in dynamic.splitlines() if "(RUNPATH)" in line or "(RPATH)" in line]
    assert len(runpath) == 1
    assert runpath[0].endswith(f"[$ORIGIN/{BUNDLE_DIR}/lib]")
    pyc = list((library.parent / BUNDLE_DIR).rglob("*.pyc"))
    assert pyc, "the bundle ships bytecode: nothing is compiled or written at load"
