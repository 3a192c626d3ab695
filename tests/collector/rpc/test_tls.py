"""Scenario #23: server TLS, and mutual TLS with --broker-client-ca (docs/configuration.md)."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from k8smeta.collector.app import Collector, ListenError
from k8smeta.collector.rpc.server import TlsConfig
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.cluster import CLUSTER
from tests.collector.e2e.harness import TIMEOUT, ScriptedSource, loopback_config
from tests.collector.rpc.certs import Certificates, make_certificates


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


async def first_event(port: int, credentials: grpc.ChannelCredentials) -> str:
    """The reason of the first event for a Sync-only subscriber, or the error code name."""
    options = [("grpc.ssl_target_name_override", "localhost")]
    async with grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials, options) as channel:
        stub = metadata_pb2_grpc.MetadataStub(channel)
        call = stub.Watch(
            metadata_pb2.Selector(nodeName="node-a", resourceKinds={"k8smeta/sync": "true"})
        )
        try:
            event = await call.read()
        except grpc.aio.AioRpcError as error:
            return error.code().name
        assert isinstance(event, metadata_pb2.Event)
        call.cancel()
        return event.reason


def client_credentials(certs: Certificates, *, client: str | None) -> grpc.ChannelCredentials:
    if client is None:
        return grpc.ssl_channel_credentials(root_certificates=certs.read("ca.crt"))
    return grpc.ssl_channel_credentials(
        root_certificates=certs.read("ca.crt"),
        private_key=certs.read(f"{client}.key"),
        certificate_chain=certs.read(f"{client}.crt"),
    )


@pytest.mark.asyncio
@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("mutual", "client", "expected"),
    [
        (False, None, "Sync"),
        (False, "client", "Sync"),
        (True, "client", "Sync"),
        (True, None, "UNAVAILABLE"),
        (True, "stranger", "UNAVAILABLE"),
    ],
)
async def test_23_tls_and_mutual_tls(
    certs: Certificates, mutual: bool, client: str | None, expected: str
) -> None:
    tls = TlsConfig(
        certs.read("server.crt"), certs.read("server.key"), certs.read("ca.crt") if mutual else None
    )
    collector = Collector(loopback_config(tls=tls), [ScriptedSource(CLUSTER)])
    await collector.start()
    try:
        credentials = client_credentials(certs, client=client)
        assert await first_event(collector.grpc_port, credentials) == expected
    finally:
        await collector.stop()


@pytest.mark.asyncio
async def test_plaintext_client_is_refused_by_a_tls_server(
    certs: Certificates,
) -> None:
    tls = TlsConfig(certs.read("server.crt"), certs.read("server.key"))
    collector = Collector(loopback_config(tls=tls), [ScriptedSource(CLUSTER)])
    await collector.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}") as channel:
            call = metadata_pb2_grpc.MetadataStub(channel).Watch(
                metadata_pb2.Selector(nodeName="node-a"), timeout=TIMEOUT
            )
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await call.read()
            assert error.value.code() is grpc.StatusCode.UNAVAILABLE
    finally:
        await collector.stop()


@pytest.mark.asyncio
async def test_port_in_use_is_a_start_up_error() -> None:
    first = Collector(loopback_config(), [ScriptedSource(CLUSTER)])
    await first.start()
    try:
        taken = f"127.0.0.1:{first.grpc_port}"
        second = Collector(loopback_config(broker_bind=taken), [ScriptedSource(CLUSTER)])
        with pytest.raises(ListenError, match=f"cannot listen on {taken}") as caught:
            await second.start()
        assert caught.value.listener == "broker"
        assert not second.health.serving
        with pytest.raises(ConnectionRefusedError):  # its listeners are closed again
            await asyncio.open_connection("127.0.0.1", second.health_port)
    finally:
        await first.stop()
