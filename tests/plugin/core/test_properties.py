"""Property tests: random payloads only ever raise PayloadError and never change the store."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.errors import PayloadError
from k8smeta.plugin.core.plugin import PluginCore
from tests.conftest import load_collector_stream

CONFIG = '{"collectorHostname":"h","collectorPort":1,"nodeName":"n"}'
KINDS = ["Pod", "Namespace", "Service", "Deployment", "DeamonSet", "", "ReplicaSet"]
REASONS = ["Create", "Update", "Delete", "Sync", "Patch", ""]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
maybe_json_text = json_values.map(json.dumps) | st.text(max_size=20)
labels = st.dictionaries(st.text(max_size=6), st.text(max_size=6) | json_values, max_size=4)
meta = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=8) | json_values,
        "namespace": st.text(max_size=8),
        "labels": labels | json_values,
    },
).map(json.dumps)
refs = st.fixed_dictionaries(
    {},
    optional={
        "resources": st.dictionaries(
            st.sampled_from(KINDS),
            st.fixed_dictionaries(
                {}, optional={"list": st.lists(st.text(max_size=4)) | json_values}
            )
            | json_values,
            max_size=3,
        )
        | json_values
    },
)
events = st.fixed_dictionaries(
    {},
    optional={
        "reason": st.sampled_from(REASONS) | json_values,
        "uid": st.sampled_from(["", "u1", "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"]) | json_values,
        "kind": st.sampled_from(KINDS) | json_values,
        "meta": meta | maybe_json_text | json_values,
        "status": st.just('{"podIP":"1.2.3.4"}') | maybe_json_text | json_values,
        "spec": maybe_json_text,
        "refs": refs | json_values,
    },
)
payload_bytes = events.map(lambda e: orjson.dumps(e) + b"\0") | st.binary(max_size=64)


def snapshot(core: PluginCore) -> list[bytes]:
    return core.dump_payloads()


@pytest.fixture(scope="module")
def stream() -> list[dict[str, Any]]:
    return load_collector_stream()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=payload_bytes)
def test_random_payloads(stream: list[dict[str, Any]], data: bytes) -> None:
    core = PluginCore(parse_config(CONFIG, {}))
    for event in stream[:12]:
        core.parse_async("k8s", orjson.dumps(event))
    before = snapshot(core)
    try:
        core.parse_async("k8s", data)
    except PayloadError:
        assert snapshot(core) == before
        assert core.metrics.parse_errors == 1
    else:
        assert core.metrics.parse_errors == 0
