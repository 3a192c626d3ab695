"""The bundle is self-contained: unpacked anywhere in a root file system without Python, its
libk8smeta.so starts, syncs from a collector over gRPC and extracts every field.

Each case runs the C host under chroot with an empty environment, once where the tarball
was unpacked and once after the unpacked tree moved to another path, in a minimal Debian
(debootstrap) and in a root holding glibc alone, for both dlopen modes Falco versions use.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from k8smeta.plugin.core.fields import FIELDS, Arg
from tests.bundle.runner import (
    Outcome,
    Request,
    install_host,
    recorded_collector,
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
