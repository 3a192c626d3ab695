"""The names of the exported `plugin_*` functions, read from our declarations of them."""

from __future__ import annotations

from k8smeta.plugin.abi.cdef import PLUGIN_SYMBOLS_CDEF

#: In the order of PLUGIN_SYMBOLS_CDEF.
PLUGIN_SYMBOLS = tuple(
    line.split("(")[0].split()[-1].lstrip("*")
    for line in PLUGIN_SYMBOLS_CDEF.splitlines()
    if line.startswith(("const", "ss_plugin", "void", "uint16_t"))
)
