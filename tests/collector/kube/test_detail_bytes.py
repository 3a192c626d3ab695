"""What the collector serves of a pod, with and without the pod-details opt-in, stays
byte-identical however the decoders build the details: the digests of the encoded bodies
of a fixed set of generated pods (`detail_pods`) were recorded once and are compared here,
on the typed path (watch line and list page) and on the general path.

Regenerate (only for a deliberate change of what is served):
`.venv/bin/python -m tests.collector.kube.test_detail_bytes --write`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from k8smeta.collector.kube.decode import KindDecoder
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import Kind, KubeObject, Uid
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views.size import SizeLimit
from tests.collector.kube import detail_pods

GOLDEN = Path(__file__).with_name("pod_details_golden.json")
REFS = (("ReplicaSet", (Uid("0d7c6a8e-1b2c-4d5e-8f90-a1b2c3d4e5f6"),)),)
ENCODER = EventEncoder()


def served(obj: KubeObject) -> dict[str, Any]:
    """Digests of the plain and detailed bodies, the payload sizes, and the size limit's
    verdict (whose bound counts the details)."""
    detailed = ENCODER.detailed_body(obj, REFS)
    fitted = SizeLimit(ENCODER, limit=16_384).fit(obj)
    return {
        "plain": hashlib.sha256(ENCODER.body(obj, REFS)).hexdigest(),
        "detailed": None if detailed is None else hashlib.sha256(detailed).hexdigest(),
        "sizes": [ENCODER.payload_size(obj, REFS, detailed=flag) for flag in (False, True)],
        "fit": str(fitted.action),
        "fit_detailed": fitted.obj is not None and fitted.obj.details == obj.details,
    }


def record(pod: dict[str, Any]) -> dict[str, Any]:
    return served(trim(Kind.POD, pod))


PODS = detail_pods.pods()


def test_the_set_covers_the_cases() -> None:
    decoded = [trim(Kind.POD, pod) for pod in PODS]
    containers = [c for obj in decoded for c in obj.details.containers]
    assert len(PODS) == len(json.loads(GOLDEN.read_text()))
    assert sum(obj.details.containers == () for obj in decoded) >= 5
    assert {c.type for c in containers} == {"container", "init", "ephemeral"}
    assert any(c.image == "" and c.container_id for c in containers)
    assert any(len(obj.details.pod_ips) == 2 for obj in decoded)
    assert any(obj.details.containers and not obj.details.pod_ips for obj in decoded)


@pytest.mark.parametrize("number", range(len(PODS)))
def test_served_bytes_are_unchanged(number: int) -> None:
    pod = PODS[number]
    golden = json.loads(GOLDEN.read_text())[number]
    decoder = KindDecoder(KINDS[Kind.POD])
    event = decoder.event(orjson.dumps({"type": "MODIFIED", "object": pod}))
    page = decoder.page(orjson.dumps({"metadata": {"resourceVersion": "1"}, "items": [pod]}))
    assert event.obj is not None
    assert served(event.obj) == golden
    assert served(page.objects[0]) == golden
    assert record(pod) == golden


def main() -> None:
    if sys.argv[1:] != ["--write"]:
        raise SystemExit(__doc__)
    GOLDEN.write_text(json.dumps([record(pod) for pod in PODS], indent=0) + "\n")


if __name__ == "__main__":
    main()
