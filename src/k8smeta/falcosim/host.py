"""`Host`: one plugin state inside the Falco stand-in, driven like libsinsp drives it.

Registration at construction (`library.load`), `init` with the threads table, process and
async events through `parse_event` (libsinsp's own parser first), capture open/close when
the generation has capture listening, the async handler and its queue delivered on the
caller's ("event") thread, extraction by field name with libsinsp's `name[arg]` syntax,
metrics and dump_state when the generation calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from k8smeta.falcosim import events
from k8smeta.falcosim.declarations import SUCCESS, ffi
from k8smeta.falcosim.generations import LATEST, Generation
from k8smeta.falcosim.inputs import Inputs
from k8smeta.falcosim.library import Library, load
from k8smeta.falcosim.owner import Owner, async_handler


class Host:
    """A libsinsp stand-in holding one plugin state of the library at `path`."""

    def __init__(self, path: Path, generation: Generation = LATEST) -> None:
        self.library: Library = load(path, generation)
        self.lib: Any = self.library.lib
        self.generation = generation
        self.owner = Owner(
            list(self.library.async_names), with_cgroups=generation.cgroups_sub_table
        )
        self.inputs = Inputs(self.owner, generation)
        self.state: Any = ffi.NULL
        self.with_log_fn = True  # False: a host that passes no log function
        self.evtnum = 0

    @property
    def handle(self) -> Any:
        return self.owner.handle

    @property
    def violations(self) -> list[str]:
        """Struct members past this generation's sizes that the plugin used."""
        return self.owner.threads.violations

    # -- lifecycle ---------------------------------------------------------------------
    def init(self, config_json: str) -> str | None:
        """`plugin_init`; None on success, else the plugin's last error."""
        init_input = self.inputs.init(config_json.encode(), with_log_fn=self.with_log_fn)
        rc = ffi.new("ss_plugin_rc*")
        self.state = self.lib.plugin_init(init_input, rc)
        return None if rc[0] == SUCCESS else self.last_error()

    def last_error(self) -> str:
        text: bytes = ffi.string(self.lib.plugin_get_last_error(self.state))
        return text.decode()

    def destroy(self) -> None:
        """Close the capture (handler NULL first) and destroy the state."""
        if self.state == ffi.NULL:
            return
        if self.owner.handler_set:
            self.set_async_handler(False)
        self.lib.plugin_destroy(self.state)
        self.state = ffi.NULL

    # -- threads table -------------------------------------------------------------
    def add_thread(self, tid: int, cgroups: Sequence[str] | None = None) -> None:
        """Create the thread, or replace its cgroups (libsinsp's reading of them)."""
        self.evtnum += 1
        self.owner.threads.ensure(tid)
        pairs = None if cgroups is None else events.split_cgroups(cgroups)
        if pairs is not None:
            self.owner.threads.set_cgroups(tid, pairs)

    def remove_thread(self, tid: int) -> None:
        self.evtnum += 1
        self.owner.threads.threads.pop(tid, None)

    def thread_ids(self) -> list[int]:
        return sorted(self.owner.threads.threads)

    def read_field(self, tid: int, name: str) -> str | None:
        """A dynamic string field of a thread (e.g. `pod_uid`); None when absent."""
        return self.owner.threads.read_string(tid, name.encode())

    def write_field(self, tid: int, name: str, value: str) -> None:
        self.evtnum += 1
        self.owner.threads.write_string(tid, name.encode(), value)

    # -- events ------------------------------------------------------------------------
    def process_event(
        self,
        code: int,
        tid: int,
        res: int,
        cgroups: Sequence[str] | None = None,
        *,
        nparams: int | None = None,
    ) -> bool:
        """libsinsp's parser on a process exit event, then the plugin's `parse_event`."""
        self.owner.threads.ensure(tid)
        pairs = None if cgroups is None or res < 0 else events.split_cgroups(cgroups)
        if pairs is not None:
            target = res if code in events.CLONE_FAMILY and res > 0 else tid
            self.owner.threads.ensure(target)
            self.owner.threads.set_cgroups(target, pairs)
        return self.parse_raw(events.process_event(code, tid, res, cgroups, nparams=nparams))

    def parse_raw(self, event: bytes) -> bool:
        """Deliver one event buffer to `parse_event`, as libsinsp's loop does."""
        self.evtnum += 1
        evt_input, _buffer = self.inputs.event(event, self.evtnum)
        parse_input, _keep = self.inputs.parse()
        return bool(self.lib.plugin_parse_event(self.state, evt_input, parse_input) == SUCCESS)

    def capture_open(self) -> str | None:
        """The open as libsinsp does it: the event schema check (libs >= 0.22), then
        `capture_open` (API >= 3.7; older hosts never call it). Error text or None."""
        if self.generation.calls_schema_version:
            schema_fn = getattr(self.lib, "plugin_get_required_event_schema_version", None)
            required = "3.0.0" if schema_fn is None else ffi.string(schema_fn(self.state)).decode()
            if not self.generation.accepts_event_schema(required):
                have = self.generation.event_schema
                return f"plugin requires event schema {required}, the host has {have}"
        if not self.generation.capture_listening:
            return None
        listen, _keep = self.inputs.capture_listen()
        if self.lib.plugin_capture_open(self.state, listen) != SUCCESS:
            return f"capture_open error for plugin: {self.last_error()}"
        return None

    # -- async -------------------------------------------------------------------------
    def set_async_handler(self, on: bool) -> int:
        """`set_async_event_handler` with the host's handler (on) or NULL (off)."""
        handler = async_handler if on else ffi.NULL
        if on:
            self.owner.handler_set = True
        rc = int(self.lib.plugin_set_async_event_handler(self.state, self.handle, handler))
        self.owner.handler_set = on and rc == SUCCESS
        return rc

    def wait_queued(self, count: int, timeout: float) -> bool:
        """Wait until `count` events were accepted in total."""
        with self.owner.queue_changed:
            return self.owner.queue_changed.wait_for(lambda: self.owner.accepted >= count, timeout)

    def wait_refused(self, count: int, timeout: float) -> bool:
        """Wait until `count` pushes were refused in total."""
        with self.owner.queue_changed:
            return self.owner.queue_changed.wait_for(lambda: self.owner.refused >= count, timeout)

    def deliver_async(self) -> int:
        """Deliver the queued async events through `parse_event` (the event thread)."""
        delivered = 0
        while (event := self.owner.pop_async()) is not None:
            self.parse_raw(event)
            delivered += 1
        return delivered

    # -- extraction --------------------------------------------------------------------
    def resolve(self, field: str) -> tuple[int, str | None, bool]:
        """(field id, arg, is list) of `name` or `name[arg]`, as libsinsp resolves it."""
        name, bracket, rest = field.partition("[")
        arg = rest[:-1] if bracket and rest.endswith("]") else None
        if bracket and arg is None:
            raise ValueError(f"malformed field argument in '{field}'")
        for field_id, info in enumerate(self.library.fields):
            if info["name"] == name:
                if info["arg"]["isRequired"] != (arg is not None):
                    raise ValueError(f"argument mismatch for '{field}'")
                return field_id, arg, bool(info["isList"])
        raise ValueError(f"unknown field '{field}'")

    def extract(self, tid: int, field: str, evtnum: int | None = None) -> list[str] | None:
        """The field's values for an event of `tid`; None when it has no value."""
        field_id, arg, _ = self.resolve(field)
        values = self.extract_id(tid, field_id, arg, self.evtnum if evtnum is None else evtnum)
        return None if values is None else [v.decode() for v in values]

    def extract_id(
        self, tid: int, field_id: int, arg: str | None, evtnum: int
    ) -> list[bytes] | None:
        """One `extract_fields` call with num_fields = 1, as libsinsp makes them."""
        evt_input, _buffer = self.inputs.event(events.header_only(tid), evtnum)
        key = ffi.NULL if arg is None else ffi.new("char[]", arg.encode())
        request = self.inputs.request(field_id, key)
        extract_input, _keep = self.inputs.extract(request)
        rc = self.lib.plugin_extract_fields(self.state, evt_input, extract_input)
        self.inputs.check_offsets_trap()
        if rc != SUCCESS or request.res_len == 0:
            return None
        return [ffi.string(request.res.str[i]) for i in range(request.res_len)]

    def extract_ids(
        self, tid: int, fields: Sequence[tuple[int, str | None]], evtnum: int
    ) -> list[list[bytes] | None]:
        """One `extract_fields` call with every (field id, arg) of `fields`, as libsinsp
        makes them for a rule that reads several fields: each field's values, None when it
        has none (all None when the call failed)."""
        evt_input, _buffer = self.inputs.event(events.header_only(tid), evtnum)
        keys = [ffi.NULL if arg is None else ffi.new("char[]", arg.encode()) for _, arg in fields]
        requests = self.inputs.requests(
            [(f, key) for (f, _), key in zip(fields, keys, strict=True)]
        )
        extract_input, _keep = self.inputs.extract(requests, len(fields))
        if self.lib.plugin_extract_fields(self.state, evt_input, extract_input) != SUCCESS:
            return [None] * len(fields)
        return [
            [ffi.string(r.res.str[i]) for i in range(r.res_len)] if r.res_len else None
            for r in (requests[n] for n in range(len(fields)))
        ]

    # -- state ---------------------------------------------------------------------
    def metrics(self) -> dict[str, int]:
        """`get_metrics` as {name: value} (u64 values)."""
        num = ffi.new("uint32_t*")
        array = self.lib.plugin_get_metrics(self.state, num)
        return {ffi.string(array[i].name).decode(): int(array[i].value.u64) for i in range(num[0])}

    def dump_state(self) -> list[bytes]:
        """The `data` of every async event the plugin pushes on `dump_state`."""
        queue = self.owner.queue
        before = len(queue)
        handler_was = self.owner.handler_set
        self.owner.handler_set = True  # dump_state works on live and offline inspectors
        try:
            rc = self.lib.plugin_dump_state(self.state, self.handle, async_handler)
        finally:
            self.owner.handler_set = handler_was
        if rc != SUCCESS:
            raise RuntimeError(f"dump error for plugin: {self.owner.error.decode()}")
        dumped = [queue.pop() for _ in range(len(queue) - before)][::-1]
        return [events.async_data(event) for event in dumped]

    def log_records(self) -> list[tuple[str | None, str, str]]:
        """(component, level, message) of each record sent to the log function."""
        return list(self.owner.log_records)
