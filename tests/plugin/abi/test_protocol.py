"""The C-Python protocol has names: the built library's constants are Python's, and no
status, reason or outcome is written as a bare number on either side of the boundary."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from k8smeta.plugin.abi import build
from k8smeta.plugin.abi.protocol import protocol_constants
from k8smeta.plugin.core.absence import AbsenceReason
from k8smeta.plugin.core.metrics import ABSENCE_COUNTERS
from k8smeta.plugin.core.tagging import ProcessOutcome

ABI = Path(build.__file__).parent

#: Loads the built library as the Python module it also is, and prints its constants:
#: cffi reads each `#define` of the declarations from what C was compiled with.
_READ_CONSTANTS = """
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.ExtensionFileLoader("_k8smeta_abi", sys.argv[1])
spec = importlib.util.spec_from_file_location("_k8smeta_abi", sys.argv[1], loader=loader)
module = importlib.util.module_from_spec(spec)
loader.exec_module(module)
lib = module.lib
print(json.dumps({name: getattr(lib, name) for name in dir(lib) if name.startswith("K8SMETA_")}))
"""

#: The C files compiled into the library that talk to Python (the matchers are self-contained
#: and return only their own booleans).
C_FILES = [ABI / name for name in build.C_SOURCES if "_match" not in name]
#: The Python modules of the boundary that read or write C numbers.
PY_FILES = [
    path
    for path in sorted((*ABI.glob("*.py"), *ABI.glob("exports/*.py")))
    if not path.name.startswith("bundle") and path.name not in {"build.py", "events.py"}
]


def test_the_built_library_holds_pythons_numbers(library: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _READ_CONSTANTS, str(library)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout) == dict(protocol_constants())


def test_every_reason_and_outcome_is_generated() -> None:
    names = dict(protocol_constants())
    for reason in AbsenceReason:
        assert names[f"K8SMETA_REASON_{reason.name}"] == reason
    for outcome in ProcessOutcome:
        assert names[f"K8SMETA_OUTCOME_{outcome.name}"] == outcome
    # the counted reasons are the counters' indexes, from 0
    counted = sorted(r for r in AbsenceReason if r is not AbsenceReason.NOT_COUNTED)
    assert counted == list(range(len(ABSENCE_COUNTERS)))


def c_code(path: Path) -> str:
    """The C text without comments and without the cffi declaration blocks."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", path.read_text(), flags=re.DOTALL)
    return re.sub(r"#ifdef K8SMETA_CFFI_DECLARATIONS.*?#endif", " ", text, flags=re.DOTALL)


def py_code(path: Path) -> str:
    """The Python text without strings and comments."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return " ".join(t.string for t in tokens if t.type not in {tokenize.STRING, tokenize.COMMENT})


#: A negative number where a status is returned, compared, assigned, passed or indexed.
_NEGATIVE = re.compile(r"(?:\breturn|[=!<>]=?|[(,?:\[])\s*-\s*\d")
#: A host call's result compared with a bare number (SS_PLUGIN_SUCCESS is its name).
_HOST_RC = re.compile(r"_entry_field\([^;()]*\)\s*[!=]=\s*\d")
#: A counter of the state indexed by a bare reason number.
_ABSENT_INDEX = re.compile(r"absent\[\s*\d")
#: A Python comparison with zero or a negative number (a C status).
_PY_STATUS = re.compile(r"(?:[<>]=?|[!=]=)\s*(?:-\s*\d|0\b)|\[\s*-\s*\d+\s*\]")


@pytest.mark.parametrize("path", C_FILES, ids=lambda p: p.name)
def test_no_bare_status_in_c(path: Path) -> None:
    lines = [line for line in c_code(path).splitlines() if not line.lstrip().startswith("#")]
    code = "\n".join(lines)
    found = [*_NEGATIVE.findall(code), *_HOST_RC.findall(code), *_ABSENT_INDEX.findall(code)]
    assert not found, f"{path.name}: bare numbers {found}: name them in abi/protocol.py"


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: p.name)
def test_no_bare_status_in_python(path: Path) -> None:
    found = _PY_STATUS.findall(py_code(path))
    assert not found, f"{path.name}: bare numbers {found}: use abi/protocol.py's names"


def test_the_scans_see_a_bare_number() -> None:
    """The patterns above catch the forms the protocol used to have."""
    assert _NEGATIVE.search("if (status == -2) return k8smeta_read_failed(st, in);")
    assert _NEGATIVE.search("return too_long ? -1 : slot;")
    assert _NEGATIVE.search("f->res_len = (uint64_t)(uintptr_t)res[-1];")
    assert _HOST_RC.search("if (r->read_entry_field(t, e, f, &value) != 0) return 0;")
    assert _ABSENT_INDEX.search("st->absent[0] += in->num_fields;")
    assert _PY_STATUS.search("self.core.no_pod(evtnum, tid, status >= 0, fields=0)")
    assert _PY_STATUS.search("if rc == 0 :")
    assert _PY_STATUS.search("count = res [ - 1 ]")
    assert not _PY_STATUS.search("kept = kept [ - 1 : ]")
    assert not _NEGATIVE.search(
        'snprintf(e->uid, sizeof e->uid, "%.*s", (int)sizeof e->uid - 1, uid);'
    )
