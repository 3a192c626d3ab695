"""The fields beyond upstream in the core: extraction stays a look-up (no scan, no JSON, the
same objects), absences are reasons, and the store's own node follows Node changes."""

from __future__ import annotations

import json

import orjson
import pytest

from k8smeta.plugin.core.absence import AbsenceReason, Absent
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.errors import ConfigError, PayloadError
from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS
from k8smeta.plugin.core.payload import decode_payload
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.values import Extracted
from k8smeta.plugin.feed import event_payload
from k8smeta.wire import metadata_pb2
from tests.plugin.behaviour.cluster import CLUSTER, NODE, POD_BARE, POD_CRON, POD_WEB, delete, event
from tests.plugin.core.test_plugin import NoScanDict

CONFIG = {"collectorHostname": "h", "collectorPort": 1, "nodeName": NODE}
NEW_FIELD_IDS = range(25, len(FIELDS))


def make_core(**changes: object) -> PluginCore:
    core = PluginCore(parse_config(json.dumps(CONFIG | changes), {}))
    for message in CLUSTER:
        core.parse_async("k8s", event_payload(message))
    return core


@pytest.fixture
def core() -> PluginCore:
    return make_core(podAnnotations=["team"])


def all_values(core: PluginCore, pod: str, evtnum: int) -> list[object]:
    return [core.extract(pod, evtnum, i, "app") for i in range(len(FIELDS))]


@pytest.mark.parametrize("pod", [POD_CRON, POD_WEB, POD_BARE])
def test_extraction_is_a_look_up(core: PluginCore, pod: str) -> None:
    """No table scanned or copied, no JSON decoded, the same objects every time."""
    expected = all_values(core, pod, 1)
    store = core.store
    for kind in list(store.tables):
        store.tables[kind] = NoScanDict(store.tables[kind])  # type: ignore[assignment]
    store.pods = store.tables["Pod"]
    store.service_views = NoScanDict(store.service_views)  # type: ignore[assignment]
    values = all_values(core, pod, 2)
    assert values == expected
    assert all(a is b for a, b in zip(values, expected, strict=True))
    assert any(values[i] is not None for i in NEW_FIELD_IDS)


def test_updates_with_equal_values_keep_the_objects(core: PluginCore) -> None:
    before = all_values(core, POD_CRON, 1)
    for message in CLUSTER:  # the whole cluster again, as after a reconnect
        message.reason = "Update"
        core.parse_async("k8s", event_payload(message))
        message.reason = "Create"
    after = all_values(core, POD_CRON, 2)
    assert all(a is b for a, b in zip(after, before, strict=True))


@pytest.mark.parametrize(
    ("pod", "field", "reason"),
    [
        (POD_BARE, "k8smeta.ds.name", AbsenceReason.NOT_COUNTED),  # refs name no DaemonSet
        ("no-such-pod", "k8smeta.pod.name", AbsenceReason.UNKNOWN_POD),
    ],
)
def test_an_extraction_without_value_returns_its_reason(
    core: PluginCore, pod: str, field: str, reason: AbsenceReason
) -> None:
    assert core.extract(pod, 1, FIELD_IDS[field], None) == Absent(reason)
    value = core.extract(POD_CRON, 1, FIELD_IDS["k8smeta.cronjob.name"], None)
    assert isinstance(value, Extracted)  # a value, after an absence: no reason left over


def test_unknown_owner_reason(core: PluginCore) -> None:
    core.parse_async("k8s", event_payload(delete("CronJob", "cj-1")))
    answer = core.extract(POD_CRON, 1, FIELD_IDS["k8smeta.workload.name"], None)
    assert answer == Absent(AbsenceReason.UNKNOWN_OWNER)
    assert core.metrics.extract_unknown_owner == 1


def test_a_controller_kind_the_store_does_not_keep(core: PluginCore) -> None:
    """A CRD owner: its kind verbatim, no name (the collector never sends it)."""
    refs = {"Namespace": ["ns-1"], "Service": ["svc-1"], "Rollout": ["ro-1"]}
    core.parse_async("k8s", event_payload(event("Pod", POD_BARE, "p", refs=refs)))
    kind = core.extract(POD_BARE, 1, FIELD_IDS["k8smeta.workload.kind"], None)
    assert isinstance(kind, Extracted)
    assert kind.strings == (b"Rollout",)
    answer = core.extract(POD_BARE, 1, FIELD_IDS["k8smeta.workload.name"], None)
    assert answer == Absent(AbsenceReason.UNKNOWN_OWNER)


def own_node(core: PluginCore) -> str | None:
    node = core.store.own_node
    return None if node is None else node.key


def test_own_node_follows_node_changes(core: PluginCore) -> None:
    assert own_node(core) == "node-1"

    def send(message: metadata_pb2.Event) -> None:
        core.parse_async("k8s", event_payload(message))

    send(event("Node", "node-2", NODE, namespace=None))  # a second record of that name
    assert own_node(core) == "node-2"
    send(delete("Node", "node-2"))
    assert own_node(core) == "node-1"
    send(event("Node", "node-1", "renamed", namespace=None, reason="Update"))
    assert own_node(core) is None
    send(event("Node", "node-9", "elsewhere", namespace=None))
    assert own_node(core) is None


def test_annotations_other_than_the_listed_keys_are_dropped(core: PluginCore) -> None:
    pod = core.store.pods[POD_BARE]
    assert {key: v.strings for key, v in pod.annotations.items()} == {"team": (b"payments",)}
    assert "secret" in (pod.payload.meta or "")  # dump_state still replays what was received


def test_no_annotation_is_kept_by_default() -> None:
    assert make_core().store.pods[POD_BARE].annotations == {}


@pytest.mark.parametrize(
    ("annotations", "error"),
    [
        ('"x"', "'meta.annotations' must be an object, not string"),
        ('{"a":1}', "annotation 'a' must be a string, not integer"),
    ],
)
def test_invalid_annotations_are_rejected(annotations: str, error: str) -> None:
    meta = f'{{"name":"p","uid":"u","annotations":{annotations}}}'
    data = orjson.dumps({"reason": "Create", "uid": "u", "kind": "Pod", "meta": meta})
    with pytest.raises(PayloadError, match=error):
        decode_payload(data)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ('"team"', "key 'podAnnotations' must be of type array, not string"),
        ('["team", 1]', "items of key 'podAnnotations' must be of type string, not integer"),
    ],
)
def test_pod_annotations_config_is_a_list_of_strings(value: str, error: str) -> None:
    text = json.dumps(CONFIG)[:-1] + f', "podAnnotations": {value}}}'
    with pytest.raises(ConfigError, match=error):
        parse_config(text, {})


def test_pod_annotations_config() -> None:
    config = parse_config(json.dumps(CONFIG | {"podAnnotations": ["a", "b"]}), {})
    assert config.pod_annotations == ("a", "b")
    assert parse_config(json.dumps(CONFIG), {}).pod_annotations == ()
