"""One set of size limits (`k8smeta.wire.limits`): whatever the collector serves, the plugin
stores. Objects are generated around every limit (label and annotation counts and sizes,
strings at 64 KiB in bytes, NUL and its escape, escape-heavy text that doubles in the
payload, refs of 4,096 services, owner kinds too long), run through the collector's pipeline,
views and stream filter, and every event served to the node is decoded and applied by the
plugin's own payload decoder and store: none is refused, and each object whose identity fits
is served with what fits of it."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from k8smeta.collector.broker import Broker
from k8smeta.collector.index import RelationshipIndex
from k8smeta.collector.model import (
    Batch,
    Change,
    ChangeType,
    Kind,
    KubeObject,
    NodeName,
    ObjectMeta,
    OwnerReference,
    Uid,
)
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.pipeline import Pipeline
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.rpc.servicer import too_large
from k8smeta.collector.views import ViewSet, WireEvent
from k8smeta.plugin.core.payload import decode_payload
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.feed.translate import event_payload
from k8smeta.wire import metadata_pb2
from k8smeta.wire.limits import MAX_ENTRIES, MAX_STRING_BYTES, string_fits
from tests.conftest import stored_meta

NODE = NodeName("node-a")
COUNTS = st.sampled_from([0, 1, MAX_ENTRIES - 1, MAX_ENTRIES, MAX_ENTRIES + 1])


def sized(size: int, char: str) -> str:
    """A string of exactly `size` UTF-8 bytes made of `char` (padded with "x")."""
    width = len(char.encode())
    return char * (size // width) + "x" * (size % width)


# Strings at the limits: exactly 64 KiB in bytes or one over (1-, 2-, 3- and 4-byte
# characters), a NUL or its escape spelt out, and text Go escapes to 6 bytes.
ODD_STRINGS = st.one_of(
    st.builds(sized, st.sampled_from([MAX_STRING_BYTES, MAX_STRING_BYTES + 1]),
              st.sampled_from(["a", "é", "€", "😀", "<"])),
    st.sampled_from(["a\0b", "a\\u0000b", "\\u0000", '"\\<>&\u2028', ""]),
    st.text(max_size=6),
)  # fmt: skip


@st.composite
def entries(draw: st.DrawFn, prefix: str) -> dict[str, str]:
    """Labels or annotations: a count around the limit, maybe one odd key or value, maybe
    every value escape-heavy (the payload then runs over 1 MiB)."""
    count = draw(COUNTS)
    heavy = draw(st.booleans()) and count > 1
    value = "<" * 300 if heavy else "v"
    result = {f"{prefix}{n:05}": value for n in range(count)}
    if draw(st.booleans()):
        odd = draw(ODD_STRINGS)
        key, val = (odd, "v") if draw(st.booleans()) else (f"{prefix}odd", odd)
        result[key] = val
    return result


class Cluster:
    """The generated objects (a plain class: its summary is its repr)."""

    def __init__(self, objects: tuple[KubeObject, ...]) -> None:
        self.objects = objects

    def by_uid(self) -> dict[str, KubeObject]:
        return {obj.uid: obj for obj in self.objects}

    def __repr__(self) -> str:
        """A summary (the objects themselves run to megabytes)."""

        def text(value: str) -> str:
            return (
                repr(value) if len(value) < 20 else f"<{len(value.encode())} bytes of {value[0]!r}>"
            )

        def entries(values: Mapping[str, str]) -> str:
            odd = [f"{text(k)}: {text(v)}" for k, v in values.items() if len(k) > 9 or v != "v"]
            return f"{len(values)} ({', '.join(odd[:3])})"

        parts = [
            f"{obj.kind.value} {text(obj.meta.name)} labels {entries(obj.meta.labels)}"
            f" annotations {entries(obj.meta.annotations)} generateName "
            f"{text(obj.meta.generate_name)} ip {obj.pod_ip!r} owners "
            f"{[text(ref.kind) for ref in obj.meta.owner_references]}"
            for obj in self.objects
            if obj.kind is not Kind.SERVICE
        ]
        services = sum(1 for obj in self.objects if obj.kind is Kind.SERVICE)
        return f"Cluster({'; '.join(parts)}; {services} services)"


def meta(uid: str, name: str, namespace: str = "", **more: object) -> ObjectMeta:
    return ObjectMeta(Uid(uid), name, namespace, **more)  # type: ignore[arg-type]


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    namespace = KubeObject(Kind.NAMESPACE, meta("ns-1", "shop", labels=draw(entries("ns"))))
    node = KubeObject(Kind.NODE, meta("node-1", NODE, labels=draw(entries("node"))))
    owner_kind = draw(
        st.sampled_from(["ReplicaSet", "DaemonSet", sized(MAX_STRING_BYTES + 1, "k")])
    )
    pod_name = draw(st.one_of(st.just("web"), ODD_STRINGS.filter(bool)))
    pod = KubeObject(
        Kind.POD,
        meta(
            "pod-1",
            pod_name,
            "shop",
            labels={"app": "web", **draw(entries("pod"))},
            annotations=draw(entries("ann")),
            generate_name=draw(st.sampled_from(["web-", "a\0", sized(MAX_STRING_BYTES + 1, "g")])),
            owner_references=(OwnerReference(owner_kind, "owner", Uid("owner-1"), True),),
        ),
        node_name=NODE,
        pod_ip=draw(st.sampled_from(["10.0.0.1", "", "\0"])),
    )
    services = tuple(
        KubeObject(Kind.SERVICE, meta(f"svc-{n:05}", f"s{n}", "shop"), selector={"app": "web"})
        for n in range(draw(st.sampled_from([0, 1, MAX_ENTRIES, MAX_ENTRIES + 1])))
    )
    return Cluster((namespace, node, pod, *services))


def served(cluster: Cluster) -> list[WireEvent]:
    """What the collector writes to a new Watch stream of NODE: the pipeline applies the
    objects (fitting each), the node's snapshot is taken, the stream's filter applied."""
    metrics = CollectorMetrics(CollectorRegistry())
    index = RelationshipIndex()
    views = ViewSet(index, EventEncoder())
    broker = Broker(views, EventEncoder().sync(), metrics)
    pipeline = Pipeline(index, views, broker, metrics)
    pipeline.process(Batch(tuple(Change(ChangeType.ADDED, obj) for obj in cluster.objects)))
    views.open(NODE)  # what a new subscriber's snapshot is made of
    return [event for event in views.snapshot(NODE) if not too_large(event.data)]


def fits(obj: KubeObject) -> bool:
    return all(string_fits(text) for text in (obj.meta.uid, obj.meta.name, obj.meta.namespace))


def subset(small: Mapping[str, str], large: Mapping[str, str]) -> bool:
    return all(large.get(key) == value for key, value in small.items())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(clusters())
def test_whatever_the_collector_serves_the_plugin_stores(cluster: Cluster) -> None:
    events = served(cluster)
    store = Store(NODE, annotation_keys=[f"ann{n:05}" for n in range(MAX_ENTRIES + 2)])
    for event in events:
        payload = decode_payload(event_payload(metadata_pb2.Event.FromString(event.data)))
        store.apply(payload)  # a PayloadError here: the plugin refused what was served
    originals = cluster.by_uid()
    stored = {record.key: record for kind in store.tables for record in store.records(kind)}
    assert set(stored) == {event.uid for event in events}
    for uid, record in stored.items():
        original = originals[uid]
        assert subset(stored_meta(record).get("labels", {}), original.meta.labels)
        assert subset(stored_meta(record).get("annotations", {}), original.meta.annotations)
    # Nothing good lost: the node, and a pod whose identity fits with its namespace and the
    # Services selecting it (as far as its labels were served) are served.
    assert "node-1" in stored
    assert ("pod-1" in stored) == ("ns-1" in stored) == fits(originals["pod-1"])
    if "pod-1" in stored:
        pod = stored["pod-1"]
        selecting = sum(1 for obj in cluster.objects if obj.kind is Kind.SERVICE)
        web = stored_meta(pod).get("labels", {}).get("app") == "web"
        expected = min(selecting, MAX_ENTRIES) if web else 0
        assert len(pod.service_uids) == expected
