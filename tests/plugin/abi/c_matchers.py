"""The plugin's C matchers compiled alone as a Python extension (cffi, API mode), for the
property tests that compare them with the Python reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import k8smeta.plugin.abi

ABI_DIR = Path(k8smeta.plugin.abi.__file__).parent


def compile_matchers(module: str, cdef: str, sources: tuple[str, ...], tmpdir: Path) -> Any:
    """The C files `sources` of abi/, joined in order as the plugin's preamble includes
    them, built as module `module` (`ffi`, `lib`) with warnings as errors."""
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(cdef)
    source = "\n".join((ABI_DIR / name).read_text() for name in sources)
    ffi.set_source(module, source, extra_compile_args=["-O2", "-Wall", "-Werror"])
    built = ffi.compile(tmpdir=str(tmpdir), verbose=False)
    spec = importlib.util.spec_from_file_location(module, built)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded
