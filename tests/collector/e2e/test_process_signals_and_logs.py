"""The real process: a SIGHUP while the snapshot is still loading, and JSON log lines whose
content is not UTF-8 (a snapshot path with byte 0xff)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import grpc
import orjson
import pytest

from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.process import TIMEOUT, CollectorProcess, collector_process
from tests.collector.e2e.snapshots import write_list
from tests.kubeapi import objects as full

NS = full.namespace("shop", uid="ns-1")
WEB_1 = full.pod("web-1", "shop", uid="pod-1")
WEB_2 = full.pod("web-2", "shop", uid="pod-2")


def listed(*items: full.Obj) -> bytes:
    return orjson.dumps({"apiVersion": "v1", "kind": "List", "items": list(items)})


def _write_fifo(fifo: Path, data: bytes) -> None:
    with fifo.open("wb") as out:  # blocks until the collector opens the FIFO to read it
        out.write(data)


async def feed(fifo: Path, data: bytes, collector: CollectorProcess) -> None:
    """Hand `data` to the collector's next read of `fifo`; fail if the collector dies first."""
    writer = asyncio.ensure_future(asyncio.to_thread(_write_fifo, fifo, data))
    died = asyncio.ensure_future(collector.process.wait())
    done, _ = await asyncio.wait({writer, died}, timeout=TIMEOUT, return_when="FIRST_COMPLETED")
    died.cancel()
    if writer not in done:
        unblock = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # let the writer thread finish
        await writer
        os.close(unblock)
        pytest.fail(f"the collector never read {fifo.name}: exit {collector.process.returncode}")
    await writer


async def pods_on_node_a(grpc_port: object) -> list[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        selector = {"Pod": "true", "k8smeta/sync": "true"}
        call = metadata_pb2_grpc.MetadataStub(channel).Watch(
            metadata_pb2.Selector(nodeName="node-a", resourceKinds=selector)
        )
        uids: list[str] = []
        while True:
            event = await asyncio.wait_for(call.read(), TIMEOUT)
            assert isinstance(event, metadata_pb2.Event)
            if event.reason == "Sync":
                call.cancel()
                return uids
            uids.append(event.uid)


@pytest.mark.asyncio
@pytest.mark.slow
async def test_sighup_while_loading_queues_one_reload(tmp_path: Path) -> None:
    fifo = tmp_path / "cluster.json"
    os.mkfifo(fifo)  # the collector's first read blocks until the test writes
    async with collector_process("--snapshot", str(fifo)) as collector:
        await collector.until("loading snapshot")
        for _ in range(3):
            collector.process.send_signal(signal.SIGHUP)
        await feed(fifo, listed(NS, WEB_1), collector)
        ports = await collector.until("listening")
        await feed(fifo, listed(NS, WEB_1, WEB_2), collector)  # the one reload reads it again
        await collector.until("snapshot reloaded: 1 changes")
        assert await pods_on_node_a(ports["grpc"]) == ["pod-1", "pod-2"]
        assert await collector.finish() == 0
    messages = [record["msg"] for record in collector.records]
    assert messages.count("loading snapshot") == 2
    assert [m for m in messages if m.startswith("snapshot reloaded")] == [
        "snapshot reloaded: 1 changes"
    ]


@pytest.mark.asyncio
@pytest.mark.slow
async def test_json_logs_keep_records_whose_content_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / os.fsdecode(b"cluster-\xff.json")
    write_list(path, [NS, WEB_1, {"kind": "Pod", "metadata": {"name": "no-uid"}}])
    async with collector_process("--snapshot", str(path)) as collector:
        skipped = await collector.until("listening")
        path.write_bytes(b"{garbage")
        collector.process.send_signal(signal.SIGHUP)
        failed = await collector.until(
            f"snapshot reload failed, keeping the previous objects: snapshot {tmp_path}/cluster-"
            "\\xff.json: not JSON: "
        )
        assert await collector.finish() == 0
    assert failed["level"] == "error"
    assert not [line for line in collector.lines if b"Logging error" in line]
    assert len(collector.records) == len(collector.lines)  # every line is a JSON record
    (warning,) = [r for r in collector.records if r["level"] == "warn"]
    assert warning["msg"].startswith(f"{tmp_path}/cluster-\\xff.json: skipping a Pod object")
    assert skipped["msg"] == "listening"
