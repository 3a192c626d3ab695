"""Build `build/libk8smeta.so` with cffi's embedding mode.

Run as `python -m k8smeta.plugin.abi.build [output-dir]` from the project's virtualenv:
the library is tied to that interpreter (libpython's directory goes into its RUNPATH) and
to that virtualenv (found next to the library at run time, else at its build-time path).
Every value the C side shares with Python is generated here into the preamble, so none
is written twice: the static strings (`get_fields`, `get_init_schema`, the async event
name), the event codes and layout sizes, the error length and buffer sizes, the protocol's
statuses, absence reasons and process outcomes (`protocol`), and the prototypes of the
`extern "Python"` functions.

Each exported symbol is one unit, `exports/<capability>.c` (its C wrapper and, in a
`K8SMETA_CFFI_DECLARATIONS` block, its `extern "Python"` declarations) with
`exports/<capability>.py` (the Python bodies): `EXPORT_UNITS` lists them, and the blocks
become cffi's declarations (`module_cdef`).
"""

from __future__ import annotations

import json
import os
import re
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
from k8smeta.plugin.abi.protocol import PROTOCOL_CDEF, c_definitions, cffi_constants
from k8smeta.plugin.abi.state import ERROR_SIZE, STATE_CDEF, c_sizes
from k8smeta.plugin.core.event_codes import ASYNC_EVENT, ASYNC_EVENT_NAME, PROCESS_EVENTS
from k8smeta.plugin.core.fields import CONTAINER_FIELDS, fields_json
from k8smeta.plugin.core.schema import INIT_SCHEMA_JSON

MODULE_NAME: Final = "_k8smeta_abi"
LIBRARY_NAME: Final = "libk8smeta.so"

#: The C helpers of boot.c that Python calls (the others are declared next to their code).
BOOT_CDEF: Final = """
void k8smeta_set_ready(void);
char* getenv(const char* name);
char** k8smeta_environ(void);
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


HERE: Final = Path(__file__).parent

#: One unit per capability: `exports/<name>.c` and `exports/<name>.py`, in preamble order.
EXPORT_UNITS: Final = ("lifecycle", "extract", "parse", "async_events", "capture", "metrics")

#: The C sources, in preamble order: start-up and static symbols, the jobs done without
#: Python, the C half of the exports' guard, then the export units.
C_SOURCES: Final = (
    "boot.c",
    "strings.c",
    "cache.c",
    "cgroup_match.c",
    "container_match.c",
    "tables.c",
    "exports/guard.c",
    *(f"exports/{unit}.c" for unit in EXPORT_UNITS),
)

_DECLARATIONS: Final = re.compile(
    r"^#ifdef K8SMETA_CFFI_DECLARATIONS\n(.*?)^#endif /\* K8SMETA_CFFI_DECLARATIONS \*/$",
    re.MULTILINE | re.DOTALL,
)


def declarations(source: str) -> str:
    """The cffi declarations of one C source (its `K8SMETA_CFFI_DECLARATIONS` blocks)."""
    return "".join(_DECLARATIONS.findall((HERE / source).read_text()))


def module_cdef() -> str:
    """cffi's declarations of the module: the `extern "Python"` functions of the export
    units, the C helpers Python calls, and the protocol's constants."""
    parts = (BOOT_CDEF, *(declarations(source) for source in C_SOURCES), cffi_constants())
    return "\n".join(parts)


def constants() -> str:
    """The numbers and codes the C side shares with Python, as C definitions."""
    parse_types = ", ".join(str(code) for code in (ASYNC_EVENT, *PROCESS_EVENTS))
    cases = " ".join(f"case {code}:" for code in PROCESS_EVENTS)
    return "\n".join(
        (
            c_definitions(),
            c_sizes(),
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
    """The C prototypes of the `extern "Python"` functions (cffi defines them after the
    preamble, which calls them)."""
    cdef = "".join(declarations(source) for source in C_SOURCES)
    functions = re.findall(r'^extern "Python" .*?;', cdef, re.MULTILINE | re.DOTALL)
    return "\n".join(f.replace('extern "Python" ', "static ") for f in functions)


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
    code = "\n".join((HERE / name).read_text() for name in C_SOURCES)
    return "\n".join((header, STATE_CDEF, PROTOCOL_CDEF, defines, python_prototypes(), code))


def make_ffi(bundle_dir: str | None = None, build_dir: str | None = None) -> Any:
    """The cffi builder of the embedded module; with `bundle_dir`, the bundle's library
    (libpython and the interpreter's home in that directory next to the library), which
    carries no path of the build machine: no virtualenv path (the bundle's home replaces
    it), and `build_dir`, where it is compiled, recorded as `.` in its debug information."""
    ffi = FFI()
    ffi.cdef(PLUGIN_API_CDEF, packed=True)
    ffi.cdef(PLUGIN_API_CDEF_ALIGNED)
    ffi.cdef(STATE_CDEF)
    ffi.cdef(PROTOCOL_CDEF)
    ffi.embedding_api("")
    ffi.cdef(module_cdef())
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
