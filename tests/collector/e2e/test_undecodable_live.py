"""Undecodable objects over the live path: the API stand-in serves list pages and watch lines
no decoder takes whole; the collector skips exactly the bad object (WARN naming it, metric),
keeps the rest, syncs (/readyz 200), and its watch moves on; a real gRPC client sees it."""

from __future__ import annotations

import asyncio
import logging
import urllib.request

import orjson
import pytest

from tests.collector.e2e.live import Live, live_collector
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

NS = objects.namespace("shop", uid="ns-shop")


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def pod_bytes(name: str, uid: str, *, labels: bytes = b"", spec: bytes = b"") -> bytes:
    """A pod's JSON with raw bytes spliced in as a label (`labels`) or `spec.odd` (`spec`)."""
    obj = objects.pod(name, "shop", uid=uid)
    obj["metadata"]["resourceVersion"] = "2"
    text = orjson.dumps(obj)
    for key, raw in ((b'"labels":{', labels), (b'"spec":{', spec)):
        if raw:
            at = text.index(key) + len(key)
            text = text[:at] + b'"odd":' + raw + b"," + text[at:]
    return text


BAD = {
    "invalid UTF-8": {"labels": b'"\xff\xfe"'},
    "lone surrogate": {"spec": b'"\\ud800"'},
    "NaN": {"spec": b"NaN"},
    "1,100 deep": {"spec": deep(1100)},
}


def ready(live: Live) -> int:
    url = f"http://127.0.0.1:{live.collector.health_port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def skipped(live: Live, source: str) -> float:
    labels = {"kind": "Pod", "source": source, "reason": "undecodable"}
    return live.sample("meta_collector_skipped_objects_total", labels)


@pytest.mark.asyncio
async def test_a_list_page_keeps_all_but_the_undecodable_items(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="k8smeta.collector")
    async with KubeApiStandIn() as api:
        api.add(NS)
        api.add(objects.pod("good", "shop", uid="p-good"))
        # 1,000 deep in a field the collector ignores: decoded the general way, served.
        api.add_raw_item("pods", pod_bytes("deep", "p-deep", spec=deep(1000)))
        for number, (_what, raw) in enumerate(BAD.items()):
            api.add_raw_item("pods", pod_bytes(f"bad-{number}", f"p-bad-{number}", **raw))
        async with live_collector(api) as live:
            served = await live.served("node-a")
            status = await asyncio.to_thread(ready, live)
            assert skipped(live, "list") == len(BAD)
    assert served == ["Create Namespace ns-shop", "Create Pod p-deep", "Create Pod p-good"]
    assert status == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for number in range(len(BAD)):
        assert any(f"undecodable Pod shop/bad-{number} (uid p-bad-{number})" in w for w in warnings)


@pytest.mark.asyncio
async def test_a_watch_moves_past_undecodable_lines() -> None:
    async with KubeApiStandIn() as api:
        api.add(NS)
        api.add(objects.pod("victim", "shop", uid="p-victim"))
        async with live_collector(api) as live:
            client = live.watch("node-a")
            assert len(await client.until_sync()) == 2
            watches = len(api.requests_for("pods", watch=True))
            lines = [
                b'{"type":"ADDED","object":' + pod_bytes(f"bad-{n}", f"p-bad-{n}", **raw) + b"}"
                for n, raw in enumerate(BAD.values())
            ]
            lines += [b"\xff{not json", b'{"type":NaN}']
            # A deep object the collector can still read, and a DELETED whose object is
            # undecodable but whose UID is readable: both take effect.
            lines.append(
                b'{"type":"ADDED","object":' + pod_bytes("deep", "p-deep", spec=deep(1000)) + b"}"
            )
            gone = pod_bytes("victim", "p-victim", spec=b"NaN")
            lines.append(b'{"type":"DELETED","object":' + gone + b"}")
            for line in lines:
                assert api.send_raw_line("pods", line) == 1
            api.add(objects.pod("after", "shop", uid="p-after"))
            events = [f"{e.reason} {e.uid}" for e in await client.take(3)]
            client.cancel()
            assert events == ["Create p-deep", "Delete p-victim", "Create p-after"]
            assert skipped(live, "watch") == len(BAD) + 2 + 1  # the DELETED too
            assert len(api.requests_for("pods", watch=True)) == watches  # no re-watch
            assert await live.served("node-a") == [
                "Create Namespace ns-shop",
                "Create Pod p-after",
                "Create Pod p-deep",
            ]
