"""Build `build/libk8smeta.so` with cffi's embedding mode.

Run as `python -m k8smeta.plugin.abi.build [output-dir]` from the project's virtualenv:
the library is tied to that interpreter (libpython's directory goes into its RUNPATH) and
to that virtualenv (found next to the library at run time, else at its build-time path).
Every value the C side shares with Python is generated here into the preamble, so none
is written twice: the static strings (`get_fields`, `get_init_schema`, the async event
name), the event codes and layout sizes, the error length, the outcomes of a process
event (`K8SMETA_OUTCOME_*`), and the prototypes of the
`extern "Python"` functions (from `MODULE_CDEF`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any, Final

from cffi import FFI

from k8smeta.plugin.abi.cdef import (
    PLUGIN_API_CDEF,
    PLUGIN_API_CDEF_ALIGNED,
    SS_PLUGIN_FAILURE,
    SS_PLUGIN_SCHEMA_JSON,
    SS_PLUGIN_SUCCESS,
    c_header,
)
from k8smeta.plugin.abi.events import HEADER_SIZE, PROCESS_LEN_SIZE
from k8smeta.plugin.abi.state import ERROR_SIZE, STATE_CDEF
from k8smeta.plugin.core.event_codes import ASYNC_EVENT, ASYNC_EVENT_NAME, PROCESS_EVENTS
from k8smeta.plugin.core.fields import CONTAINER_FIELDS, fields_json
from k8smeta.plugin.core.schema import INIT_SCHEMA_JSON
from k8smeta.plugin.core.tagging import ProcessOutcome

MODULE_NAME: Final = "_k8smeta_abi"
LIBRARY_NAME: Final = "libk8smeta.so"

#: Python functions called by the C wrappers, and C helpers called by Python.
MODULE_CDEF: Final = """
extern "Python" ss_plugin_rc k8smeta_py_init(k8smeta_state* s, const ss_plugin_init_input* in);
extern "Python" void k8smeta_py_destroy(k8smeta_state* s);
extern "Python" const char** k8smeta_py_extract_one(k8smeta_state* s, uint64_t evtnum,
    uint32_t field_id, const char* arg, uint64_t call, int slot);
extern "Python" void k8smeta_py_no_pod(k8smeta_state* s, uint64_t evtnum, int64_t tid,
    int status);
extern "Python" ss_plugin_rc k8smeta_py_parse_process(k8smeta_state* s,
    const ss_plugin_event_parse_input* in, uint16_t code, int64_t tid, int outcome);
extern "Python" ss_plugin_rc k8smeta_py_scan_threads(k8smeta_state* s,
    const ss_plugin_event_parse_input* in);
extern "Python" ss_plugin_rc k8smeta_py_parse(k8smeta_state* s,
    const ss_plugin_event_input* evt, const ss_plugin_event_parse_input* in);
extern "Python" ss_plugin_rc k8smeta_py_set_async(k8smeta_state* s,
    ss_plugin_owner_t* owner, ss_plugin_async_event_handler_t handler);
extern "Python" ss_plugin_rc k8smeta_py_dump_state(k8smeta_state* s,
    ss_plugin_owner_t* owner, ss_plugin_async_event_handler_t handler);
extern "Python" ss_plugin_rc k8smeta_py_capture_open(k8smeta_state* s,
    const ss_plugin_capture_listen_input* in);
extern "Python" ss_plugin_metric* k8smeta_py_get_metrics(k8smeta_state* s, uint32_t* num);
extern "Python" ss_plugin_bool k8smeta_py_visit_thread(ss_plugin_table_iterator_state_t* s,
    ss_plugin_table_entry_t* e);

void k8smeta_set_ready(void);
char* getenv(const char* name);
char** k8smeta_environ(void);
int k8smeta_read_cgroups(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
    ss_plugin_table_entry_t* e, ss_plugin_table_field_t* f_cgroups,
    ss_plugin_table_field_t* f_second, char* out, int size);
int k8smeta_write_thread_pod(k8smeta_state* s, ss_plugin_table_reader_vtable_ext* r,
    ss_plugin_table_writer_vtable_ext* w, int64_t tid, const char* value);
int k8smeta_write_thread_container(k8smeta_state* s, ss_plugin_table_reader_vtable_ext* r,
    ss_plugin_table_writer_vtable_ext* w, int64_t tid, const char* value);
"""

_INIT_CODE: Final = """
import sys
from {module} import ffi, lib
if {site!r} and {site!r} not in sys.path:
    import site
    site.addsitedir({site!r})
from k8smeta.plugin.abi.exports import attach
attach(ffi, lib)
lib.k8smeta_set_ready()
"""


def c_string(text: str) -> str:
    """A C string literal holding `text` (UTF-8), one literal per line of ~96 characters."""
    tokens: list[str] = []
    for byte in text.encode():
        char = chr(byte)
        if char in '"\\':
            tokens.append("\\" + char)
        elif 32 <= byte < 127:
            tokens.append(char)
        else:
            tokens.append(f"\\{byte:03o}")  # always 3 digits: never eats the next char
    lines = ["".join(tokens[i : i + 96]) for i in range(0, len(tokens), 96)] or [""]
    return "\n".join(f'"{line}"' for line in lines)


def venv_python() -> str:
    """The virtualenv's interpreter path (not resolved, so `pyvenv.cfg` is found)."""
    return str(Path(sys.prefix) / "bin" / "python3")


#: The C sources, in preamble order: start-up and static symbols, then by job.
C_SOURCES: Final = (
    "boot.c",
    "cache.c",
    "cgroup_match.c",
    "container_match.c",
    "tables.c",
    "wrappers.c",
)


def constants() -> str:
    """The numbers and codes the C side shares with Python, as C definitions."""
    parse_types = ", ".join(str(code) for code in (ASYNC_EVENT, *PROCESS_EVENTS))
    cases = " ".join(f"case {code}:" for code in PROCESS_EVENTS)
    outcomes = (f"#define K8SMETA_OUTCOME_{o.name} {o.value}" for o in ProcessOutcome)
    return "\n".join(
        (
            *outcomes,
            f"#define SS_PLUGIN_SUCCESS {SS_PLUGIN_SUCCESS}",
            f"#define SS_PLUGIN_FAILURE {SS_PLUGIN_FAILURE}",
            f"#define SS_PLUGIN_SCHEMA_JSON {SS_PLUGIN_SCHEMA_JSON}",
            f"#define K8SMETA_ERRLEN {ERROR_SIZE}",
            f"#define K8SMETA_HEADER_SIZE {HEADER_SIZE}  /* event header, packed */",
            f"#define K8SMETA_LEN_SIZE {PROCESS_LEN_SIZE}  /* a process event's length slot */",
            "/* field ids [first, end) of the container fields: cached by container ID too */",
            f"#define K8SMETA_CONTAINER_FIELDS_FIRST {CONTAINER_FIELDS[0]}",
            f"#define K8SMETA_CONTAINER_FIELDS_END {CONTAINER_FIELDS[1]}",
            f"static uint16_t K8SMETA_PARSE_EVENT_TYPES[] = {{{parse_types}}};",
            "static int k8smeta_is_process_event(uint16_t code) {",
            f"    switch (code) {{ {cases} return 1; default: return 0; }}",
            "}",
        )
    )


def python_prototypes() -> str:
    """The C prototypes of the `extern "Python"` functions of MODULE_CDEF (cffi defines
    them after the preamble, which calls them)."""
    return MODULE_CDEF.split("\n\n")[0].replace('extern "Python" ', "static ")


def preamble(venv: str | None = None) -> str:
    """The C source put into the cffi module: build-time values, declarations, code
    (`venv`: the interpreter baked in as the last resort, default `venv_python()`)."""
    header = c_header()
    async_events = json.dumps([ASYNC_EVENT_NAME])
    baked = venv_python() if venv is None else venv
    defines = "\n".join(
        (
            f"static const char K8SMETA_VENV_PYTHON[] = {c_string(baked)};",
            f"static const char K8SMETA_INIT_SCHEMA[] = {c_string(INIT_SCHEMA_JSON)};",
            f"static const char K8SMETA_FIELDS[] = {c_string(fields_json())};",
            f"static const char K8SMETA_ASYNC_EVENTS[] = {c_string(async_events)};",
            constants(),
        )
    )
    here = Path(__file__).parent
    code = "\n".join((here / name).read_text() for name in C_SOURCES)
    return "\n".join((header, STATE_CDEF, defines, python_prototypes(), code))


def make_ffi(bundle_dir: str | None = None, build_dir: str | None = None) -> Any:
    """The cffi builder of the embedded module; with `bundle_dir`, the bundle's library
    (libpython and the interpreter's home in that directory next to the library), which
    carries no path of the build machine: no virtualenv path (the bundle's home replaces
    it), and `build_dir`, where it is compiled, recorded as `.` in its debug information."""
    ffi = FFI()
    ffi.cdef(PLUGIN_API_CDEF, packed=True)
    ffi.cdef(PLUGIN_API_CDEF_ALIGNED)
    ffi.cdef(STATE_CDEF)
    ffi.embedding_api("")
    ffi.cdef(MODULE_CDEF)
    libdir = sysconfig.get_config_var("LIBDIR") or str(Path(sys.base_prefix) / "lib")
    prefix_map = [f"-ffile-prefix-map={build_dir}=."] if build_dir and bundle_dir else []
    ffi.set_source(
        MODULE_NAME,
        preamble("" if bundle_dir else None),
        extra_compile_args=["-O2", "-fvisibility=hidden", "-Wall", *prefix_map],
        extra_link_args=["-Wl,-z,nodelete", f"-Wl,-rpath,{bundle_rpath(bundle_dir) or libdir}"],
        define_macros=bundle_macros(bundle_dir),
    )
    site = sysconfig.get_path("purelib") if bundle_dir is None else ""
    ffi.embedding_init_code(_INIT_CODE.format(module=MODULE_NAME, site=site))
    return ffi


def build(output_dir: Path, bundle_dir: str | None = None) -> Path:
    """Compile the library into `output_dir` and return its path (`bundle_dir`: see
    `make_ffi`)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="k8smeta-build-") as tmp:
        ffi = make_ffi(bundle_dir, build_dir=tmp)
        built = Path(ffi.compile(tmpdir=tmp, target=LIBRARY_NAME, verbose=False))
        target = output_dir / LIBRARY_NAME
        partial = output_dir / (LIBRARY_NAME + ".tmp")
        shutil.copyfile(built, partial)
        os.chmod(partial, 0o755)
        os.replace(partial, target)  # a process that has the old file mapped keeps it
    return target


# ---- relocatable bundle (k8smeta.plugin.abi.bundle) ---------------------------------------


def bundle_macros(bundle_dir: str | None) -> list[tuple[str, str]]:
    """boot.c's K8SMETA_BUNDLE_DIR, K8SMETA_LIBPYTHON (the soname of the libpython it
    ships) and K8SMETA_BUNDLE_FALLBACK for the bundle's library."""
    if bundle_dir is None:
        return []
    from k8smeta.plugin.abi.bundle_contents import FALLBACK_LIBRARIES

    return [
        ("K8SMETA_BUNDLE_DIR", f'"{bundle_dir}"'),
        ("K8SMETA_LIBPYTHON", f'"{sysconfig.get_config_var("INSTSONAME")}"'),
        ("K8SMETA_BUNDLE_FALLBACK", '"' + ":".join(FALLBACK_LIBRARIES) + '"'),
    ]


def bundle_rpath(bundle_dir: str | None) -> str | None:
    """The bundle's library finds libpython relative to its own location (`$ORIGIN`), and
    only there: wherever the bundle is unpacked, never a Python of the machine."""
    return None if bundle_dir is None else f"$ORIGIN/{bundle_dir}/lib"


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m k8smeta.plugin.abi.build [output-dir]` (default `build`)."""
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0]) if args else Path("build")
    print(build(output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
