"""Pod UIDs and container IDs of the threads already running, from
`<hostProc>/proc/<pid>/task/<tid>/cgroup`.

Used on hosts whose `threads` table has no `cgroups` sub-table (Falco 0.37-0.39,
docs/falco-versions.md). Each line is `hierarchy-id:controllers:path` (cgroup v1) or
`0::path` (v2); `cgroup.ids_from_cgroup` is applied to every path and the first path
with a pod UID wins (its container ID with it). Processes and threads may exit during
the scan: a directory or file that vanishes is skipped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from k8smeta.plugin.core.cgroup import ids_from_cgroup

logger = logging.getLogger(__name__)


def _numeric_entries(directory: str) -> Iterator[int]:
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.isdigit():
                    yield int(entry.name)
    except OSError:  # vanished, or not a directory
        return


def ids_of_cgroup_file(text: str) -> tuple[str, str]:
    """(pod UID, container ID) of the first path of a `cgroup` file's lines with a pod UID
    (("", "") when none)."""
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            ids = ids_from_cgroup(parts[2])
            if ids[0]:
                return ids
    return "", ""


def pod_uid_of_cgroup_file(text: str) -> str:
    """The first pod UID among the paths of a `cgroup` file's lines ("" when none)."""
    return ids_of_cgroup_file(text)[0]


def scan_pod_uids(host_proc: str) -> dict[int, tuple[str, str]]:
    """tid -> (pod UID, container ID) for every thread under `<host_proc>/proc` that
    belongs to a pod."""
    root = f"{host_proc}/proc"
    found: dict[int, tuple[str, str]] = {}
    for pid in _numeric_entries(root):
        for tid in _numeric_entries(f"{root}/{pid}/task"):
            try:
                with open(f"{root}/{pid}/task/{tid}/cgroup", encoding="utf-8") as file:
                    text = file.read()
            except (OSError, UnicodeDecodeError):
                continue
            ids = ids_of_cgroup_file(text)
            if ids[0]:
                found[tid] = ids
    logger.debug("found %d threads of pods under '%s'", len(found), root)
    return found
