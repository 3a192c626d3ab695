"""`FalcoHost` over the pure core: an in-memory `threads` table with libsinsp's shape.

The table holds per-thread `(subsystem, path)` cgroup pairs and the dynamic `pod_uid` and
container ID string fields ("" for every new thread), and meets the core's narrow host
contract the way the ABI does over libsinsp's vtables: extraction gets the `pod_uid` and
container ID the host read, a process event a `ThreadView` of its thread, capture open a
`ThreadTable` to iterate. Log records the core emits on behalf of this host (routed with
a context variable, as the ABI routes them per state) are kept when they pass the
configured verbosity.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cffi import FFI

from k8smeta.falcosim.events import split_cgroups
from k8smeta.plugin.abi.environ import LiveEnviron
from k8smeta.plugin.core.absence import Absent
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.errors import PluginError
from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS, Arg
from k8smeta.plugin.core.levels import VERBOSITY_LEVELS, level_name
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.threads import ThreadView, Tid
from k8smeta.plugin.core.values import Extracted
from tests.host.base import CLONE_FAMILY

_ffi = FFI()
_ffi.cdef("char *getenv(const char *name); extern char **environ;")
_libc: Any = _ffi.dlopen(None)  # the process's global symbols: the C library is among them
#: The process's live environment, through the C library as the plugin reads it.
_LIVE_ENVIRON = LiveEnviron(_ffi, _libc.getenv, lambda: _libc.environ)

_PLUGIN_LOGGER = logging.getLogger("k8smeta")
_CURRENT: contextvars.ContextVar[InProcessHost | None] = contextvars.ContextVar(
    "k8smeta_test_host", default=None
)
_LIVE: list[InProcessHost] = []


@dataclass
class FakeThread:
    """One `threads` entry: cgroups as libsinsp stores them, and the plugin's field."""

    cgroups: list[tuple[str, str]] = field(default_factory=list)
    pod_uid: str = ""
    container_id: str = ""


class _View:
    """ThreadView over one FakeThread (valid during the visit only)."""

    __slots__ = ("_thread",)

    def __init__(self, thread: FakeThread) -> None:
        self._thread = thread

    def cgroup_paths(self) -> Iterable[str]:
        return [path for _, path in self._thread.cgroups]

    def set_pod_uid(self, uid: str) -> None:
        self._thread.pod_uid = uid

    def set_container_id(self, container_id: str) -> None:
        self._thread.container_id = container_id


class FakeThreadTable:
    """The `threads` table in memory; the core's ThreadTable Protocol (capture open)."""

    def __init__(self) -> None:
        self.threads: dict[int, FakeThread] = {}

    def pod_uid(self, tid: Tid) -> str | None:
        """The thread's `pod_uid` field; None when the table has no such thread."""
        thread = self.threads.get(tid)
        return None if thread is None else thread.pod_uid

    def view(self, tid: Tid) -> ThreadView | None:
        """The thread's entry as the core sees it for a process event; None when absent."""
        thread = self.threads.get(tid)
        return None if thread is None else _View(thread)

    def for_each_thread(self, visit: Callable[[ThreadView], None]) -> None:
        for thread in list(self.threads.values()):
            visit(_View(thread))

    def extract(
        self, core: PluginCore, evtnum: int, tid: int, field_id: int, arg: str | None
    ) -> Extracted | None:
        """What the ABI's extract_fields does per field: read the thread's `pod_uid` and
        container ID (none for tid <= 0), then ask the core for the value, or tell it why
        there is no pod; None for no value (the ABI counts the reason of an `Absent`)."""
        thread = self.threads.get(tid) if tid > 0 else None
        uid = None if thread is None else thread.pod_uid
        if thread is None or not uid:
            core.no_pod(evtnum, tid, uid is not None)
            return None
        found = core.extract(uid, evtnum, field_id, arg, thread.container_id)
        return None if isinstance(found, Absent) else found


def resolve_field(field_name: str) -> tuple[int, str | None]:
    """(field id, arg) of `name` or `name[arg]`, rejecting what libsinsp rejects."""
    name, bracket, rest = field_name.partition("[")
    arg: str | None = None
    if bracket:
        if not rest.endswith("]"):
            raise ValueError(f"malformed field argument in '{field_name}'")
        arg = rest[:-1]
    field_id = FIELD_IDS.get(name)
    if field_id is None:
        raise ValueError(f"unknown field '{field_name}'")
    takes_key = FIELDS[field_id].arg is Arg.KEY
    if takes_key != (arg is not None):
        raise ValueError(f"field '{name}' {'requires' if takes_key else 'takes no'} argument")
    return field_id, arg


class _Capture(logging.Handler):
    """Keeps the records emitted while its host is the current one."""

    def __init__(self, host: InProcessHost, level: int) -> None:
        super().__init__(level)
        self.host = host
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if _CURRENT.get() is self.host:
            self.records.append((level_name(record.levelno), record.getMessage()))


_SAVED_LEVEL: list[int] = []  # the logger's level before the first live host


def _relevel() -> None:
    """Lowest verbosity of the live hosts; the level found before them once none is left."""
    if _LIVE:
        if not _SAVED_LEVEL:
            _SAVED_LEVEL.append(_PLUGIN_LOGGER.level)
        _PLUGIN_LOGGER.setLevel(min(host.level for host in _LIVE))
    elif _SAVED_LEVEL:
        _PLUGIN_LOGGER.setLevel(_SAVED_LEVEL.pop())


class InProcessHost:
    """FalcoHost implementation running `PluginCore` directly."""

    def __init__(self) -> None:
        self.table = FakeThreadTable()
        self.core: PluginCore | None = None
        self.level = logging.INFO
        self._capture: _Capture | None = None
        self._last_error = ""
        self._evtnum = 0

    @contextmanager
    def _on_behalf(self) -> Iterator[PluginCore]:
        if self.core is None:
            raise RuntimeError("the plugin is not initialised")
        with _on(self):
            yield self.core

    @property
    def event_cgroups(self) -> bool:
        return False

    def init(self, config_json: str) -> str | None:
        try:
            config = parse_config(config_json, _LIVE_ENVIRON)  # as the ABI's init reads it
        except PluginError as exc:
            self._last_error = str(exc)
            return self._last_error
        self.level = VERBOSITY_LEVELS[config.verbosity]
        self._capture = _Capture(self, self.level)
        _PLUGIN_LOGGER.addHandler(self._capture)
        _LIVE.append(self)
        _relevel()
        with _on(self):
            self.core = PluginCore(config)
        return None

    def close(self) -> None:
        if self._capture is not None:
            _PLUGIN_LOGGER.removeHandler(self._capture)
            _LIVE.remove(self)
            _relevel()
            self._capture = None
        self.core = None

    def last_error(self) -> str:
        return self._last_error

    # -- threads table ---------------------------------------------------------------
    def set_thread(self, tid: int, cgroups: Sequence[str]) -> None:
        self._evtnum += 1
        pairs = split_cgroups(cgroups)
        thread = self.table.threads.setdefault(tid, FakeThread())
        if pairs is not None:
            thread.cgroups = pairs

    def remove_thread(self, tid: int) -> None:
        self._evtnum += 1
        self.table.threads.pop(tid, None)

    def thread_ids(self) -> list[int]:
        return sorted(self.table.threads)

    def pod_uid(self, tid: int) -> str | None:
        return self.table.pod_uid(Tid(tid))

    def set_pod_uid(self, tid: int, uid: str) -> None:
        self._evtnum += 1
        self.table.threads[tid].pod_uid = uid

    def container_id(self, tid: int) -> str | None:
        thread = self.table.threads.get(tid)
        return None if thread is None else thread.container_id

    # -- events ------------------------------------------------------------------------
    def process_event(
        self, code: int, tid: int, res: int, cgroups: Sequence[str] | None = None
    ) -> bool:
        threads = self.table.threads
        threads.setdefault(tid, FakeThread())
        pairs = None if cgroups is None or res < 0 else split_cgroups(cgroups)
        if pairs is not None:
            target = res if code in CLONE_FAMILY and res > 0 else tid
            threads.setdefault(target, FakeThread()).cgroups = pairs
        return self.parse_only(code, tid, res)

    def parse_only(self, code: int, tid: int, res: int) -> bool:
        self._evtnum += 1
        with self._on_behalf() as core:
            try:
                core.parse_process_event(self.table.view(Tid(tid)), Tid(tid), res, code)
            except PluginError as exc:
                self._last_error = str(exc)
                return False
        return True

    def async_event(self, name: str, data: bytes) -> bool:
        self._evtnum += 1
        with self._on_behalf() as core:
            try:
                core.parse_async(name, data)
            except PluginError as exc:
                self._last_error = str(exc)
                return False
        return True

    def capture_open(self) -> None:
        with self._on_behalf() as core:
            core.capture_open(self.table)

    # -- extraction --------------------------------------------------------------------
    def extract(self, tid: int, field: str, evtnum: int | None = None) -> list[str] | None:
        field_id, arg = resolve_field(field)
        with self._on_behalf() as core:
            number = self._evtnum if evtnum is None else evtnum
            value = self.table.extract(core, number, tid, field_id, arg)
        if value is None:
            return None
        assert value.strings, "an empty value must be None"
        assert FIELDS[field_id].is_list or len(value.strings) == 1
        return [s.decode() for s in value.strings]

    def is_list(self, field: str) -> bool:
        return FIELDS[resolve_field(field)[0]].is_list

    # -- state ---------------------------------------------------------------------
    def metrics(self) -> dict[str, int]:
        with self._on_behalf() as core:
            return {name: value for name, _, value in core.metric_values()}

    def dump_state(self) -> list[bytes]:
        with self._on_behalf() as core:
            return core.dump_payloads()

    def logs(self) -> list[tuple[str, str]]:
        return [] if self._capture is None else list(self._capture.records)


@contextmanager
def _on(host: InProcessHost) -> Iterator[None]:
    token = _CURRENT.set(host)
    try:
        yield
    finally:
        _CURRENT.reset(token)
