"""Who owns each `char*` the plugin hands to Falco, and until when.

Falco reads what a plugin_* call returns after the call, so Python must keep every object
behind a returned pointer referenced for as long as the API lets Falco use it. One
`Keeper` per state does that for the pointers of the calls that return them::

    plugin_extract_fields (event thread), call N
      begin() ...................... (its first field answered by Python) drops the
                                     values returned by call N-1
      hand_over(value, slot) ....... value -> its `k8smeta_value` (built once per value,
                                     kept on it as `Extracted.abi_cache`), referenced
                                     by `extracted` until begin(N+1);
                                     in a slot (not CacheSlot.NONE), the C extraction
                                     cache holds it too, so `cached[slot]` references
                                     it until the slot is reused (the replaced value
                                     joins `extracted`: it may have been returned
                                     earlier in this call)
    plugin_get_metrics (any thread)
      metrics(array, names) ........ the last two arrays stay referenced (calls may
                                     overlap across threads)

Not kept here: the last error lives in the C state (`k8smeta_state.last_error`, C-owned,
overwritten by the next failing call); the static strings (`get_fields`, the init schema)
are C literals; an async event pushed to Falco lives for the handler call only (the host
copies it; `pusher` holds its bytes until the handler returns).
"""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.marshal import native_strings
from k8smeta.plugin.abi.protocol import CacheSlot
from k8smeta.plugin.core.values import Extracted

_NO_SLOT = int(CacheSlot.NONE)


class Keeper:
    """The objects behind the pointers one plugin state has handed to Falco."""

    __slots__ = ("_ffi", "cached", "extracted", "kept_metrics")

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi
        self.extracted: list[object] = []  # values returned by the latest extract_fields call
        self.cached: dict[int, object] = {}  # arrays held by the C extraction cache, by slot
        self.kept_metrics: list[object] = []  # the latest get_metrics arrays

    def begin(self) -> None:
        """Enter a new extract_fields call: the previous call's results are released."""
        self.extracted = []

    def hand_over(self, value: Extracted | None, slot: int) -> Any:
        """The `k8smeta_value*` of `value` (NULL for None), kept until the next call, and
        while the C cache holds it in `slot` (unless CacheSlot.NONE)."""
        native = None if value is None else value.abi_cache or native_strings(self._ffi, value)
        if slot != _NO_SLOT:
            replaced = self.cached.get(slot)
            if replaced is not None:
                self.extracted.append(replaced)
            self.cached[slot] = native
        if native is None:
            return self._ffi.NULL
        self.extracted.append(native)
        return native.pointer  # type: ignore[attr-defined]

    def metrics(self, array: Any, names: list[Any]) -> None:
        """Keep a get_metrics array and its name strings (with the previous one)."""
        self.kept_metrics = [*self.kept_metrics[-1:], (array, names)]
