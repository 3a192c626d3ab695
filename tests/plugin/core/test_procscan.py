"""The hostProc scan of hosts without the cgroups sub-table, on a fake proc tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from k8smeta.plugin.core.procscan import (
    ids_of_cgroup_file,
    pod_uid_of_cgroup_file,
    scan_pod_uids,
)

UID = "05869489-8c7f-45dc-9abd-1b1620787bb1"
V1 = f"12:cpuset:/kubepods/besteffort/pod{UID}/691e0ffb\n11:memory:/kubepods/besteffort\n"
CID = "691e0ffb65010b2b611f3a15b7f76c48466192e673e156f38bd2f8e25acd6bbc"
V2 = (
    "0::/kubepods.slice/kubepods-besteffort-pod0f90f31c_ebeb_4192_a2b0_92e076c43817.slice/"
    f"cri-containerd-{CID}.scope\n"
)


def _thread(root: Path, pid: int, tid: int, text: str) -> None:
    task = root / "proc" / str(pid) / "task" / str(tid)
    task.mkdir(parents=True)
    (task / "cgroup").write_text(text)


@pytest.mark.parametrize(
    ("text", "uid"),
    [
        (V1, UID),
        (V2, "0f90f31c-ebeb-4192-a2b0-92e076c43817"),
        ("1:name=systemd:/user.slice\n0::/user.slice\n", ""),
        (f"garbage\n3:cpu:/pod{UID}\n", UID),  # a later line matches
        ("", ""),
    ],
)
def test_cgroup_file_lines(text: str, uid: str) -> None:
    assert pod_uid_of_cgroup_file(text) == uid


def test_the_container_id_comes_from_the_pod_uid_line() -> None:
    text = f"2:cpu:/docker/{CID}\n1:memory:/kubepods/pod{UID}/{CID}\n"
    assert ids_of_cgroup_file(text) == (UID, CID)


def test_scan_finds_every_thread_of_pods(tmp_path: Path) -> None:
    _thread(tmp_path, 10, 10, V1)
    _thread(tmp_path, 10, 11, V1)
    _thread(tmp_path, 20, 20, V2)
    _thread(tmp_path, 30, 30, "0::/user.slice\n")
    (tmp_path / "proc" / "self").mkdir()  # not numeric: skipped
    (tmp_path / "proc" / "40").mkdir()  # no task directory
    assert scan_pod_uids(str(tmp_path)) == {
        10: (UID, ""),
        11: (UID, ""),
        20: ("0f90f31c-ebeb-4192-a2b0-92e076c43817", CID),
    }


def test_missing_host_proc_is_an_empty_scan(tmp_path: Path) -> None:
    assert scan_pod_uids(str(tmp_path / "absent")) == {}


def test_threads_vanishing_during_the_scan_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process exits between listing /proc and reading its tasks or its cgroup file."""
    for pid in (1, 2, 3):
        _thread(tmp_path, pid, pid, V1)
    real_scandir = os.scandir

    def vanishing(path: str) -> object:
        if path.endswith("/proc"):
            entries = real_scandir(path)
            # pid 2 exits after /proc was listed; pid 3 loses its cgroup file
            os.remove(tmp_path / "proc" / "3" / "task" / "3" / "cgroup")
            for child in (tmp_path / "proc" / "2" / "task" / "2").iterdir():
                child.unlink()
            (tmp_path / "proc" / "2" / "task" / "2").rmdir()
            (tmp_path / "proc" / "2" / "task").rmdir()
            return entries
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", vanishing)
    assert scan_pod_uids(str(tmp_path)) == {1: (UID, "")}
