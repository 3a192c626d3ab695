"""The library's interpreter runs optimized bytecode (ADR 0010): level 2, without
docstrings and asserts, loaded from `.opt-2.pyc` files that `make plugin` compiles (the
bundle ships only those)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.plugin.abi.conftest import C_SOURCES, compile_c

PROBE = """
import json, sys
import k8smeta.plugin.core.store as store
import k8smeta.plugin.feed.stream as stream
print(json.dumps({
    "optimize": sys.flags.optimize,
    "docs": [m.__doc__ for m in (store, stream, store.Store)],
    "cached": [m.__cached__ for m in (store, stream)],
}))
sys.stdout.flush()  # the host exits without finalizing the interpreter
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("interp-probe")
    return compile_c(out, "interp_probe", [C_SOURCES / "interp_probe.c"])


def test_the_interpreter_runs_at_optimization_level_2(probe: Path, library: Path) -> None:
    proc = subprocess.run(
        [str(probe), str(library), PROBE],
        env={},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["optimize"] == 2
    assert seen["docs"] == [None, None, None]
    for cached in seen["cached"]:
        assert cached.endswith(".opt-2.pyc")
        assert Path(cached).is_file()
