"""The control plane's binaries: built once per machine by build.sh into a cache by version."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE / "build.sh"
CACHE = Path(os.environ.get("K8SMETA_CACHE", Path.home() / ".cache" / "k8smeta"))
COMPONENTS = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "kube-apiserver": "k8s.io/kubernetes",
    "kube-controller-manager": "k8s.io/kubernetes",
}


class NoGoError(Exception):
    """Go is not installed, so the binaries cannot be built here."""


def pinned(module: str) -> str:
    """The version go.mod pins `module` at."""
    for line in (HERE / "go.mod").read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == module and words[1].startswith("v"):
            return words[1]
    raise LookupError(f"{module} is not pinned in {HERE / 'go.mod'}")


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    apiserver: Path
    controller_manager: Path


def path_of(component: str) -> Path:
    return CACHE / f"{component}-{pinned(COMPONENTS[component])}" / component


def missing() -> list[str]:
    return [name for name in COMPONENTS if not os.access(path_of(name), os.X_OK)]


def ensure() -> Binaries:
    """The cached binaries; builds the missing ones first (tens of minutes on 2 cores, once
    per machine; progress on stderr). Raises NoGoError where Go is not installed."""
    if missing():
        if shutil.which("go") is None:
            raise NoGoError(f"go is not installed: cannot build {', '.join(missing())} ({BUILD})")
        print(f"building {', '.join(missing())} with {BUILD} (once per machine)", file=sys.stderr)
        subprocess.run(["bash", str(BUILD)], check=True, stdout=subprocess.DEVNULL)
    return Binaries(path_of("etcd"), path_of("kube-apiserver"), path_of("kube-controller-manager"))
