"""What goes into the plugin bundle: declarative tables and the predicates that apply them.

The plugin runs `k8smeta.plugin` and `k8smeta.wire` on grpclib (h2, hpack, hyperframe,
multidict), protobuf and orjson, through cffi's `_cffi_backend`; its TLS, and the check of
the mutual-TLS files, are the standard `ssl` module's, on OpenSSL 3 (the machine's libssl,
or the bundle's fallback copy). Everything else the build machine's
Python has is left out: test suites, GUI and terminal toolkits, installers, build
configuration, databases, the collector and its dependencies. Extension modules that need a
shared library beyond glibc and the fallback libraries are left out too; the plugin imports
none of them (the bundle test runs every plugin path in a root file system without them).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Final

#: Distributions whose files the plugin imports at run time.
PLUGIN_DISTRIBUTIONS: Final = (
    "grpclib",
    "h2",
    "hpack",
    "hyperframe",
    "multidict",
    "protobuf",
    "orjson",
    "cffi",
)

#: Libraries bundled for machines that lack them, dependencies first (binascii, which
#: base64 and json need, needs libz; `_ssl` needs libssl and libcrypto). The library loads
#: them only when the machine's dynamic linker finds none (boot.c): a machine with OpenSSL 3
#: keeps its own, with its security updates.
FALLBACK_LIBRARIES: Final = ("libz.so.1", "libcrypto.so.3", "libssl.so.3")

#: Libraries every glibc system has (they are glibc).
GLIBC: Final = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "libutil.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
    }
)

#: Top-level entries of the standard library directory the plugin never imports.
STDLIB_LEFT_OUT: Final = frozenset(
    {
        "__pycache__",
        "site-packages",  # replaced by the plugin's own
        "test",
        "idlelib",
        "tkinter",
        "turtle.py",
        "turtledemo",
        "ensurepip",
        "venv",
        "lib2to3",
        "distutils",
        "pydoc.py",
        "pydoc_data",
        "unittest",
        "doctest.py",
        "sqlite3",
        "dbm",
        "curses",
        "ctypes",  # _ctypes needs libffi
        "xmlrpc",
        "wsgiref",
        "lib-dynload",  # filtered module by module
    }
)

#: Extension modules left out although they need only glibc: test and demo modules, and
#: modules for what the plugin never does (audio devices, NIS, shadow passwords).
EXTENSIONS_LEFT_OUT: Final = (
    "_test",
    "_xx",
    "xxlimited",
    "_ctypes_test",
    "audioop",
    "ossaudiodev",
    "spwd",
    "nis",
)

#: Parts of the k8smeta package the plugin never imports at run time.
K8SMETA_LEFT_OUT: Final = frozenset(
    {"collector", "falcosim", "tools", "demo", "cli.py", "__main__.py"}
)
#: The build tools themselves (they import cffi's compiler, setuptools, cyclonedx): build.py
#: and every bundle*.py of plugin/abi.
K8SMETA_BUILD_TOOLS: Final = frozenset({"build.py"})
K8SMETA_BUILD_TOOL_PREFIX: Final = "bundle"


def keep_stdlib_entry(name: str) -> bool:
    """Whether a top-level entry of the standard library goes into the bundle."""
    return name not in STDLIB_LEFT_OUT and not name.startswith("config-")


def keep_extension(name: str, needed: list[str]) -> bool:
    """Whether an extension module of lib-dynload goes into the bundle."""
    if name.startswith(EXTENSIONS_LEFT_OUT):
        return False
    return all(lib in GLIBC or lib in FALLBACK_LIBRARIES for lib in needed)


def keep_distribution_file(distribution: str, parts: tuple[str, ...]) -> bool:
    """Whether a file of an installed distribution (path parts relative to site-packages)
    goes into the bundle: sources, extension modules, data and licenses; no caches, stubs,
    C sources, test data or install records; of cffi only its C backend."""
    if distribution == "cffi":
        return parts[0].startswith("_cffi_backend") or parts[0].startswith("cffi.libs")
    name = parts[-1]
    if parts[0] == ".." or {"__pycache__", "testdata", "tests"} & set(parts):
        return False
    if name.endswith((".pyc", ".pyi", ".pxd", ".pxi", ".pyx", ".h", ".cc", ".c")):
        return False
    if parts[0].endswith(".dist-info"):
        return name in ("METADATA", "LICENSE") or "licenses" in parts or name.startswith("LICENSE")
    return True


def keep_k8smeta_file(parts: tuple[str, ...]) -> bool:
    """Whether a file of the k8smeta package (parts relative to it) goes into the bundle."""
    if parts[0] in K8SMETA_LEFT_OUT or "__pycache__" in parts:
        return False
    tool = parts[-1] in K8SMETA_BUILD_TOOLS or parts[-1].startswith(K8SMETA_BUILD_TOOL_PREFIX)
    if tool and parts[:-1] == ("plugin", "abi"):
        return False
    return parts[-1].endswith((".py", ".typed"))


def needed_libraries(path: Path) -> list[str]:
    """The DT_NEEDED entries of a shared object (`readelf -d`)."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True)
    return [
        line.split("[", 1)[1].split("]", 1)[0]
        for line in out.stdout.splitlines()
        if "(NEEDED)" in line
    ]
