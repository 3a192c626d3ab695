"""Replace semantics: the changes that turn one UID-keyed store into another (a relist)."""

from __future__ import annotations

from collections.abc import Mapping

from k8smeta.collector.model import Change, ChangeType, KubeObject, Uid


def diff_stores(old: Mapping[Uid, KubeObject], new: Mapping[Uid, KubeObject]) -> tuple[Change, ...]:
    """DELETED (carrying the last known object) for UIDs gone, then ADDED for new UIDs and
    MODIFIED for UIDs whose trimmed content changed; unchanged objects yield nothing.

    Deletes come first so that a name reused under a new UID leaves before it re-enters.
    """
    deleted = [Change(ChangeType.DELETED, obj) for uid, obj in old.items() if uid not in new]
    upserted: list[Change] = []
    for uid, obj in new.items():
        previous = old.get(uid)
        if previous is None:
            upserted.append(Change(ChangeType.ADDED, obj))
        elif not previous.same_content(obj):
            upserted.append(Change(ChangeType.MODIFIED, obj))
    return (*deleted, *upserted)
