"""Property: values derived incrementally equal values derived from the final state alone.

Random sequences of Create/Update/Delete of pods, services and owners (in any order, with
dangling references) are applied to one store; a second store receives only the surviving
records (via dump payloads). Every field of every pod must agree, so no view is stale.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from k8smeta.plugin.core.absence import Absent
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.fields import FIELDS, Arg
from k8smeta.plugin.core.plugin import PluginCore
from tests.plugin.core import events

CONFIG = '{"collectorHostname":"h","collectorPort":1,"nodeName":"n"}'
PODS = ["p1", "p2", "p3"]
SERVICES = ["s1", "s2", "s3"]
OWNERS = [("Namespace", "n1"), ("Namespace", "n2"), ("ReplicaSet", "r1")]
LABEL_KEYS = ["app", "tier"]

labels = st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(["a", "b", ""]), max_size=2)
names = st.none() | st.sampled_from(["x", "y"])
pod_ops = st.builds(
    lambda uid, services, ns, name, lab, reason: events.pod(
        uid,
        name=name,
        labels=lab,
        refs={"Service": services, "Namespace": ns, "ReplicaSet": ["r1"]},
        reason=reason,
    ),
    st.sampled_from(PODS),
    st.lists(st.sampled_from(SERVICES), max_size=3),
    st.lists(st.sampled_from(["n1", "n2"]), max_size=1),
    names,
    labels,
    st.sampled_from(["Create", "Update"]),
)
service_ops = st.builds(
    lambda uid, name, lab, reason: events.resource("Service", uid, name, lab, reason=reason),
    st.sampled_from(SERVICES),
    names,
    labels,
    st.sampled_from(["Create", "Update"]),
)
owner_ops = st.builds(
    lambda owner, name, lab: events.resource(owner[0], owner[1], name, lab),
    st.sampled_from(OWNERS),
    names,
    labels,
)
delete_ops = st.builds(
    lambda kind_uid: events.delete(*kind_uid),
    st.sampled_from([("Pod", p) for p in PODS] + [("Service", s) for s in SERVICES] + OWNERS),
)
operations = st.lists(st.one_of(pod_ops, service_ops, owner_ops, delete_ops), max_size=25)


def all_values(core: PluginCore) -> dict[tuple[str, str, str | None], tuple[bytes, ...] | None]:
    """Every field of every pod, through the production extraction (`PluginCore.extract`)."""
    values = {}
    for evtnum, pod in enumerate(PODS, start=1):
        for field_id, field in enumerate(FIELDS):
            for arg in LABEL_KEYS if field.arg is Arg.KEY else [None]:
                found = core.extract(pod, evtnum, field_id, arg)
                values[pod, field.name, arg] = None if isinstance(found, Absent) else found.strings
    return values


@settings(max_examples=100, deadline=None)
@given(ops=operations)
def test_incremental_equals_from_scratch(ops: list[bytes]) -> None:
    core = PluginCore(parse_config(CONFIG, {}))
    for data in ops:
        core.parse_async("k8s", data)
    fresh = PluginCore(parse_config(CONFIG, {}))
    for data in core.dump_payloads():
        fresh.parse_async("k8s", data)
    assert all_values(core) == all_values(fresh)
    assert set(core.store.service_views) == set(fresh.store.service_views)
