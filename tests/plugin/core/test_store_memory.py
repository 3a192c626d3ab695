"""What a store record holds: the values it serves and the raw parts `dump_state` replays,
nothing of its payload's decoded form, and one copy of what many records repeat."""

from __future__ import annotations

import gc
import tracemalloc

import orjson

from k8smeta.plugin.core.payload import decode_payload, encode_payload
from k8smeta.plugin.core.store import Store
from tests.plugin.core import events

RECORDS = 2000


def _namespace(i: int) -> bytes:
    labels = {"team": f"t{i}", "env": "prod", "tier": str(i % 3)}
    uid = f"00000001-0000-4000-8000-{i:012d}"
    return events.resource("Namespace", uid, f"ns-{i}", labels)


def test_records_share_the_label_values_they_repeat() -> None:
    store = Store()
    for i in range(3):
        store.apply(decode_payload(_namespace(i)))
    first, second, third = store.records("Namespace")
    assert first.labels["env"] is second.labels["env"] is third.labels["env"]
    assert first.labels["env"].strings == (b"prod",)
    assert first.labels["team"] is not second.labels["team"]
    assert list(first.labels) == list(second.labels)
    assert all(a is b for a, b in zip(first.labels, second.labels, strict=True))


def test_a_record_keeps_none_of_its_payloads_decoded_parts() -> None:
    store = Store(annotation_keys=("kept",))
    meta = {"name": "pod", "namespace": "default", "labels": {"app": "web"}}
    meta["annotations"] = {"kept": "1", "other": "2"}
    data = encode_payload(
        "Create",
        "p",
        "Pod",
        meta=orjson.dumps(meta).decode(),
        spec=orjson.dumps({"containers": [{"name": "c", "image": "i"}]}).decode(),
        status="{}",
        refs=(("Namespace", ("n",)),),
    )
    payload = decode_payload(data)
    store.apply(payload)
    (record,) = store.records("Pod")
    decoded = [payload, payload.labels, payload.annotations, payload.details]
    assert None not in decoded  # the pod has all three
    assert not any(ref is part for ref in gc.get_referents(record) for part in decoded)
    # The raw parts dump_state replays are there, the name as served.
    assert record.payload.meta == payload.meta
    assert record.payload.refs == payload.refs
    assert (record.payload.name, record.payload.namespace) == ("pod", "default")


def test_a_namespace_record_takes_under_1_9_kib() -> None:
    """2,000 namespaces with three labels (one distinct value each): the size the plugin
    host measures for its set-up objects (docs/benchmarks.md, "Plugin memory")."""
    payloads = [_namespace(i) for i in range(RECORDS)]
    store = Store()
    gc.collect()
    tracemalloc.start()
    try:
        for data in payloads:
            store.apply(decode_payload(data))
        gc.collect()
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.counts()["Namespace"] == RECORDS
    assert size / RECORDS < 1.9 * 1024, size / RECORDS
