"""A plaintext state, then TLS states, in one C process (Falco's hot reload), real library.

A plaintext feed imports asyncio and grpclib without `ssl` (feed/aio.py): libssl is never
mapped. The states created after it in the same process, with TLS, with mutual TLS and
plaintext again, stream from their collectors all the same; libssl is loaded by then.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import grpc
import pytest

from k8smeta.wire import metadata_pb2
from tests.collector.rpc.certs import Certificates, make_certificates
from tests.plugin.abi.conftest import C_SOURCES, compile_c, library_path, run_c_host
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def reload_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reload-host")
    return compile_c(out, "reload_host", [HERE / "reload_host.c", C_SOURCES / "fakesinsp.c"])


@pytest.fixture(scope="module")
def library() -> Path:
    return library_path()


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def _credentials(certificates: Certificates, *, mutual: bool) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(certificates.read("server.key"), certificates.read("server.crt"))],
        root_certificates=certificates.read("ca.crt") if mutual else None,
        require_client_auth=mutual,
    )


def _config(target: str, **tls: str) -> str:
    port = int(target.rpartition(":")[2])
    return json.dumps(
        {"collectorHostname": "127.0.0.1", "collectorPort": port, "nodeName": "n", **tls}
    )


def _run(host: Path, library: Path, configs: list[str]) -> dict[str, str]:
    values, proc = run_c_host([str(host), str(library), "20000", *configs], timeout=120)
    assert values.get("done") == "ok", proc.stdout + proc.stderr
    return values


def test_a_tls_state_after_a_plaintext_state_in_one_process(
    reload_host: Path,
    library: Path,
    certificates: Certificates,
    wire_stream: list[metadata_pb2.Event],
) -> None:
    ca = str(certificates.path("ca.crt"))
    client = {
        "clientCertPEM": str(certificates.path("client.crt")),
        "clientKeyPEM": str(certificates.path("client.key")),
    }
    with ExitStack() as stack:
        plain, tls, mutual = (
            stack.enter_context(serving(ScriptedCollector([play(wire_stream)] * 2), credentials))
            for credentials in (
                None,
                _credentials(certificates, mutual=False),
                _credentials(certificates, mutual=True),
            )
        )
        values = _run(
            reload_host,
            library,
            [
                _config(plain),
                _config(tls, caPEMBundle=ca),
                _config(mutual, caPEMBundle=ca, **client),
                _config(plain),
            ],
        )
    for state in range(4):
        assert values[f"state.{state}.init_rc"] == "0", values
        assert int(values[f"state.{state}.pushed"]) > 0, values
    assert values["state.0.libssl"] == "0"
    assert values["state.1.libssl"] == "1"
