"""The Debian package behind a file the bundle copies from the build machine: what dpkg
records (package, architecture, version, source) and the package's licence.
"""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: Licences of Debian source packages whose copyright file is not machine-readable.
DEBIAN_SOURCE_LICENSES: Final = {"gcc": "GPL-3.0-or-later WITH GCC-exception-3.1"}


@dataclass(frozen=True, slots=True)
class DebianPackage:
    """The Debian binary package that installed a file."""

    name: str
    architecture: str
    version: str
    source: str
    distro: str
    license: str


def _dpkg_owner(path: Path) -> str | None:
    """The package dpkg records for `path`, trying the merged-/usr spellings of it."""
    text = path.as_posix()
    candidates = [text, text.removeprefix("/usr") if text.startswith("/usr/") else "/usr" + text]
    for candidate in dict.fromkeys(candidates):
        proc = subprocess.run(
            ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
        )
        if proc.returncode == 0 and proc.stdout:
            return proc.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def debian_package(path: Path) -> DebianPackage:
    """Name, version, source and licence of the Debian package that installed `path`."""
    package = None
    with contextlib.suppress(FileNotFoundError):  # no dpkg: not Debian
        package = _dpkg_owner(path) or _dpkg_owner(path.resolve())
    if package is None:
        raise SystemExit(f"{path}: no Debian package owns it (the bundle is built on Debian)")
    fmt = "${Package}\\t${Architecture}\\t${Version}\\t${source:Package}"
    out = subprocess.run(
        ["dpkg-query", "-W", f"-f={fmt}", package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name, arch, version, source = out.split("\t")
    distro = "debian-" + Path("/etc/debian_version").read_text().strip().split(".")[0]
    return DebianPackage(name, arch, version, source, distro, debian_license(name, source))


def debian_license(package: str, source: str) -> str:
    """The licence of the package's files: the `Files: *` stanza of a machine-readable
    copyright file, else our table of source packages."""
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    text = copyright_file.read_text(errors="replace") if copyright_file.is_file() else ""
    if text.startswith("Format:"):
        for stanza in text.split("\n\n"):
            fields = dict(
                line.split(":", 1)
                for line in stanza.splitlines()
                if line[:1].strip() and ":" in line
            )
            if fields.get("Files", "").strip() == "*" and "License" in fields:
                return fields["License"].strip()
    family = source.rstrip("0123456789.").rstrip("-")
    if family in DEBIAN_SOURCE_LICENSES:
        return DEBIAN_SOURCE_LICENSES[family]
    raise SystemExit(f"{package}: no machine-readable licence; add {family} to the table")
