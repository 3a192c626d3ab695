"""No log noise on the hot path at `info`, but details at `trace` (docs/plugin-contract.md,
"Extraction")."""

from __future__ import annotations

import json

import pytest

from tests.host.base import EXECVE_X, FalcoHost
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, execve_in_pod, replay

UNKNOWN_POD = "99999999-2277-460b-a4bf-5a0783f6d49f"
KNOWN_POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"


def hot_path(host: FalcoHost) -> None:
    host.set_thread(5, [])  # a thread without pod
    for tid in (0, -1, 5, 404):  # no tid, async tid, no pod uid, missing thread
        assert host.extract(tid, "k8smeta.pod.name") is None
    assert host.parse_only(EXECVE_X, 404, 0)  # event for a missing thread
    assert host.process_event(EXECVE_X, 5, -13)  # failed execve
    execve_in_pod(host, UNKNOWN_POD, tid=6)  # pod the store does not know
    assert host.extract(6, "k8smeta.pod.name") is None
    execve_in_pod(host, KNOWN_POD, tid=7)
    assert host.extract(7, "k8smeta.ns.label[missing]") is None


def test_hot_path_logs_nothing_at_info(host: FalcoHost) -> None:
    assert host.init(DEFAULT_CONFIG) is None
    replay(host)
    logged = len(host.logs())
    hot_path(host)
    assert host.logs()[logged:] == []


def test_hot_path_details_at_trace(host: FalcoHost) -> None:
    config = json.loads(DEFAULT_CONFIG) | {"verbosity": "trace"}
    assert host.init(json.dumps(config)) is None
    replay(host)
    logged = len(host.logs())
    hot_path(host)
    messages = host.logs()[logged:]
    assert ("trace", "no pod uid in the framework table for thread id '5'") in messages
    assert ("trace", "failed execve(event: 293) for thread id '5'") in messages
    assert ("debug", f"the plugin has no info for the pod uid '{UNKNOWN_POD}'") in messages
    assert {level for level, _ in messages} <= {"trace", "debug"}


@pytest.mark.parametrize("verbosity", ["warning", "error", "critical"])
def test_verbosity_above_info_hides_warnings(host: FalcoHost, verbosity: str) -> None:
    config = json.loads(DEFAULT_CONFIG) | {"verbosity": verbosity}
    assert host.init(json.dumps(config)) is None
    replay(host)
    levels = {level for level, _ in host.logs()}
    assert levels <= {"warning", "error", "critical"}
    if verbosity != "warning":
        assert "warning" not in levels
