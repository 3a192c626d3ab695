"""The FIELDS table and the `get_fields` JSON (golden file, byte for byte)."""

from __future__ import annotations

import json
from pathlib import Path

from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS, Arg, fields_json

GOLDEN = Path(__file__).parent / "golden" / "fields.json"
#: Upstream's 25 fields as upstream's plugin serializes them (ids 0-24).
UPSTREAM = Path(__file__).parent / "golden" / "upstream_fields.json"
UPSTREAM_COUNT = 25
NEW_FIELDS = [
    *(
        f"k8smeta.{family}.{part}"
        for family in ("ds", "sts", "job", "cronjob")
        for part in ("name", "uid", "label", "labels")
    ),
    "k8smeta.node.name",
    "k8smeta.node.label",
    "k8smeta.node.labels",
    "k8smeta.workload.kind",
    "k8smeta.workload.name",
    "k8smeta.pod.annotation",
    *(
        f"k8smeta.container.{part}"
        for part in (
            "id",
            "full_id",
            "name",
            "image",
            "image.repository",
            "image.tag",
            "image.digest",
            "type",
            "privileged",
        )
    ),
    *(f"k8smeta.pod.{part}" for part in ("ips", "serviceaccount", "hostnetwork", "hostpid", "qos")),
]


def test_fields_json_matches_golden_bytes() -> None:
    assert fields_json().encode() == GOLDEN.read_bytes()


def test_the_list_only_grows_after_upstream_entries() -> None:
    """Upstream's entries are byte-identical and first: ours are appended."""
    upstream = UPSTREAM.read_bytes()
    assert upstream.endswith(b"]")
    assert fields_json().encode().startswith(upstream[:-1] + b",")
    assert [f.name for f in FIELDS[UPSTREAM_COUNT:]] == NEW_FIELDS


def test_fields_json_is_compact_and_sorted_at_every_level() -> None:
    text = fields_json()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def test_field_ids_are_positions() -> None:
    assert len(FIELDS) == UPSTREAM_COUNT + len(NEW_FIELDS)
    assert [FIELD_IDS[f.name] for f in FIELDS] == list(range(len(FIELDS)))


def test_only_pod_and_namespace_name_are_added_to_output() -> None:
    assert [f.name for f in FIELDS if f.add_output] == ["k8smeta.pod.name", "k8smeta.ns.name"]


def test_key_fields_are_the_label_fields() -> None:
    assert [f.name for f in FIELDS if f.arg is Arg.KEY] == [
        "k8smeta.pod.label",
        "k8smeta.ns.label",
        "k8smeta.deployment.label",
        "k8smeta.svc.label",
        "k8smeta.rs.label",
        "k8smeta.rc.label",
        "k8smeta.ds.label",
        "k8smeta.sts.label",
        "k8smeta.job.label",
        "k8smeta.cronjob.label",
        "k8smeta.node.label",
        "k8smeta.pod.annotation",
    ]


def test_list_fields() -> None:
    lists = {f.name for f in FIELDS if f.is_list}
    assert lists == {
        "k8smeta.pod.ips",
        "k8smeta.pod.labels",
        "k8smeta.ns.labels",
        "k8smeta.deployment.labels",
        "k8smeta.svc.name",
        "k8smeta.svc.uid",
        "k8smeta.svc.label",
        "k8smeta.svc.labels",
        "k8smeta.rs.labels",
        "k8smeta.rc.labels",
        "k8smeta.ds.labels",
        "k8smeta.sts.labels",
        "k8smeta.job.labels",
        "k8smeta.cronjob.labels",
        "k8smeta.node.labels",
    }


def test_upstream_typos_are_kept() -> None:
    entries = {e["name"]: e for e in json.loads(fields_json())}
    assert entries["k8smeta.deployment.label"]["desc"].endswith("'k8smeta.rs.label[foo]'.")
    assert entries["k8smeta.svc.label"]["desc"].endswith(
        "'(service1-label-value,service2-label-value)"
    )
