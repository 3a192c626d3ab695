"""diff_stores: replace semantics as a property (applying the diff to old gives new)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from k8smeta.collector.kube.diff import diff_stores
from k8smeta.collector.model import ChangeType, Kind, KubeObject, ObjectMeta, Uid

uids = st.sampled_from([Uid(f"uid-{i}") for i in range(8)])
labels = st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]), max_size=2)
versions = st.sampled_from(["1", "2"])


def obj(uid: Uid, label_set: dict[str, str], rv: str) -> KubeObject:
    return KubeObject(
        Kind.POD, ObjectMeta(uid, str(uid), "ns", labels=label_set, resource_version=rv)
    )


stores = st.dictionaries(uids, st.tuples(labels, versions)).map(
    lambda d: {uid: obj(uid, *value) for uid, value in d.items()}
)


@given(stores, stores)
def test_applying_the_diff_to_old_gives_new(
    old: dict[Uid, KubeObject], new: dict[Uid, KubeObject]
) -> None:
    changes = diff_stores(old, new)
    result = dict(old)
    for change in changes:
        if change.type is ChangeType.DELETED:
            assert result.pop(change.obj.uid) == old[change.obj.uid]
        else:
            result[change.obj.uid] = change.obj
    assert result.keys() == new.keys()
    assert all(result[u].same_content(new[u]) for u in new)
    types = [c.type for c in changes]
    assert types == sorted(types, key=lambda t: t is not ChangeType.DELETED)
    for change in changes:
        if change.type is ChangeType.MODIFIED:
            assert not old[change.obj.uid].same_content(new[change.obj.uid])
    assert len(changes) == len({c.obj.uid for c in changes})
