"""One unit per export: each plugin_* symbol is defined in one C file; one that calls into
Python lives in `exports/<capability>.c` beside the Python bodies of its `extern "Python"`
functions in `exports/<capability>.py`; docs/architecture.md names those files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from k8smeta.plugin.abi import build
from tests.plugin.abi.exported import PLUGIN_SYMBOLS

ABI = Path(build.__file__).parent
ROOT = Path(__file__).resolve().parents[3]
_DEFINITION = r"K8SMETA_EXPORT [^;{{]*?\b{symbol}\("
_EXTERN = re.compile(r'extern "Python" [^;]*?\b(k8smeta_py_\w+)\(')


def defining_files(symbol: str) -> list[str]:
    pattern = re.compile(_DEFINITION.format(symbol=symbol))
    return [
        name for name in build.C_SOURCES if pattern.search((ABI / name).read_text()) is not None
    ]


def documented_files() -> dict[str, list[str]]:
    """symbol -> the files its row of docs/architecture.md's export table names."""
    rows: dict[str, list[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `plugin_") and len(cells) == 3:
            for symbol in re.findall(r"`(plugin_\w+)`", cells[0]):
                rows[symbol] = re.findall(r"`abi/([\w/]+\.(?:c|py))`", " ".join(cells[1:]))
    return rows


@pytest.mark.parametrize("symbol", PLUGIN_SYMBOLS)
def test_each_symbol_is_defined_once_and_documented(symbol: str) -> None:
    files = defining_files(symbol)
    assert len(files) == 1, f"{symbol} is defined in {files}"
    (c_file,) = files
    unit = c_file.removesuffix(".c")
    expected = [c_file, f"{unit}.py"] if unit.startswith("exports/") else [c_file]
    assert documented_files().get(symbol) == expected


@pytest.mark.parametrize("unit", build.EXPORT_UNITS)
def test_a_unit_registers_the_bodies_it_declares(unit: str) -> None:
    declared = _EXTERN.findall(build.declarations(f"exports/{unit}.c"))
    assert declared, f'exports/{unit}.c declares no extern "Python" function'
    registered = re.findall(r'"(k8smeta_py_\w+)"', (ABI / "exports" / f"{unit}.py").read_text())
    assert sorted(declared) == sorted(registered)


def test_every_unit_is_built_and_attached() -> None:
    units = {p.stem for p in (ABI / "exports").glob("*.c")} - {"guard"}
    assert units == set(build.EXPORT_UNITS)
    bodies = {p.stem for p in (ABI / "exports").glob("*.py")} - {"__init__", "guard"}
    assert bodies == units
    attach = (ABI / "exports" / "__init__.py").read_text()
    for unit in units:
        assert re.search(rf"\b{unit}\b", attach), f"exports/__init__.py does not attach {unit}"


def test_no_extern_python_outside_the_units() -> None:
    for name in build.C_SOURCES:
        if not name.startswith("exports/"):
            assert not _EXTERN.search((ABI / name).read_text()), name
