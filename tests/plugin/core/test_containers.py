"""The container and security-context fields in the core: strict decoding of the pod
details, image parts as Falco's `container.*` fields give them, extraction by the thread's
container ID as a look-up that reuses its objects, absences with their reasons."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from k8smeta.plugin.core.absence import AbsenceReason, Absent
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.container_records import image_digest, split_image
from k8smeta.plugin.core.errors import PayloadError
from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS
from k8smeta.plugin.core.payload import MAX_ENTRIES, decode_payload
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.values import Extracted
from k8smeta.plugin.feed import event_payload
from tests.plugin.behaviour.cluster import CLUSTER, NODE, POD_WEB
from tests.plugin.behaviour.test_containers import APP, SIDECAR, detailed_web
from tests.plugin.core.test_plugin import NoScanDict

CONFIG = {"collectorHostname": "h", "collectorPort": 1, "nodeName": NODE}
CONTAINER_FIELDS = [i for i, f in enumerate(FIELDS) if f.of_container is not None]


@pytest.fixture
def core() -> PluginCore:
    core = PluginCore(parse_config(json.dumps(CONFIG), {}))
    for message in (*CLUSTER, detailed_web()):
        core.parse_async("k8s", event_payload(message))
    return core


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("nginx", ("nginx", "", "")),
        ("nginx:1.27", ("nginx", "1.27", "")),
        ("docker.io/library/nginx:1.27", ("docker.io/library/nginx", "1.27", "")),
        ("registry:5000/team/app", ("registry:5000/team/app", "", "")),
        ("registry:5000/team/app:v2", ("registry:5000/team/app", "v2", "")),
        ("app@sha256:ab", ("app", "", "sha256:ab")),
        ("app:1@sha256:ab", ("app", "1", "sha256:ab")),
        ("", ("", "", "")),
    ],
)
def test_split_image(image: str, parts: tuple[str, str, str]) -> None:
    assert split_image(image) == parts


@pytest.mark.parametrize(
    ("image_id", "image", "digest"),
    [
        ("docker.io/library/nginx@sha256:aa", "nginx:1", "sha256:aa"),
        ("docker-pullable://nginx@sha256:aa", "nginx:1", "sha256:aa"),
        ("sha256:bb", "nginx", "sha256:bb"),
        ("", "nginx@sha256:cc", "sha256:cc"),
        ("", "nginx:1", ""),
    ],
)
def test_image_digest(image_id: str, image: str, digest: str) -> None:
    assert image_digest(image_id, image) == digest


def test_extraction_is_a_look_up_that_reuses_objects(core: PluginCore) -> None:
    first = [core.extract(POD_WEB, 1, i, None, APP) for i in CONTAINER_FIELDS]
    store = core.store
    store.tables["Pod"] = store.pods = NoScanDict(store.pods)  # type: ignore[assignment]
    again = [core.extract(POD_WEB, 2, i, None, APP) for i in CONTAINER_FIELDS]
    assert all(a is b for a, b in zip(first, again, strict=True))
    update = detailed_web()
    update.reason = "Update"
    core.parse_async("k8s", event_payload(update))  # the same content: the same values
    after = [core.extract(POD_WEB, 3, i, None, APP) for i in CONTAINER_FIELDS]
    assert all(a is b for a, b in zip(first, after, strict=True))


def test_absence_reasons(core: PluginCore) -> None:
    name = FIELD_IDS["k8smeta.container.name"]
    assert core.extract(POD_WEB, 1, name, None, "") == Absent(AbsenceReason.NO_CONTAINER_ID)
    unknown = core.extract(POD_WEB, 1, name, None, "f" * 64)
    assert unknown == Absent(AbsenceReason.UNKNOWN_CONTAINER)
    value = core.extract(POD_WEB, 1, name, None, SIDECAR)
    assert isinstance(value, Extracted)
    assert value.strings == (b"sidecar",)
    assert (core.metrics.extract_no_container_id, core.metrics.extract_unknown_container) == (1, 1)


def _web(spec: Any = None, status: Any = None) -> bytes:
    message = detailed_web()
    if spec is not None:
        message.spec = orjson.dumps(spec).decode()
    if status is not None:
        message.status = orjson.dumps(status).decode()
    return event_payload(message)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (_web(spec={"hostNetwork": "yes"}), "'spec.hostNetwork' must be a boolean"),
        (_web(spec={"containers": {}}), "'spec.containers' must be an array"),
        (_web(spec={"containers": [1]}), "'spec.containers' holds integer, not objects"),
        (
            _web(spec={"containers": [{"name": "a", "securityContext": {"privileged": 1}}]}),
            "'spec.containers.securityContext.privileged' must be a boolean",
        ),
        (_web(status={"podIPs": [{"ip": 7}]}), "'status.podIPs.ip' must be a string"),
        (
            _web(spec={"containers": [{"name": "c"}] * (MAX_ENTRIES + 1)}),
            f"more than {MAX_ENTRIES}",
        ),
        (
            _web(status={"containerStatuses": [{"name": "a", "containerID": "x" * 70000}]}),
            "longer than",
        ),
    ],
)
def test_odd_details_reject_the_payload(data: bytes, error: str) -> None:
    with pytest.raises(PayloadError, match=error):
        decode_payload(data)


def test_a_spec_that_is_not_an_object_means_no_details() -> None:
    """Any JSON was accepted in `spec` before details existed: still so, and ignored."""
    message = detailed_web()
    message.spec = "[1, 2]"
    assert decode_payload(event_payload(message)).details is None
