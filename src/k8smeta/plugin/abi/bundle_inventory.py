"""Which component each file of the assembled bundle comes from, found in the build machine's
own records, never in a list of ours.

- `site-packages/<path>`: the installed distribution whose RECORD lists that path (its
  name, version and licence from its metadata); `k8smeta/` is the plugin itself.
- the rest of `lib/pythonX.Y/` and `libpythonX.Y.so`: CPython, when the same path exists in
  the interpreter's standard library, lib-dynload or library directory.
- the fallback libraries: the Debian package dpkg says installed the file copied.
- bytecode belongs to the component of its source file.
A file none of these accounts for stops the build.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Final

import k8smeta
from k8smeta.plugin.abi.bundle_debian import debian_package

LIBRARY_NAME: Final = "libk8smeta.so"
PLUGIN_KEY: Final = "k8smeta"
PYTHON_KEY: Final = "cpython"

#: Licence names some distributions still write instead of an SPDX identifier.
LICENSE_ALIASES: Final = {
    "3-Clause BSD License": "BSD-3-Clause",
    "BSD License": "BSD-3-Clause",
    "Apache License 2.0": "Apache-2.0",
    "Apache Software License": "Apache-2.0",
    "MIT License": "MIT",
}


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What the built library itself answers (`plugin_get_*`)."""

    name: str
    version: str
    required_api_version: str


@dataclass(slots=True)
class Part:
    """One component of the bundle and the bundle's files that are it."""

    key: str
    kind: str  # "plugin", "python", "pypi" or "deb"
    name: str
    version: str
    licenses: tuple[str, ...]
    description: str
    properties: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def plugin_info(library: Path) -> PluginInfo:
    """Ask the built library for its name, version and required plugin API version, in a
    child interpreter (loaded into a running Python, it uses that interpreter)."""
    code = (
        "import ctypes, json, sys\n"
        "lib = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_LOCAL)\n"
        "def text(n):\n"
        "    f = getattr(lib, 'plugin_get_' + n)\n"
        "    f.restype = ctypes.c_char_p\n"
        "    return f().decode()\n"
        "print(json.dumps({n: text(n) for n in ('name', 'version', 'required_api_version')}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(library)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return PluginInfo(**json.loads(out))


def bytecode_source(path: PurePosixPath) -> PurePosixPath:
    """`a/__pycache__/m.cpython-311.pyc` -> `a/m.py`; other paths as they are."""
    if path.suffix == ".pyc" and path.parent.name == "__pycache__":
        return path.parent.parent / (path.name.split(".", 1)[0] + ".py")
    return path


def distribution_owners() -> dict[str, metadata.Distribution]:
    """Each path (relative to site-packages) that an installed distribution's RECORD lists."""
    owners: dict[str, metadata.Distribution] = {}
    for dist in sorted(metadata.distributions(), key=lambda d: str(d.metadata["Name"])):
        for file in dist.files or []:
            owners.setdefault(PurePosixPath(*file.parts).as_posix(), dist)
    return owners


def _field(meta: metadata.PackageMetadata, key: str) -> str:
    """A metadata field, "" when absent."""
    return str(meta[key]) if key in meta else ""


def distribution_licenses(dist: metadata.Distribution) -> tuple[str, ...]:
    """The licence of a distribution from its metadata: `License-Expression`, else a short
    `License` field, else its licence classifiers."""
    meta = dist.metadata
    expression = _field(meta, "License-Expression")
    if expression:
        return (expression,)
    text = _field(meta, "License").strip()
    if text and "\n" not in text and len(text) <= 100:
        return (LICENSE_ALIASES.get(text, text),)
    names = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or []]
    found = tuple(LICENSE_ALIASES.get(n, n) for n in names if n.endswith("License"))
    if not found:
        raise SystemExit(f"{meta['Name']}: its metadata names no licence")
    return found


class Inventory:
    """Assigns the files of a bundle tree to parts (see the module docstring)."""

    def __init__(
        self, runtime: str, libraries: Mapping[str, Path], plugin: PluginInfo, sbom: str
    ) -> None:
        """`runtime`: the runtime directory's name; `libraries`: each bundled fallback
        library's source file; `sbom`: the SBOM's path in the bundle (the plugin's file)."""
        self.plugin_files = {PurePosixPath(LIBRARY_NAME), PurePosixPath(sbom)}
        pyver = f"python{sys.version_info.major}.{sys.version_info.minor}"
        self.lib = PurePosixPath(runtime, "lib")
        self.pylib = self.lib / pyver
        self.site = self.pylib / "site-packages"
        self.libraries = dict(libraries)
        self.parts: dict[str, Part] = {}
        self.owners = distribution_owners()
        self.stdlib = Path(sysconfig.get_path("stdlib"))
        self.dynload = Path(str(sysconfig.get_config_var("DESTSHARED")))
        self.libpython = str(sysconfig.get_config_var("INSTSONAME"))
        self._plugin(plugin)

    def _plugin(self, info: PluginInfo) -> None:
        own = metadata.distribution("k8smeta")
        self.parts[PLUGIN_KEY] = Part(
            key=PLUGIN_KEY,
            kind="plugin",
            name="k8smeta",
            version=k8smeta.__version__,
            licenses=distribution_licenses(own),
            description="The k8smeta Falco plugin: libk8smeta.so and its Python package",
            properties={
                "falco:plugin:name": info.name,
                "falco:plugin:version": info.version,
                "falco:plugin:required_api_version": info.required_api_version,
            },
        )

    def _python(self) -> Part:
        if PYTHON_KEY not in self.parts:
            self.parts[PYTHON_KEY] = Part(
                key=PYTHON_KEY,
                kind="python",
                name="cpython",
                version=platform.python_version(),
                licenses=("PSF-2.0",),
                description=f"{self.libpython} and the standard library it runs",
                properties={"k8smeta:libpython": self.libpython},
            )
        return self.parts[PYTHON_KEY]

    def _pypi(self, dist: metadata.Distribution) -> Part:
        name = str(dist.metadata["Name"])
        key = f"pypi:{name.lower()}"
        if key not in self.parts:
            self.parts[key] = Part(
                key=key,
                kind="pypi",
                name=name,
                version=dist.version,
                licenses=distribution_licenses(dist),
                description=_field(dist.metadata, "Summary") or name,
            )
        return self.parts[key]

    def _deb(self, source: Path) -> Part:
        package = debian_package(source)
        key = f"deb:{package.name}"
        if key not in self.parts:
            self.parts[key] = Part(
                key=key,
                kind="deb",
                name=package.name,
                version=package.version,
                licenses=(package.license,),
                description=f"Debian package {package.name} (fallback library)",
                properties={
                    "debian:source": package.source,
                    "debian:architecture": package.architecture,
                    "debian:distro": package.distro,
                },
            )
        return self.parts[key]

    def owner(self, path: PurePosixPath) -> Part | None:
        """The part one bundle file (path relative to the plugins directory) belongs to."""
        if path in self.plugin_files:
            return self.parts[PLUGIN_KEY]
        if path.is_relative_to(self.site):
            relative = bytecode_source(path.relative_to(self.site))
            if relative.parts[0] == "k8smeta":
                source = Path(k8smeta.__file__).parent.joinpath(*relative.parts[1:])
                return self.parts[PLUGIN_KEY] if source.is_file() else None
            dist = self.owners.get(relative.as_posix())
            return self._pypi(dist) if dist is not None else None
        if path.is_relative_to(self.pylib):
            relative = bytecode_source(path.relative_to(self.pylib))
            found = self.stdlib.joinpath(*relative.parts).is_file() or (
                relative.parts[0] == "lib-dynload" and (self.dynload / relative.name).is_file()
            )
            return self._python() if found else None
        if path.parent == self.lib:
            if path.name == self.libpython:
                return self._python()
            if path.name in self.libraries:
                return self._deb(self.libraries[path.name])
        return None

    def assign(self, files: Iterable[str]) -> list[Part]:
        """Every file's part; stops the build naming the files no part accounts for."""
        unknown = []
        for name in files:
            part = self.owner(PurePosixPath(name))
            if part is None:
                unknown.append(name)
            else:
                part.files.append(name)
        if unknown:
            raise SystemExit(f"no component accounts for these bundle files: {unknown[:10]}")
        return sorted(self.parts.values(), key=lambda p: p.key)
