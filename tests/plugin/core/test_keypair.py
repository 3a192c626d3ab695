"""The mutual-TLS pair check on OpenSSL (`ssl`), from memory files or a private directory."""

from __future__ import annotations

import shutil
import ssl
import tempfile
from pathlib import Path

import pytest

from k8smeta.plugin.core import keypair
from tests.collector.rpc.certs import Certificates, make_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return make_certificates(tmp_path_factory.mktemp("pki"))


@pytest.fixture(params=["memfd", "private-directory"])
def files(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """How the bytes reach OpenSSL: memory files, or (no /proc, as in a chroot) files in a
    private temporary directory that is removed at once."""
    if request.param == "private-directory":
        monkeypatch.setattr(keypair, "_PROC_FD", str(tmp_path / "no-proc"))
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return str(request.param)


def test_a_matching_pair_loads_and_leaves_no_file(
    certificates: Certificates, files: str, tmp_path: Path
) -> None:
    chain, key = certificates.read("client.crt"), certificates.read("client.key")
    keypair.check_pair(chain, key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    keypair.load_pair(context, chain, key)
    assert context.cert_store_stats()["x509"] == 0  # the chain is ours, not trusted roots
    assert list(tmp_path.iterdir()) == []


def test_another_key_is_a_pair_error(certificates: Certificates, files: str) -> None:
    with pytest.raises(keypair.PairError, match="their public keys differ"):
        keypair.check_pair(certificates.read("client.crt"), certificates.read("stranger.key"))


def test_a_corrupt_key_is_a_pem_error(certificates: Certificates, files: str) -> None:
    key = certificates.read("client.key")
    lines = key.splitlines(keepends=True)
    corrupt = b"".join([lines[0], b"AAAA" + lines[1][4:], *lines[2:]])
    with pytest.raises(keypair.PemError, match="block is not a valid private key"):
        keypair.check_pair(certificates.read("client.crt"), corrupt)


def test_a_certificate_that_does_not_parse_is_named(certificates: Certificates) -> None:
    good = certificates.read("ca.crt")
    bad = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(keypair.PemError, match=r"^certificate 2 cannot be parsed \("):
        keypair.certificate_chain(good + bad)
    assert keypair.certificate_chain(certificates.read("client.crt") + good) == 2
