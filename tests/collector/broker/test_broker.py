"""Subscriptions and the broker: snapshot, Sync, filtering, isolation, shutdown."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.broker import (
    OVERFLOW,
    SHUTDOWN,
    Broker,
    StreamEnd,
    Subscription,
    parse_selection,
)
from k8smeta.collector.index import Affected, RelationshipIndex
from k8smeta.collector.model import Kind, NodeName
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views import Reason, ViewSet, WireEvent
from k8smeta.wire import metadata_pb2
from tests.collector.index.objects import added, namespace, pod, ref, workload

CLUSTER = [
    namespace("default", "ns-1"),
    workload(Kind.DAEMON_SET, "agent", "ds-1"),
    pod("agent-a", "p-a", owner=ref(Kind.DAEMON_SET, "agent", "ds-1")),
    pod("agent-b", "p-b", node="node-b", owner=ref(Kind.DAEMON_SET, "agent", "ds-1")),
]
ALL = {kind.value: "true" for kind in Kind}


def make_broker(
    queue_size: int = 10,
) -> tuple[Broker, RelationshipIndex, ViewSet, CollectorMetrics]:
    index = RelationshipIndex()
    for change in added(*CLUSTER):
        index.apply(change, Affected())
    encoder = EventEncoder()
    views = ViewSet(index, encoder)
    metrics = CollectorMetrics(CollectorRegistry())
    return Broker(views, encoder.sync(), metrics, queue_size), index, views, metrics


async def drain(sub: Subscription) -> tuple[list[str], StreamEnd | None]:
    """What is queued now, and the end if the stream has ended (never blocks)."""
    events: list[str] = []
    while sub.depth or sub.ended:
        item = await asyncio.wait_for(sub.next(), 1)
        if isinstance(item, StreamEnd):
            return events, item
        message = metadata_pb2.Event.FromString(item.data)
        events.append(f"{message.reason} {message.kind} {message.uid}".strip())
    return events, None


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("node", "keys", "expected"),
    [
        ("node-a", ALL, ["Create Namespace ns-1", "Create DaemonSet ds-1", "Create Pod p-a"]),
        ("node-a", {**ALL, "k8smeta/sync": "true"},
         ["Create Namespace ns-1", "Create DaemonSet ds-1", "Create Pod p-a", "Sync"]),
        ("node-a", {"DaemonSet": "x"}, ["Create DaemonSet ds-1"]),
        ("node-a", {}, []),
        ("node-a", {"k8smeta/sync": "true"}, ["Sync"]),
        ("", {**ALL, "k8smeta/sync": "true"}, ["Sync"]),
        ("nowhere", {**ALL, "k8smeta/sync": "true"}, ["Sync"]),
    ],
)  # fmt: skip
async def test_snapshot(node: str, keys: dict[str, str], expected: list[str]) -> None:
    broker, *_ = make_broker()
    sub = broker.subscribe(parse_selection(node, keys))
    assert await drain(sub) == (expected, None)


@pytest.mark.asyncio
async def test_nodes_share_a_view_discarded_with_the_last_subscriber() -> None:
    broker, _, views, metrics = make_broker()
    first = broker.subscribe(parse_selection("node-a", ALL))
    second = broker.subscribe(parse_selection("node-a", {"Pod": "true"}))
    assert sample(metrics, "server_subscribers") == 2
    await drain(first)
    await drain(second)
    broker.publish({NodeName("node-a"): [live("p-x")]})
    assert await drain(first) == await drain(second) == (["Create Pod p-x"], None)
    broker.unsubscribe(first)
    assert NodeName("node-a") in views
    broker.unsubscribe(second)
    broker.unsubscribe(second)  # idempotent
    assert NodeName("node-a") not in views
    assert sample(metrics, "server_subscribers") == 0


def sample(metrics: CollectorMetrics, name: str) -> float | None:
    return metrics.registry.get_sample_value(f"meta_collector_{name}")


def live(uid: str) -> WireEvent:
    """A live Create of a pod (as the views would emit it)."""
    obj = pod(uid, uid)
    encoder = EventEncoder()
    return WireEvent(
        Reason.CREATE, Kind.POD, obj.uid, encoder.framed("Create", encoder.body(obj, None))
    )


def burst(prefix: str, size: int) -> list[WireEvent]:
    return [live(f"{prefix}-{n}") for n in range(size)]


@pytest.mark.asyncio
async def test_overflow_ends_only_the_slow_stream() -> None:
    broker, _, _, metrics = make_broker(queue_size=2)
    slow = broker.subscribe(parse_selection("node-a", {"Pod": "true"}))  # never reads
    fast = broker.subscribe(parse_selection("node-a", {"Pod": "true"}))
    await drain(fast)
    for number in range(3):
        broker.publish({NodeName("node-a"): [live(f"x-{number}")]})
        assert await drain(fast) == ([f"Create Pod x-{number}"], None)
    assert not slow.ended  # 3 queued behind its unread snapshot: not more than 2 + 1
    broker.publish({NodeName("node-a"): [live("x-3")]})
    assert await drain(fast) == (["Create Pod x-3"], None)
    assert await drain(slow) == ([], OVERFLOW)  # more than 2 queued behind: dropped
    assert sample(metrics, "subscriber_overflows_total") == 1


async def read(sub: Subscription, count: int) -> None:
    for _ in range(count):
        assert isinstance(await asyncio.wait_for(sub.next(), 1), WireEvent)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("bursts", "read_between", "ended"),
    [
        pytest.param([50], 0, False, id="a caught-up subscriber takes a burst of any size"),
        pytest.param([50, 50], 0, False, id="a second burst while reading the first"),
        pytest.param([50, 50, 1], 25, True, id="a third one, two bursts unread: slow"),
        pytest.param([50, 50, 1], 75, False, id="a third one, first burst read: keeps up"),
        pytest.param([50, 1, 1, 1, 1], 10, True, id="stopped reading: slow after the limit"),
    ],
)
async def test_slow_means_has_not_read_not_was_offered_a_big_batch(
    bursts: list[int], read_between: int, ended: bool
) -> None:
    broker, _, _, metrics = make_broker(queue_size=2)
    sub = broker.subscribe(parse_selection("node-a", {"Pod": "true"}))
    await drain(sub)
    for number, size in enumerate(bursts):
        if number == len(bursts) - 1:
            await read(sub, read_between)
        broker.publish({NodeName("node-a"): burst(f"b{number}", size)})
    assert sub.ended is ended
    assert sample(metrics, "subscriber_overflows_total") == ended
    if not ended:
        events, end = await drain(sub)
        assert (len(events), end) == (sum(bursts) - read_between, None)


@pytest.mark.asyncio
async def test_shutdown_drains_then_ends_unavailable_and_refuses_newcomers() -> None:
    broker, *_ = make_broker()
    sub = broker.subscribe(parse_selection("node-b", {"Pod": "true"}))
    broker.close(drain=True)
    assert await drain(sub) == (["Create Pod p-b"], SHUTDOWN)
    late = broker.subscribe(parse_selection("node-b", ALL))
    assert await drain(late) == ([], SHUTDOWN)


@pytest.mark.asyncio
async def test_forced_shutdown_drops_what_is_queued() -> None:
    broker, *_ = make_broker()
    sub = broker.subscribe(parse_selection("node-b", ALL))
    broker.close(drain=True)
    broker.close(drain=False)
    assert await drain(sub) == ([], SHUTDOWN)


@pytest.mark.asyncio
async def test_waiting_consumer_is_woken_by_publish() -> None:
    broker, *_ = make_broker()
    sub = broker.subscribe(parse_selection("node-a", {"Pod": "true"}))
    await drain(sub)
    waiter = asyncio.ensure_future(sub.next())
    await asyncio.sleep(0)  # let the consumer block on its wake-up event
    assert not waiter.done()
    broker.publish({NodeName("node-a"): [live("x-9")]})
    event = await asyncio.wait_for(waiter, 10)
    assert isinstance(event, WireEvent)
    assert event.uid == "x-9"
