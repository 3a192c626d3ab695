"""Run as a program (`python -m tests.plugin.core.fake_kind`): add a kind, `Widget`, the way
`k8smeta.plugin.core.kinds` says a kind is added (its name in the wire vocabulary, one
`KindSpec` row), before anything derives from the registries; then print, as JSON, what the
plugin makes of it: fields, extracted values, metrics, `dump_state`, the feed's Selector and
the lines of `k8smeta watch --explain` (through the CLI, against a gRPC server on 127.0.0.1).

A separate process, so that the patched registries never reach another test.
"""

from __future__ import annotations

import contextlib
import io
import json

from k8smeta.plugin.core import kinds
from k8smeta.wire import vocabulary

WIDGET = "Widget"
# The two edits adding a kind takes in the plugin, done before any derived table exists.
vocabulary.KINDS = (*vocabulary.KINDS[:-1], WIDGET, vocabulary.KINDS[-1])  # before Pod
kinds.KIND_SPECS = (
    *kinds.KIND_SPECS,
    kinds.KindSpec(WIDGET, kinds.Family("widget", "Widget", "widget")),
)

from k8smeta.cli import main  # noqa: E402 - imported after the registries were edited
from k8smeta.plugin.core.absence import Absent  # noqa: E402
from k8smeta.plugin.core.config import parse_config  # noqa: E402
from k8smeta.plugin.core.fields import FIELD_IDS, fields_json  # noqa: E402
from k8smeta.plugin.core.plugin import PluginCore  # noqa: E402
from k8smeta.plugin.feed import RESOURCE_KINDS, event_payload  # noqa: E402
from k8smeta.wire import metadata_pb2  # noqa: E402
from tests.plugin.behaviour.cluster import event  # noqa: E402
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving  # noqa: E402

NODE = "n"
OWNED, DANGLING, BARE = "pod-owned", "pod-dangling", "pod-bare"
EVENTS = [
    event(WIDGET, "w1", "gadget", labels={"team": "a"}),
    event("Pod", OWNED, "owned", refs={WIDGET: ["w1"]}),
    event("Pod", DANGLING, "dangling", refs={WIDGET: ["w2"]}),
    event("Pod", BARE, "bare"),
]


def _strings(core: PluginCore, pod: str, field: str, arg: str | None = None) -> list[str] | None:
    value = core.extract(pod, 1, FIELD_IDS[field], arg)
    return None if isinstance(value, Absent) else [s.decode() for s in value.strings]


def _explain(pod: str) -> list[str]:
    collector = ScriptedCollector([play([*EVENTS, metadata_pb2.Event(reason="Sync")])])
    out = io.StringIO()
    with serving(collector) as target, contextlib.redirect_stdout(out):
        code = main(["watch", "--collector", target, "--node", NODE, "--explain", pod])
    return [f"exit {code}", *out.getvalue().splitlines()]


def report() -> dict[str, object]:
    core = PluginCore(
        parse_config(f'{{"collectorHostname":"h","collectorPort":1,"nodeName":"{NODE}"}}', {})
    )
    for message in EVENTS:
        core.parse_async("k8s", event_payload(message))
    field = "k8smeta.widget."
    values = {
        name: _strings(core, OWNED, field + name, "team" if name == "label" else None)
        for name in ("name", "uid", "label", "labels")
    }
    workload = _strings(core, OWNED, "k8smeta.workload.kind")
    dangling = _strings(core, DANGLING, field + "name")  # counted as an unknown owner
    metrics = {name: value for name, _, value in core.metric_values()}
    return {
        "fields": [f for f in json.loads(fields_json()) if f["name"].startswith(field)],
        "values": values,
        "workload": workload,
        "dangling": dangling,
        "unknown_owner": metrics["extract_unknown_owner"],
        "metrics": {name: value for name, value in metrics.items() if "widget" in name},
        "dump_kinds": [json.loads(p[:-1])["kind"] for p in core.dump_payloads()],
        "selector": list(RESOURCE_KINDS),
        "explain": {pod: _explain(pod) for pod in (OWNED, DANGLING, BARE)},
    }


if __name__ == "__main__":
    print(json.dumps(report()))
