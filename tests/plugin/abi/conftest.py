"""Fixtures: the built library, and the C test host compiled with the system compiler."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from k8smeta.plugin.abi.cdef import c_header
from tests.conftest import load_collector_stream

ROOT = Path(__file__).resolve().parents[3]
LIBRARY = ROOT / "build" / "libk8smeta.so"
C_SOURCES = ROOT / "tests" / "host" / "c"


def library_path() -> Path:
    """build/libk8smeta.so; skipped outside CI when it was not built (`make plugin`)."""
    if not LIBRARY.exists():
        if os.environ.get("CI"):
            pytest.fail("build/libk8smeta.so is missing: CI must run `make plugin` first")
        pytest.skip("build/libk8smeta.so is not built: run `make plugin`")
    return LIBRARY


@pytest.fixture(scope="session")
def library() -> Path:
    return library_path()


def compile_c(out_dir: Path, name: str, sources: list[Path], optimize: str = "-O2") -> Path:
    """Compile a C program against our API header (generated from `cdef`)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    (out_dir / "plugin_api.h").write_text(c_header())
    binary = out_dir / name
    subprocess.run(
        [
            compiler,
            optimize,
            "-Wall",
            "-Werror",
            f"-I{out_dir}",
            f"-I{C_SOURCES}",
            "-o",
            str(binary),
            *map(str, sources),
            "-ldl",
            "-lpthread",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return binary


def run_c_host(
    argv: list[str], *, environment: tuple[str, ...] = (), timeout: float = 60
) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    """A C host run with only `environment` (`NAME=value`); the `key=value` lines it printed
    and the process. The host itself must have exited 0."""
    proc = subprocess.run(
        ["/usr/bin/env", "-i", *environment, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return values, proc


@pytest.fixture(scope="session")
def cold_start_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("c-host")
    return compile_c(out, "cold_start", [C_SOURCES / "cold_start.c", C_SOURCES / "fakesinsp.c"])


@pytest.fixture(scope="module")
def payloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture stream as one JSON payload per line (what the C hosts feed)."""
    path = tmp_path_factory.mktemp("payloads") / "stream.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in load_collector_stream()))
    return path
