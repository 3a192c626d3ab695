"""Pod UIDs of the threads already running, from `<hostProc>/proc/<pid>/task/<tid>/cgroup`.

Used on hosts whose `threads` table has no `cgroups` sub-table (Falco 0.37-0.39,
docs/falco-versions.md). Each line is `hierarchy-id:controllers:path` (cgroup v1) or
`0::path` (v2); `cgroup.pod_uid_from_cgroup` is applied to every path and the first match
wins. Processes and threads may exit during
the scan: a directory or file that vanishes is skipped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from k8smeta.plugin.core.cgroup import pod_uid_from_cgroup

logger = logging.getLogger(__name__)


def _numeric_entries(directory: str) -> Iterator[int]:
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.isdigit():
                    yield int(entry.name)
    except OSError:  # vanished, or not a directory
        return


def pod_uid_of_cgroup_file(text: str) -> str:
    """The first pod UID among the paths of a `cgroup` file's lines ("" when none)."""
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            uid = pod_uid_from_cgroup(parts[2])
            if uid:
                return uid
    return ""


def scan_pod_uids(host_proc: str) -> dict[int, str]:
    """tid -> pod UID for every thread under `<host_proc>/proc` that belongs to a pod."""
    root = f"{host_proc}/proc"
    found: dict[int, str] = {}
    for pid in _numeric_entries(root):
        for tid in _numeric_entries(f"{root}/{pid}/task"):
            try:
                with open(f"{root}/{pid}/task/{tid}/cgroup", encoding="utf-8") as file:
                    text = file.read()
            except (OSError, UnicodeDecodeError):
                continue
            uid = pod_uid_of_cgroup_file(text)
            if uid:
                found[tid] = uid
    logger.debug("found %d threads of pods under '%s'", len(found), root)
    return found
