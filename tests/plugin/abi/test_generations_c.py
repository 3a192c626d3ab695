"""The C host on every emulated host generation: behaviour, and no read past a struct's end.

Each generation passes its structs allocated at exactly its size (fakesinsp's
`fs_struct_copy`); under valgrind memcheck a plugin read past such a block is reported
with that allocation site. Old generations (API < 3.9) have no cgroups sub-table: the
thread found before the capture is tagged from a fake `<hostProc>/proc` tree instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.conftest import load_collector_stream
from tests.plugin.abi.test_c_host import run_host

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
GENERATIONS = (2, 6, 7, 10, 11, 12)
_ERROR_BLOCK = re.compile(r"==\d+== (?=Invalid |Conditional |Use of uninit)")


@pytest.fixture(scope="module")
def host_proc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake hostProc with thread 2 (the thread the C host adds before the open)."""
    root = tmp_path_factory.mktemp("hostproc")
    task = root / "proc" / "2" / "task" / "2"
    task.mkdir(parents=True)
    (task / "cgroup").write_text(f"4:cpuset:/kubepods/besteffort/pod{POD}/691e0ffb\n")
    return root


@pytest.mark.parametrize("minor", GENERATIONS)
def test_cold_start_on_each_generation(
    cold_start_binary: Path, library: Path, payloads: Path, host_proc: Path, minor: int
) -> None:
    out = run_host(
        cold_start_binary, library, "lazy", payloads, 1, args=(str(minor), str(host_proc))
    )
    assert out["api"] == f"3.{minor}"
    assert out["field.pod.uid"] == POD  # event param 14 (old) or the sub-table (new)
    assert out["field.existing.pod.uid"] == POD  # the /proc scan (old) or capture_open (new)
    assert out["field.pod.name"] == "metrics-server-85d6fcf458-tqkcv"
    assert ("metric.resources_pod" in out) == (minor >= 5)  # get_metrics exists from 3.5
    assert out["done"] == "ok"


def _valgrind(binary: Path, library: Path, log: Path, *args: str) -> tuple[str, str]:
    """(stdout, memcheck log) of a reduced cold start (3 payloads, no feed thread)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.skip("valgrind is not installed (system package `valgrind`)")
    payloads = log.with_name("payloads.jsonl")
    payloads.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in load_collector_stream()[:3]))
    proc = subprocess.run(
        [
            "/usr/bin/env",
            "-i",
            "FS_QUICK=1",
            valgrind,
            "--tool=memcheck",
            f"--log-file={log}",
            str(binary),
            str(library),
            "lazy",
            str(payloads),
            "1",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.stdout, log.read_text()


def struct_over_reads(log: str) -> list[str]:
    """memcheck error blocks about a block the host allocated for a generation's struct."""
    blocks = _ERROR_BLOCK.split(log)[1:]
    return [b for b in blocks if "fs_struct_copy" in b]


@pytest.mark.slow
@pytest.mark.parametrize("minor", GENERATIONS)
def test_no_read_past_a_struct_under_valgrind(
    cold_start_binary: Path, library: Path, host_proc: Path, tmp_path: Path, minor: int
) -> None:
    out, log = _valgrind(
        cold_start_binary, library, tmp_path / "vg.log", str(minor), str(host_proc)
    )
    assert "done=ok" in out, out[-2000:] + log[-2000:]
    assert struct_over_reads(log) == []


@pytest.mark.slow
def test_valgrind_sees_a_read_past_a_struct(
    cold_start_binary: Path, library: Path, tmp_path: Path
) -> None:
    """Negative control: a 3.2 host that lists the cgroups sub-table makes the plugin read
    `log_fn` past the 32-byte init input (and crash on what it finds there)."""
    _, log = _valgrind(cold_start_binary, library, tmp_path / "vg.log", "2!")
    reads = struct_over_reads(log)
    assert reads, log[-3000:]
    assert "0 bytes after a block of size 32 alloc'd" in reads[0]
