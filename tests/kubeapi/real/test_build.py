"""build.sh's cache: a component already built for the pinned version is never rebuilt."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.kubeapi.real import binaries

FAKE_GO = """#!/bin/sh
echo "$@" >> "$GO_CALLS"
if [ "$1" = "env" ]; then echo go1.26.8; exit 0; fi
if [ "$1" = "build" ]; then
  while [ "$1" != "-o" ]; do shift; done
  printf '#!/bin/sh\\n' > "$2"; chmod +x "$2"; exit 0
fi
exit 1
"""


def run_build(tmp_path: Path) -> tuple[list[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(0o755)
    calls = tmp_path / "calls"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "K8SMETA_CACHE": str(tmp_path / "cache"), "GO_CALLS": str(calls)}  # fmt: skip
    done = subprocess.run(["bash", str(binaries.BUILD)], env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    built = [line.split()[0] for line in calls.read_text().splitlines()] if calls.exists() else []
    calls.unlink(missing_ok=True)
    return done.stdout.split(), built


def test_builds_each_component_once_per_version(tmp_path: Path) -> None:
    k8s, etcd = binaries.pinned("k8s.io/kubernetes"), binaries.pinned("go.etcd.io/etcd/server/v3")
    cache = tmp_path / "cache"
    dirs, calls = run_build(tmp_path)
    assert dirs == [str(cache / f"etcd-{etcd}"), str(cache / f"kube-apiserver-{k8s}"),
                    str(cache / f"kube-controller-manager-{k8s}")]  # fmt: skip
    assert calls.count("build") == 3
    record = (cache / f"kube-apiserver-{k8s}" / "build.txt").read_text()
    assert f"version={k8s}" in record
    assert "peak_rss_kib=" in record
    assert "wall_s=" in record
    # cached: nothing is built again
    assert run_build(tmp_path) == (dirs, [])
    # a component gone from the cache is built alone
    (cache / f"etcd-{etcd}" / "etcd").unlink()
    again, calls = run_build(tmp_path)
    assert again == dirs
    assert calls.count("build") == 1


def test_pins_one_kubernetes_release_for_every_staging_module() -> None:
    k8s = binaries.pinned("k8s.io/kubernetes")
    staging = "v0." + k8s.removeprefix("v1.")
    replaced = [line.split() for line in (binaries.HERE / "go.mod").read_text().splitlines()
                if "=>" in line]  # fmt: skip
    assert replaced
    assert all(words[0] == words[2] and words[3] == staging for words in replaced)
