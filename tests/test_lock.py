"""The lock: pyproject.toml and requirements/lock.txt agree, and the virtualenv is the lock."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _load_check_lock() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


check_lock = _load_check_lock()

HASH = "    --hash=sha256:" + "0" * 64


def _lock(*entries: str) -> str:
    return "\n".join(entries) + "\n"


def test_committed_lock_agrees_with_pyproject() -> None:
    pins = check_lock.read_lock(check_lock.LOCK.read_text())
    assert check_lock.problems(pins, check_lock.declared_requirements()) == []


def test_virtualenv_holds_exactly_the_lock() -> None:
    """`pip freeze` of the running interpreter's environment is the lock, pin for pin."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    installed: dict[str, Version] = {}
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        installed[canonicalize_name(name)] = Version(version)
    # pip comes with the virtualenv itself (ensurepip), not from the lock
    installed.pop("pip", None)
    locked = check_lock.installed_here(check_lock.read_lock(check_lock.LOCK.read_text()))
    assert installed == locked


def test_a_requirement_missing_from_the_lock_is_named() -> None:
    pins = check_lock.read_lock(_lock("grpcio==1.85.4 \\", HASH))
    found = check_lock.problems(pins, [Requirement("grpcio>=1.85"), Requirement("orjson>=3")])
    assert found == ["orjson: required (orjson>=3) but not in the lock"]


def test_a_pin_outside_its_range_is_named() -> None:
    pins = check_lock.read_lock(_lock("grpcio==1.84.0 \\", HASH))
    found = check_lock.problems(pins, [Requirement("grpcio>=1.85,<2")])
    assert found == ["grpcio: the lock pins 1.84.0, outside <2,>=1.85"]


def test_a_pin_without_hash_is_named() -> None:
    pins = check_lock.read_lock(_lock("grpcio==1.85.4"))
    found = check_lock.problems(pins, [Requirement("grpcio")])
    assert found == ["grpcio==1.85.4: pinned without a hash"]


def test_a_leftover_of_a_removed_dependency_is_named() -> None:
    text = _lock(
        "grpcio==1.85.4 \\",
        HASH,
        "    # via k8smeta (pyproject.toml)",
        "idna==3.21 \\",
        HASH,
        "    # via yarl",
        "six==1.17.0 \\",
        HASH,
        "    # via",
        "    #   grpcio",
        "    #   python-dateutil",
    )
    found = check_lock.problems(check_lock.read_lock(text), [Requirement("grpcio")])
    assert found == ["idna==3.21: nothing declared needs it any more"]


@pytest.mark.parametrize(
    ("line", "applies"),
    [
        ("colorama==0.4.6 ; sys_platform == 'win32' \\", sys.platform == "win32"),
        ("tomli==2.0.0 ; python_full_version < '3.11' \\", False),
        ("orjson==3.13.0 \\", True),
    ],
)
def test_environment_markers_decide_what_is_installed(line: str, applies: bool) -> None:
    pins = check_lock.read_lock(_lock(line, HASH))
    assert bool(check_lock.installed_here(pins)) is applies
