"""The command: flag errors, and a real process serving a snapshot until SIGTERM (#21, #25)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import grpc
import orjson
import pytest

from k8smeta.collector.cli import build_parser, main, options_from, parse_duration
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.process import LOOPBACK, TIMEOUT, collector_process
from tests.kubeapi import objects as full


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """`main` configures the root logger for the process; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_main_twice_in_one_process_reports_twice(capsys: pytest.CaptureFixture[str]) -> None:
    """Each run has its own metrics registry (no duplicated time series on a second run)."""
    args = ["--snapshot", "/nonexistent/snapshot.json", *LOOPBACK]
    assert [main(args), main(args)] == [2, 2]
    assert capsys.readouterr().err.count("snapshot /nonexistent/snapshot.json: cannot read") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--broker-server-cert", "c.pem"], "--broker-server-cert and --broker-server-key go"),
        (["--broker-client-ca", "ca.pem"], "--broker-client-ca needs server TLS"),
        (["--broker-server-cert", "/nonexistent/c", "--broker-server-key", "/nonexistent/k"],
         "cannot read --broker-server-cert /nonexistent/c: No such file or directory"),
        (["--broker-server-cert", __file__, "--broker-server-key", __file__],
         f"--broker-server-cert {__file__}: not a PEM file"),
        (["--broker-bind-address", "45000"], "--broker-bind-address: invalid bind address"),
        (["--snapshot", "/nonexistent/snapshot.json", *LOOPBACK], "/nonexistent/snapshot.json"),
    ],
)  # fmt: skip
def test_clear_errors_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--keepalive-time", "soon"],
        ["--subscriber-queue-size", "0"],
        ["--log-level", "loud"],
        ["--nope"],
    ],
)
def test_argument_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert "k8smeta-collector: error:" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--keepalive-time", "--keepalive-timeout", "--shutdown-grace"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("nan", "invalid duration 'nan'"),
        ("inf", "invalid duration 'inf'"),
        ("-inf", "invalid duration '-inf'"),
        ("1e400", "invalid duration '1e400'"),
        ("1e300", "duration '1e300' is longer than the limit 2147483.647s"),
        ("9999999999h", "duration '9999999999h' is longer than the limit"),
        ("-1", "negative duration '-1'"),
    ],
)
def test_unusable_durations_are_usage_errors_naming_the_flag(
    flag: str, value: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([f"{flag}={value}", "--snapshot", "/nonexistent/snapshot.json", *LOOPBACK])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"k8smeta-collector: error: argument {flag}: {reason}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "flag", ["--broker-bind-address", "--metrics-bind-address", "--health-probe-bind-address"]
)
def test_a_port_in_use_names_the_flag(
    tmp_path: Path, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        args = [*LOOPBACK, flag, address, "--snapshot", str(write_snapshot(tmp_path / "c.json"))]
        assert main(args) == 1
    err = capsys.readouterr().err
    assert f"k8smeta-collector: {flag} {address}: cannot listen: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("1m30s", 90.0), ("500ms", 0.5), ("2", 2.0), ("1h", 3600.0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        ([], set()),
        (["--pod-annotations", "a"], {"a"}),
        (["--pod-annotations", "a, b,,", "--pod-annotations=c"], {"a", "b", "c"}),
        (["--pod-annotations", ""], set()),
    ],
)
def test_pod_annotations_flag(args: list[str], keys: set[str]) -> None:
    assert options_from(build_parser().parse_args(args)).pod_annotations == keys


@pytest.mark.asyncio
@pytest.mark.slow
async def test_process_serves_the_kept_pod_annotations(tmp_path: Path) -> None:
    annotations = {"a.example.com/x": "1", "b.example.com/y": "2", "c": "3"}
    pod = full.pod("web-2", node="node-a", uid="pod-2", labels={}, annotations=annotations)
    snapshot = write_snapshot(tmp_path / "cluster.json", extra=pod)
    flags = ("--pod-annotations", "a.example.com/x", "--pod-annotations", "c,absent")
    async with collector_process("--snapshot", str(snapshot), *flags) as collector:
        ports = await collector.until("listening")
        await collector.until("all kinds synced")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
            call = metadata_pb2_grpc.MetadataStub(channel).Watch(
                metadata_pb2.Selector(nodeName="node-a", resourceKinds={"Pod": "true"})
            )
            metas = {}
            for _ in range(2):
                event = await asyncio.wait_for(call.read(), TIMEOUT)
                assert isinstance(event, metadata_pb2.Event)
                metas[event.uid] = event.meta
            call.cancel()
        collector.process.send_signal(signal.SIGTERM)
        assert await collector.finish() == 0
    assert metas["pod-2"] == (
        '{"annotations":{"a.example.com/x":"1","c":"3"},"name":"web-2","namespace":"default",'
        '"uid":"pod-2"}'
    )
    assert "annotations" not in metas["pod-1"]  # kubectl's last-applied: not kept


def write_snapshot(path: Path, extra: full.Obj | None = None) -> Path:
    """A `kubectl get ... -o json` style List with one pod on node-a (and `extra`)."""
    ns = full.namespace("default", uid="ns-1")
    items = [ns, full.pod("web-1", node="node-a", uid="pod-1", ip="10.1.2.3")]
    if extra is not None:
        items.append(extra)
    path.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path


async def sync_streams(channel: grpc.aio.Channel, count: int) -> list[Call]:
    """`count` Sync-only streams on distinct nodes, each past its `Sync`."""
    stub = metadata_pb2_grpc.MetadataStub(channel)
    selector = {"k8smeta/sync": "true"}
    calls = [
        stub.Watch(metadata_pb2.Selector(nodeName=f"node-{n}", resourceKinds=selector))
        for n in range(count)
    ]
    for call in calls:
        event = await asyncio.wait_for(call.read(), TIMEOUT)
        assert isinstance(event, metadata_pb2.Event)
        assert event.reason == "Sync"
    return calls


Call = grpc.aio.UnaryStreamCall[metadata_pb2.Selector, metadata_pb2.Event]


@pytest.mark.asyncio
@pytest.mark.slow
async def test_process_serves_snapshot_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    snapshot = write_snapshot(tmp_path / "cluster.json")
    async with collector_process("--snapshot", str(snapshot)) as collector:
        ports = await collector.until("listening")
        await collector.until("all kinds synced")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{ports['health']}/readyz") as response:
                assert response.status == 200
            async with grpc.aio.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
                call = metadata_pb2_grpc.MetadataStub(channel).Watch(
                    metadata_pb2.Selector(nodeName="node-a", resourceKinds={"Pod": "true"})
                )
                event = await asyncio.wait_for(call.read(), TIMEOUT)
                assert isinstance(event, metadata_pb2.Event)
                assert (event.reason, event.uid, event.status) == (
                    "Create",
                    "pod-1",
                    '{"podIP":"10.1.2.3"}',
                )
                await collector.until("received watch request")
                write_snapshot(snapshot, extra=full.pod("web-2", node="node-a", uid="pod-2"))
                collector.process.send_signal(signal.SIGHUP)  # reload, diffed like a relist
                event = await asyncio.wait_for(call.read(), TIMEOUT)
                assert isinstance(event, metadata_pb2.Event)
                assert (event.reason, event.uid) == ("Create", "pod-2")
                others = await sync_streams(channel, 99)  # upstream's lifecycle test: 100
                async with session.get(f"http://127.0.0.1:{ports['metrics']}/metrics") as response:
                    assert "\nmeta_collector_server_subscribers 100\n" in await response.text()
                collector.process.send_signal(signal.SIGTERM)
                for stream in (call, *others):
                    with pytest.raises(grpc.aio.AioRpcError) as ended:
                        await asyncio.wait_for(stream.read(), TIMEOUT)
                    assert ended.value.code() is grpc.StatusCode.UNAVAILABLE
        assert await collector.finish(signalled=True) == 0
    lines = collector.records
    deleted = [line for line in lines if line["msg"] == "stream deleted"]
    assert len(deleted) == 100
    (ours,) = [line for line in deleted if line["subscriber"] == "node-a"]
    assert list(ours) == ["level", "ts", "logger", "msg", "subscriber"]
    assert (ours["level"], ours["logger"]) == ("info", "broker.grpc-server")
    assert any(record["msg"] == "starting grpc server" for record in lines)


def test_version_as_upstream(capsys: pytest.CaptureFixture[str]) -> None:
    from k8smeta import __version__

    assert main(["version"]) == 0
    assert capsys.readouterr().out == f"k8smeta-collector {__version__}\n"
