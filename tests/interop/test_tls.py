"""Mutual TLS between the library and the collector (`clientCertPEM`/`clientKeyPEM` with
`--broker-client-ca`): a certificate from the cluster's CA streams, a stranger's does not."""

from __future__ import annotations

import shutil

import pytest

from k8smeta.collector.rpc.server import TlsConfig
from tests.collector.rpc.certs import Certificates, make_certificates
from tests.interop.event_thread import Views
from tests.interop.stack import collector_over, plugin_events
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

POD = "4d4d4d4d-0000-4000-8000-00000000004d"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("pki"))


def tls_of(certs: Certificates) -> TlsConfig:
    return TlsConfig(certs.read("server.crt"), certs.read("server.key"), certs.read("ca.crt"))


def client_keys(certs: Certificates, name: str) -> dict[str, str]:
    path = certs.path
    return {
        "caPEMBundle": str(path("ca.crt")),
        "clientCertPEM": str(path(f"{name}.crt")),
        "clientKeyPEM": str(path(f"{name}.key")),
    }


@pytest.mark.asyncio
async def test_mutual_tls_streams_to_a_client_of_the_cluster_ca(certs: Certificates) -> None:
    async with KubeApiStandIn() as api:
        seeded = [
            api.add(objects.namespace("shop", uid="ns-shop")),
            api.add(objects.pod("secure", "shop", uid=POD)),
        ]
        async with (
            collector_over(api, tls=tls_of(certs)) as collector,
            plugin_events(collector.grpc_port, **client_keys(certs, "client")) as ev,
        ):
            ev.know(seeded)
            ev.spawn(1, POD)
            await ev.until_fields({1: {"k8smeta.pod.name": "secure", "k8smeta.ns.name": "shop"}})


@pytest.mark.asyncio
async def test_a_stranger_certificate_gets_nothing(certs: Certificates) -> None:
    async with KubeApiStandIn() as api:
        api.add(objects.namespace("shop", uid="ns-shop"))
        api.add(objects.pod("secure", "shop", uid=POD))
        async with (
            collector_over(api, tls=tls_of(certs)) as collector,
            plugin_events(collector.grpc_port, **client_keys(certs, "stranger")) as ev,
        ):
            ev.spawn(1, POD)

            def refused(views: Views) -> bool:
                return any(
                    level == "error" and "error during the RPC call" in message
                    for _, level, message in ev.host.log_records()
                )

            views = await ev.until(refused)
            assert set(views[1].values()) == {None}
            assert ev.host.metrics()["async_events_received"] == 0
