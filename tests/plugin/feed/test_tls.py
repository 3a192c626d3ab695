"""The feed over TLS (caPEMBundle) and mutual TLS, with a CA made at test time by openssl."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from k8smeta.wire import metadata_pb2
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving
from tests.plugin.feed.host_fakes import FeedFactory, LogRecorder, RecordingSink, fast_settings

EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pki:
    ca: bytes
    other_ca: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def _issue(directory: Path, name: str, extensions: str) -> None:
    """A key and a certificate for `name`, signed by the CA in `directory`."""
    _openssl("req", *EC_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={name}", cwd=directory)  # fmt: skip
    (directory / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "1", "-out", f"{name}.pem",
             "-extfile", f"{name}.ext", cwd=directory)  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    directory = tmp_path_factory.mktemp("pki")
    for name in ("ca", "other-ca"):
        _openssl("req", "-x509", *EC_KEY, "-keyout", f"{name}.key", "-out", f"{name}.pem",
                 "-days", "1", "-subj", f"/CN=k8smeta test {name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)  # fmt: skip
    _issue(directory, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
           "extendedKeyUsage=serverAuth\n")  # fmt: skip
    _issue(directory, "client", "extendedKeyUsage=clientAuth\n")

    def read(name: str) -> bytes:
        return (directory / name).read_bytes()

    return Pki(read("ca.pem"), read("other-ca.pem"), read("server.pem"), read("server.key"),
               read("client.pem"), read("client.key"))  # fmt: skip


def _server_credentials(pki: Pki, *, mutual: bool) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(pki.server_key, pki.server_cert)],
        root_certificates=pki.ca if mutual else None,
        require_client_auth=mutual,
    )


@pytest.mark.parametrize("mutual", [False, True], ids=["tls", "mutual-tls"])
def test_streams_over_tls(
    make_feed: FeedFactory, pki: Pki, wire_stream: list[metadata_pb2.Event], mutual: bool
) -> None:
    collector = ScriptedCollector([play(wire_stream)])
    sink = RecordingSink()
    client = {"certificate_chain": pki.client_cert, "private_key": pki.client_key}
    with serving(collector, _server_credentials(pki, mutual=mutual)) as target:
        settings = fast_settings(target, root_certificates=pki.ca, **(client if mutual else {}))
        feed = make_feed(settings, sink)
        feed.start()
        assert sink.wait_for(43)
        assert feed.stop()
    assert [d["uid"] for d in sink.docs()] == [e.uid for e in wire_stream]
    assert feed.stats.stream_errors == 0


@pytest.mark.parametrize("roots", ["other", "none"], ids=["untrusted-server", "plaintext-client"])
def test_a_failed_handshake_is_an_error_and_retried(
    make_feed: FeedFactory, logs: LogRecorder, pki: Pki, roots: str
) -> None:
    collector = ScriptedCollector([])
    with serving(collector, _server_credentials(pki, mutual=False)) as target:
        changes = {"root_certificates": pki.other_ca} if roots == "other" else {}
        feed = make_feed(fast_settings(target, **changes), RecordingSink())
        feed.start()
        assert logs.wait_for("error during the RPC call. Error code (14)", count=2)
        assert feed.stop()
    assert collector.selectors == []
    assert feed.stats.stream_errors >= 2


def test_mutual_tls_without_a_client_certificate_is_refused(
    make_feed: FeedFactory, logs: LogRecorder, pki: Pki
) -> None:
    collector = ScriptedCollector([])
    with serving(collector, _server_credentials(pki, mutual=True)) as target:
        feed = make_feed(fast_settings(target, root_certificates=pki.ca), RecordingSink())
        feed.start()
        assert logs.wait_for("error during the RPC call", count=1)
        assert feed.stop()
    assert collector.selectors == []
    assert any(r.levelno == logging.ERROR for r in logs.records)
