"""Check, offline, that requirements/lock.txt and what it is compiled from agree.

The lock (made by `make lock` with uv) pins every package any set-up installs, with hashes.
This check fails when someone edits `pyproject.toml` or `requirements/tools.in` and forgets
to run `make lock`:

- every requirement of the project (runtime, every extra) and of the tools file is pinned,
  at a version its range allows;
- every pin carries at least one hash;
- every pinned package is needed by something (no leftovers of a removed dependency): each
  pin names, in uv's `# via` comments, a parent that is itself a requirement or a pin.

It imports only `packaging`, which the lock itself pins.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
TOOLS = ROOT / "requirements" / "tools.in"
PYPROJECT = ROOT / "pyproject.toml"

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
    r"(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)
_VIA_ONE = re.compile(r"^\s+# via (?P<parent>\S+)\s*$")
_VIA_MANY = re.compile(r"^\s+#   (?P<parent>\S+)\s*$")


@dataclass
class Pin:
    """One package of the lock: its version, environment marker, hashes and uv's parents."""

    version: Version
    marker: Marker | None = None
    hashes: int = 0
    parents: list[str] = field(default_factory=list)


def read_lock(text: str) -> dict[str, Pin]:
    """The lock's pins by canonical name."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in text.splitlines():
        if match := _PIN.match(line):
            marker = Marker(match["marker"]) if match["marker"] else None
            current = Pin(Version(match["version"]), marker)
            pins[canonicalize_name(match["name"])] = current
        elif current is not None and "--hash=" in line:
            current.hashes += line.count("--hash=")
        elif current is not None and (match := _VIA_ONE.match(line) or _VIA_MANY.match(line)):
            current.parents.append(match["parent"])
    return pins


def installed_here(pins: dict[str, Pin]) -> dict[str, Version]:
    """The pins whose environment marker holds for this interpreter: what a set-up installs."""
    return {
        name: pin.version
        for name, pin in pins.items()
        if pin.marker is None or pin.marker.evaluate()
    }


def declared_requirements() -> list[Requirement]:
    """What pyproject.toml (dependencies and every extra) and the tools file ask for."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    for raw in TOOLS.read_text().splitlines():
        if requirement := raw.split("#", 1)[0].strip():
            lines.append(requirement)
    return [Requirement(line) for line in lines]


def problems(pins: dict[str, Pin], requirements: list[Requirement]) -> list[str]:
    """Every disagreement between the lock and the declared requirements."""
    found: list[str] = []
    declared = {canonicalize_name(req.name) for req in requirements}
    for req in requirements:
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            found.append(f"{req.name}: required ({req}) but not in the lock")
        elif not req.specifier.contains(pin.version, prereleases=True):
            found.append(f"{req.name}: the lock pins {pin.version}, outside {req.specifier}")
    for name, pin in sorted(pins.items()):
        if pin.hashes == 0:
            found.append(f"{name}=={pin.version}: pinned without a hash")
        if name in declared:
            continue
        parents = {canonicalize_name(parent) for parent in pin.parents}
        if not parents & (set(pins) | declared) and not any(
            parent.startswith(("-r ", "k8smeta")) for parent in pin.parents
        ):
            found.append(f"{name}=={pin.version}: nothing declared needs it any more")
    return found


def main() -> int:
    if not LOCK.exists():
        print(f"{LOCK.relative_to(ROOT)} is missing: run `make lock`", file=sys.stderr)
        return 1
    found = problems(read_lock(LOCK.read_text()), declared_requirements())
    for problem in found:
        print(f"{LOCK.relative_to(ROOT)}: {problem}", file=sys.stderr)
    if found:
        print("pyproject.toml and the lock disagree: run `make lock`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
