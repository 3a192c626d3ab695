"""Pod UID from a cgroup path, with upstream's fixed-length pattern (docs/plugin-contract.md,
"Cgroups")."""

from __future__ import annotations

import re

# Upstream's RE2 pattern, matched anywhere in the path (RE2 PartialMatch == re.search).
_POD_UID = re.compile(
    r"pod[a-z0-9]{8}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{12}"
)
_PREFIX_LEN = len("pod")


def pod_uid_from_cgroup(path: str) -> str:
    """The pod UID in `path` (without `pod`, `_` turned into `-`), or "" when none."""
    match = _POD_UID.search(path)
    if match is None:
        return ""
    return match.group()[_PREFIX_LEN:].replace("_", "-")
