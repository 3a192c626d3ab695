"""Build the relocatable plugin artifact: `dist/k8smeta-plugin-<version>-linux-<arch>.tar.gz`.

Run as `python -m k8smeta.plugin.abi.bundle [dist-dir]` from the project's virtualenv (built
with a CPython that has a shared libpython). The tarball is laid out as a falcoctl plugin
artifact: its members land in Falco's plugins directory as they are, so `libk8smeta.so` sits
at the top, where `library_path: libk8smeta.so` finds it, next to the one directory
`k8smeta-runtime/` that is the embedded interpreter's home:

    libk8smeta.so                          RUNPATH $ORIGIN/k8smeta-runtime/lib
    k8smeta-runtime/lib/libpython3.X.so.1.0
    k8smeta-runtime/lib/<fallback libs>    libz, libcrypto, libssl: used only when the
                                           machine has none (see boot.c)
    k8smeta-runtime/lib/python3.X/         the standard library minus what the plugin never
                                           imports, lib-dynload, site-packages

The library computes that home from its own location at load time, so the bundle works
unpacked anywhere on a glibc system with no Python (docs/install-bundle.md).

Beside the tarball: its SBOM (`<artifact>.cdx.json`, also inside as
`k8smeta-runtime/sbom.cdx.json`) and `SHA256SUMS`. Two builds of one commit are the same
bytes (`bundle_archive`): set `SOURCE_DATE_EPOCH` to fix the time, else the last commit's.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Final

import k8smeta
from k8smeta.plugin.abi.bundle_archive import (
    sha256_file,
    source_date_epoch,
    walk,
    write_sha256sums,
    write_tarball,
)
from k8smeta.plugin.abi.bundle_contents import (
    FALLBACK_LIBRARIES,
    PLUGIN_DISTRIBUTIONS,
    keep_distribution_file,
    keep_extension,
    keep_k8smeta_file,
    keep_stdlib_entry,
    needed_libraries,
)

BUNDLE_DIR: Final = "k8smeta-runtime"
PYVER: Final = f"python{sys.version_info.major}.{sys.version_info.minor}"
SBOM_NAME: Final = f"{BUNDLE_DIR}/sbom.cdx.json"
#: `uname -m` names -> the OCI platform architectures falcoctl matches (Go's names).
OCI_ARCHITECTURES: Final = {"x86_64": "amd64", "aarch64": "arm64"}


def artifact_name(version: str = k8smeta.__version__, machine: str = "") -> str:
    """`k8smeta-plugin-<version>-linux-<arch>.tar.gz`, the arch as `uname -m` says it."""
    return f"k8smeta-plugin-{version}-linux-{machine or platform.machine()}.tar.gz"


def sbom_name(tarball: Path) -> Path:
    """The SBOM beside a tarball: `<artifact>.cdx.json`."""
    return tarball.with_name(tarball.name.removesuffix(".tar.gz") + ".cdx.json")


def oci_platform(machine: str = "") -> str:
    """The artifact's OCI platform, as falcoctl's `--platform` takes it (`linux/amd64`)."""
    machine = machine or platform.machine()
    return f"linux/{OCI_ARCHITECTURES.get(machine, machine)}"


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def _strip(path: Path) -> None:
    """Drop debug symbols (libpython carries ~18 MB of them); a no-op without `strip`."""
    tool = shutil.which("strip")
    if tool is not None:
        subprocess.run([tool, "--strip-unneeded", str(path)], check=True, timeout=120)


def copy_libraries(home: Path) -> dict[str, Path]:
    """libpython (what the library links), and the fallback libraries the bundle's extension
    modules need, as the build machine resolves them; returns the fallbacks' sources."""
    libdir = Path(sysconfig.get_config_var("LIBDIR"))
    soname = str(sysconfig.get_config_var("INSTSONAME"))
    if not (libdir / soname).exists():
        raise SystemExit(f"{libdir / soname} is missing: the bundle needs a shared libpython")
    _copy(libdir / soname, home / "lib" / soname)
    _strip(home / "lib" / soname)
    resolved = resolve_libraries(sorted(home.rglob("*.so")))
    copied: dict[str, Path] = {
        name: resolved[name] for name in FALLBACK_LIBRARIES if name in resolved
    }
    for name, source in copied.items():
        _copy(source, home / "lib" / name)
    return copied


def resolve_libraries(objects: list[Path]) -> dict[str, Path]:
    """Each shared library `objects` load (directly or not), as `ldd` resolves it here."""
    found: dict[str, Path] = {}
    for path in objects:
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        for line in out.stdout.splitlines():
            name, arrow, rest = line.strip().partition(" => ")
            if arrow and rest.startswith("/"):
                found.setdefault(name, Path(rest.split(" (")[0]).resolve())
    return found


def copy_stdlib(target: Path) -> None:
    """The standard library minus the packages the plugin never imports; the extension
    modules that need nothing beyond glibc and the fallback libraries."""
    stdlib = Path(sysconfig.get_path("stdlib"))
    for entry in sorted(stdlib.iterdir()):
        if not keep_stdlib_entry(entry.name):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=_ignore_caches)
        else:
            _copy(entry, target / entry.name)
    dynload = Path(sysconfig.get_config_var("DESTSHARED"))
    for ext in sorted(dynload.glob("*.so")):
        if keep_extension(ext.name, needed_libraries(ext)):
            _copy(ext, target / "lib-dynload" / ext.name)
            _strip(target / "lib-dynload" / ext.name)


def _ignore_caches(_directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith(".pyc")]


def copy_site_packages(target: Path) -> None:
    """The plugin's runtime distributions and the plugin's part of the k8smeta package."""
    for name in PLUGIN_DISTRIBUTIONS:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            if keep_distribution_file(name, file.parts):
                _copy(Path(str(file.locate())), target / Path(*file.parts))
    package = Path(k8smeta.__file__).parent
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.is_file() and keep_k8smeta_file(relative.parts):
            _copy(path, target / "k8smeta" / relative)


def compile_bytecode(root: Path, shown_as: str) -> None:
    """Bytecode next to every module, at the optimization level the library starts its
    interpreter with (2: `.opt-2.pyc`, without docstrings and asserts; ADR 0010), and only
    that level, `unchecked-hash`: the interpreter uses it as shipped
    (falcoctl does not keep file times, which a timestamp check compares) and, started with
    write_bytecode off, writes nothing next to the library. Compiled in a child with a fixed
    hash seed (set constants are written in hash order) and `shown_as` as the recorded
    source directory (the import system replaces it with the real path at load), so the
    bytes depend on neither the build directory nor the run."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-o",
            "2",
            "--invalidation-mode",
            "unchecked-hash",
            "-d",
            shown_as,
            str(root),
        ],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"compileall failed: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def assemble(stage: Path) -> dict[str, Path]:
    """The bundle's directory tree in `stage` (emptied first); returns the sources of the
    fallback libraries copied."""
    from k8smeta.plugin.abi.build import build

    shutil.rmtree(stage, ignore_errors=True)
    home = stage / BUNDLE_DIR
    with _no_build_rpath():
        build(stage, bundle_dir=BUNDLE_DIR)
    pylib = home / "lib" / PYVER
    copy_stdlib(pylib)
    copy_site_packages(pylib / "site-packages")
    libraries = copy_libraries(home)  # after the extension modules: it copies what they need
    compile_bytecode(pylib, pylib.relative_to(stage).as_posix())
    return libraries


def write_sbom(stage: Path, libraries: dict[str, Path], epoch: int) -> str:
    """The SBOM of the tree in `stage`, written into it as SBOM_NAME; returns its text."""
    from k8smeta.plugin.abi.bundle_inventory import Inventory, plugin_info
    from k8smeta.plugin.abi.bundle_sbom import render

    info = plugin_info(stage / "libk8smeta.so")
    inventory = Inventory(BUNDLE_DIR, libraries, info, SBOM_NAME)
    files = [p.relative_to(stage).as_posix() for p in walk(stage) if p.is_file()]
    parts = inventory.assign(sorted({*files, SBOM_NAME}))
    text = render(parts, "k8smeta-plugin", k8smeta.__version__, oci_platform(), epoch)
    (stage / SBOM_NAME).write_text(text)
    return text


@contextmanager
def _no_build_rpath() -> Iterator[None]:
    """Link without the rpath flags some Pythons (pyenv's) put into LDSHARED: the bundle's
    library must find libpython through `$ORIGIN` alone, never at the build machine's path."""
    saved = {key: os.environ.get(key) for key in ("LDSHARED", "LDFLAGS")}
    flags = str(sysconfig.get_config_var("LDSHARED")).split()
    os.environ["LDSHARED"] = " ".join(f for f in flags if not f.startswith("-Wl,-rpath"))
    os.environ.pop("LDFLAGS", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def make_bundle(dist: Path, stage: Path) -> Path:
    """Assemble the bundle in `stage`; write its tarball, its SBOM and SHA256SUMS into
    `dist`; returns the tarball."""
    epoch = source_date_epoch(Path(k8smeta.__file__).parent)
    libraries = assemble(stage)
    text = write_sbom(stage, libraries, epoch)
    tarball = write_tarball(stage, dist / artifact_name(), epoch)
    sbom = sbom_name(tarball)
    sbom.write_text(text)
    write_sha256sums(dist, [tarball, sbom])
    return tarball


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m k8smeta.plugin.abi.bundle [dist-dir] [stage-dir]`."""
    args = sys.argv[1:] if argv is None else argv
    dist = Path(args[0]) if args else Path("dist")
    stage = Path(args[1]) if len(args) > 1 else Path("build") / "bundle"
    tarball = make_bundle(dist, stage)
    size = tarball.stat().st_size / 1e6
    print(f"{tarball} ({size:.1f} MB, sha256 {sha256_file(tarball)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
