"""Malformed Watch requests: INVALID_ARGUMENT and one concise WARN, never a traceback; a
client's huge node name is not copied into log lines."""

from __future__ import annotations

import asyncio
import logging

import grpc
import pytest

from k8smeta.wire import metadata_pb2
from tests.collector.e2e.cluster import CLUSTER
from tests.collector.e2e.harness import TIMEOUT, running

WATCH = "/metadata.Metadata/Watch"
BIG = 3 << 20  # bytes of node name: under gRPC's 4 MiB request limit
BAD_UTF8 = metadata_pb2.Selector(nodeName="node-\x01", resourceKinds={"Pod": "true"})


def with_bad_utf8(size: int) -> bytes:
    """A Selector whose nodeName (`size` bytes) is not UTF-8."""
    valid = metadata_pb2.Selector(nodeName="n" * size).SerializeToString()
    return valid.replace(b"n" * size, b"\xff" * size)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"\xff\xff\xff\xff", id="not a protobuf message"),
        pytest.param(BAD_UTF8.SerializeToString().replace(b"\x01", b"\xc3"), id="bad UTF-8"),
        pytest.param(with_bad_utf8(BIG), id="3 MB of bad UTF-8"),
    ],
)
async def test_malformed_selector_is_invalid_argument_with_one_line(
    request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(CLUSTER) as h:
        raw = h.channel.unary_stream(WATCH, request_serializer=None, response_deserializer=None)
        call = raw(request_bytes)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await asyncio.wait_for(call.read(), TIMEOUT)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "malformed Selector" in str(refused.value.details())
        assert h.collector.broker.subscriber_count == 0
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in records] == ["refused a malformed watch request"]
    assert records[0].fields["bytes"] == len(request_bytes)  # type: ignore[attr-defined]
    assert all(not r.exc_info and len(r.getMessage()) < 200 for r in caplog.records)


@pytest.mark.asyncio
async def test_a_huge_node_name_is_served_but_shortened_in_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    node = "n" * BIG
    async with running(CLUSTER) as h:
        client = await h.raw_watch(node, {"Pod": "true", "k8smeta/sync": "true"}).registered()
        assert [e.reason for e in await client.take(1)] == ["Sync"]
        client.cancel()
        await asyncio.wait_for(h.collector.servicer.wait_idle(), TIMEOUT)
    logged = [str(getattr(r, "fields", {})) + r.getMessage() for r in caplog.records]
    assert max(len(line) for line in logged) < 1000
    assert any(f"...({BIG} characters)" in line for line in logged)
