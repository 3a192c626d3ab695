"""The `host` fixture: one uninitialised FalcoHost per implementation in HOST_FACTORIES.

To run every behaviour test on another implementation, append `(id, factory)` to
HOST_FACTORIES (a factory may call `pytest.skip` when its implementation is unavailable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from k8smeta.falcosim.generations import GENERATIONS, Generation
from tests.conftest import load_collector_stream
from tests.host.base import EXECVE_X, FalcoHost
from tests.host.inprocess import InProcessHost
from tests.host.shared_lib import make_host as make_shared_lib_host

HostFactory = Callable[[], FalcoHost]


def _shared_lib(generation: Generation) -> HostFactory:
    return lambda: make_shared_lib_host(generation)


#: The in-process host, and the shared library on every emulated host generation.
HOST_FACTORIES: list[tuple[str, HostFactory]] = [
    ("inprocess", InProcessHost),
    *((f"shared_lib-{g.name}", _shared_lib(g)) for g in GENERATIONS),
]

#: The init config of upstream's tests.
DEFAULT_CONFIG = (
    '{"collectorHostname":"localhost","collectorPort":45000,'
    '"nodeName":"control-plane","verbosity":"info","hostProc":""}'
)


def pod_cgroups(uid: str) -> list[str]:
    """The cgroups of a process in pod `uid` ("execve for pod U")."""
    return [
        f"cpuset=/kubepods/besteffort/pod{uid}/"
        "691e0ffb65010b2b611f3a15b7f76c48466192e673e156f38bd2f8e25acd6bbc"
    ]


def execve_in_pod(host: FalcoHost, uid: str, tid: int = 1) -> None:
    """An execve exit on `tid` whose cgroups put it in pod `uid`."""
    assert host.process_event(EXECVE_X, tid, 0, pod_cgroups(uid))


def payload(event: dict[str, Any]) -> bytes:
    """The async-event data of one fixture event (compact JSON + NUL)."""
    return orjson.dumps(event) + b"\0"


def replay(host: FalcoHost, events: list[dict[str, Any]] | None = None) -> None:
    """Deliver the fixture events (default: all 43) as `k8s` async events, in order."""
    for event in load_collector_stream() if events is None else events:
        assert host.async_event("k8s", payload(event)), host.last_error()


@pytest.fixture(
    params=[factory for _, factory in HOST_FACTORIES], ids=[i for i, _ in HOST_FACTORIES]
)
def make_host(request: pytest.FixtureRequest) -> Iterator[HostFactory]:
    """Creates hosts of one implementation; closes them all at teardown."""
    factory: HostFactory = request.param
    made: list[FalcoHost] = []

    def make() -> FalcoHost:
        host = factory()
        made.append(host)
        return host

    yield make
    for host in made:
        host.close()


@pytest.fixture
def host(make_host: HostFactory) -> FalcoHost:
    """An uninitialised host."""
    return make_host()


@pytest.fixture
def ready(host: FalcoHost) -> FalcoHost:
    """A host initialised with the default config."""
    assert host.init(DEFAULT_CONFIG) is None
    return host


@pytest.fixture
def replayed(ready: FalcoHost) -> FalcoHost:
    """A host that has processed the whole fixture stream."""
    replay(ready)
    return ready
