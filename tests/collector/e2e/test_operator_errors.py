"""Operators' mistakes, through the real `k8smeta-collector` process: a SIGHUP right after
start, TLS files gRPC cannot use, a keepalive interval that would flood every stream."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.collector.e2e.process import LOOPBACK, TIMEOUT
from tests.collector.e2e.snapshots import write_list
from tests.collector.rpc.certs import Certificates, make_certificates
from tests.kubeapi import objects as full

BIN = Path(sys.executable).parent
SIGHUP_BIT = 1 << (signal.SIGHUP - 1)
#: How the command is started: the console script, the `k8smeta` dispatcher, `-m`.
COMMANDS = {
    "k8smeta-collector": [str(BIN / "k8smeta-collector")],
    "k8smeta collector": [str(BIN / "k8smeta"), "collector"],
    "python -m k8smeta.collector": [sys.executable, "-m", "k8smeta.collector"],
}


def _caught_signals(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return 0


def _wait_for_sighup_handler(process: subprocess.Popen[bytes]) -> str:
    """Poll until the process catches SIGHUP; returns its memory map at that moment."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "the collector ended before catching SIGHUP"
        if _caught_signals(process.pid) & SIGHUP_BIT:
            return Path(f"/proc/{process.pid}/maps").read_text()
        time.sleep(0.001)
    pytest.fail("the collector never caught SIGHUP")


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_a_sighup_right_after_start_is_held_not_fatal(tmp_path: Path, command: str) -> None:
    """It killed the process in its first ~0.35 s: the handler came after the imports."""
    snapshot = tmp_path / "cluster.json"
    write_list(snapshot, [full.namespace("shop", uid="ns-1")])
    process = subprocess.Popen(
        [*COMMANDS[command], "--snapshot", str(snapshot), "--log-format", "text", *LOOPBACK],
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        maps = _wait_for_sighup_handler(process)
        process.send_signal(signal.SIGHUP)
        assert "cygrpc" not in maps, "SIGHUP was caught only after grpc was imported"
        assert process.stderr is not None
        seen = b""
        while b"snapshot reloaded" not in seen:
            line = process.stderr.readline()
            assert line, f"the collector ended: {seen.decode(errors='replace')}"
            seen += line
        process.terminate()
        _, rest = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, (seen + rest).decode(errors="replace")
    assert b"SIGHUP during start-up: one reload once the sources are ready" in seen


def run_collector(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script with `args`, to its end (a usage error ends it at once)."""
    return subprocess.run(
        [*COMMANDS["k8smeta-collector"], *args, *LOOPBACK],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def _concatenated(certificates: Certificates, *names: str) -> Path:
    path = certificates.path("-".join(names) + ".pem")
    path.write_bytes(b"".join(certificates.read(name) for name in names))
    return path


@pytest.mark.parametrize(
    ("cert", "key", "message"),
    [
        (
            ("server.crt",),
            "client.key",
            "--broker-server-key {key}: does not match the certificate in"
            " --broker-server-cert {cert} (their public keys differ)",
        ),
        (
            ("server.crt", "other-ca.crt"),
            "server.key",
            "--broker-server-cert {cert}: bad chain: certificate 2 did not issue"
            " certificate 1 (subject 'CN=server', issuer 'CN=ca'; certificate 2 is 'CN=other-ca')",
        ),
        (
            ("server.key",),
            "server.key",
            "--broker-server-cert {cert}: holds no PEM certificate",
        ),
        (
            ("server.crt",),
            "server.crt",
            "--broker-server-key {key}: holds no PEM private key",
        ),
    ],
    ids=["key-of-another-cert", "chain-out-of-order", "key-as-cert", "cert-as-key"],
)
def test_unusable_server_tls_files_are_named(
    certificates: Certificates, cert: tuple[str, ...], key: str, message: str
) -> None:
    """It was `cannot listen: address in use or not available`."""
    cert_path = _concatenated(certificates, *cert)
    key_path = certificates.path(key)
    snapshot = certificates.path("cluster.json")
    write_list(snapshot, [full.namespace("shop", uid="ns-1")])
    proc = run_collector(
        "--broker-server-cert", str(cert_path), "--broker-server-key", str(key_path),
        "--snapshot", str(snapshot),
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    expected = message.format(cert=cert_path, key=key_path)
    assert proc.stderr.strip().splitlines()[-1] == f"k8smeta-collector: {expected}"


@pytest.mark.parametrize("value", ["0", "0s", "500ms", "9.9s"])
def test_keepalive_time_below_grpc_minimum_is_refused(value: str) -> None:
    """`--keepalive-time 0` was accepted and burnt ~8 % of a core with 10 idle streams."""
    proc = run_collector("--keepalive-time", value, "--snapshot", "/nonexistent")
    assert proc.returncode == 2, proc.stderr
    assert (
        f"argument --keepalive-time: {value!r} is shorter than gRPC's minimum keepalive"
        " interval of 10s"
    ) in proc.stderr
