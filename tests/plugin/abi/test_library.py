"""The built library's dynamic section and exports (docs/plugin-contract.md, "Embedding
Python")."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.plugin.abi.exported import PLUGIN_SYMBOLS

_SOURCING = {"plugin_open", "plugin_close", "plugin_next_batch", "plugin_get_id"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (binutils) is not installed")
    return path


def test_exports_exactly_the_plugin_symbols(library: Path) -> None:
    out = subprocess.run(
        [_tool("nm"), "-D", "--defined-only", str(library)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    names = {line.split()[-1] for line in out.splitlines() if line.strip()}
    plugin = {name for name in names if name.startswith("plugin_")}
    assert plugin == set(PLUGIN_SYMBOLS)
    assert not plugin & _SOURCING
    assert "plugin_get_event_source" not in plugin
    assert names - plugin == {"PyInit__k8smeta_abi"}


def test_dynamic_section(library: Path) -> None:
    out = subprocess.run(
        [_tool("readelf"), "-d", str(library)], check=True, capture_output=True, text=True
    ).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    assert any(name.startswith("libpython3.") for name in needed)
    assert "libc.so.6" in needed
    assert re.search(r"\((RUNPATH|RPATH)\)", out)
    assert re.search(r"\(FLAGS_1\)\s+Flags:.*NODELETE", out)
