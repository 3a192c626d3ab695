"""`FalcoHost` over the built libk8smeta.so, through the bundled Falco stand-in.

A thin adapter: `k8smeta.falcosim.Host` plays libsinsp's side of the ABI (threads table,
per-call vtables, owner errors, log function, async queue); this class only maps the
behaviour tests' `FalcoHost` contract onto it. `generation` picks the host generation
whose struct sizes, tables and calls are emulated.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from k8smeta.falcosim import events
from k8smeta.falcosim.generations import LATEST, Generation
from k8smeta.falcosim.host import Host

LIBRARY = Path(__file__).resolve().parents[2] / "build" / "libk8smeta.so"


class SharedLibHost(Host):
    """FalcoHost implementation over the real shared library.

    On generations without the cgroups sub-table the threads also exist in a fake
    `<hostProc>/proc` tree (as libsinsp found them in /proc), and `init` points an empty
    or absent `hostProc` at it.
    """

    def __init__(self, path: Path, generation: Generation = LATEST) -> None:
        super().__init__(path, generation)
        self.proc_root: Path | None = None
        if not generation.cgroups_sub_table:
            self.proc_root = Path(tempfile.mkdtemp(prefix="falcosim-proc-"))

    @property
    def event_cgroups(self) -> bool:
        return not self.generation.cgroups_sub_table

    def init(self, config_json: str) -> str | None:
        if self.proc_root is not None:
            try:
                config = orjson.loads(config_json)
            except orjson.JSONDecodeError:
                config = None
            if isinstance(config, dict) and not config.get("hostProc"):
                config["hostProc"] = str(self.proc_root)
                config_json = orjson.dumps(config).decode()
        return super().init(config_json)

    def close(self) -> None:
        self.destroy()
        assert not self.violations, f"members past the {self.generation.name} structs used"
        if self.proc_root is not None:
            shutil.rmtree(self.proc_root, ignore_errors=True)

    def set_thread(self, tid: int, cgroups: Sequence[str]) -> None:
        self.add_thread(tid, cgroups)
        if self.proc_root is not None:
            task = self.proc_root / "proc" / str(tid) / "task" / str(tid)
            task.mkdir(parents=True, exist_ok=True)
            lines = [f"{i + 1}:{c.replace('=', ':', 1)}" for i, c in enumerate(cgroups)]
            (task / "cgroup").write_text("".join(line + "\n" for line in lines))

    def remove_thread(self, tid: int) -> None:
        super().remove_thread(tid)
        if self.proc_root is not None:
            shutil.rmtree(self.proc_root / "proc" / str(tid), ignore_errors=True)

    def pod_uid(self, tid: int) -> str | None:
        if tid not in self.owner.threads.threads:
            return None
        return self.read_field(tid, "pod_uid") or ""

    def set_pod_uid(self, tid: int, uid: str) -> None:
        self.write_field(tid, "pod_uid", uid)

    def container_id(self, tid: int) -> str | None:
        if tid not in self.owner.threads.threads:
            return None
        return self.read_field(tid, "k8smeta.container_id") or ""

    def parse_only(self, code: int, tid: int, res: int) -> bool:
        return self.parse_raw(events.process_event(code, tid, res, None))

    def async_event(self, name: str, data: bytes) -> bool:
        return self.parse_raw(events.async_event(name, data))

    def capture_open(self) -> None:
        error = super().capture_open()
        assert error is None, error

    def start_feed(self) -> None:
        assert self.set_async_handler(True) == 0

    def stop_feed(self) -> None:
        assert self.set_async_handler(False) == 0

    def drain(self) -> int:
        return self.deliver_async()

    def is_list(self, field: str) -> bool:
        return self.resolve(field)[2]

    def logs(self) -> list[tuple[str, str]]:
        if not self.generation.cgroups_sub_table:
            pytest.skip(
                f"{self.generation.name}: without proof of log_fn the plugin logs to stderr "
                "(docs/falco-versions.md), so the host sees no records"
            )
        return [(level, message) for _, level, message in self.owner.log_records]


def library_or_skip() -> Path:
    """build/libk8smeta.so; skipped when not built outside CI, a failure in CI."""
    if not LIBRARY.exists():
        if os.environ.get("CI"):
            pytest.fail("build/libk8smeta.so is missing: CI must run `make plugin` first")
        pytest.skip("build/libk8smeta.so is not built: run `make plugin`")
    return LIBRARY


def make_host(generation: Generation = LATEST) -> SharedLibHost:
    """A host of `generation` over build/libk8smeta.so."""
    return SharedLibHost(library_or_skip(), generation)
