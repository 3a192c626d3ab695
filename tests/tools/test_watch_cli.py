"""`k8smeta watch` as a user runs it (a subprocess) against real listeners on 127.0.0.1.

Every way of not getting metadata is one line on stderr saying which it was, and an exit
code: 1 not connected (nothing listening, no gRPC server, TLS error, the call failed),
2 usage error, 3 connected but nothing for that node. Never a traceback.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from k8smeta.wire import metadata_pb2
from tests.collector.rpc.certs import Certificates, make_certificates
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving

ROOT = Path(__file__).resolve().parents[2]
SYNC = metadata_pb2.Event(reason="Sync")
PEM_FILE = str(ROOT / "pyproject.toml")  # readable and non-empty: argparse reads it
POD = metadata_pb2.Event(reason="Create", uid="u1", kind="Pod", meta='{"name":"p"}')


def watch(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "k8smeta", "watch", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def diagnosis(result: subprocess.CompletedProcess[str]) -> str:
    """Our one line on stderr (gRPC's own log lines, if any, are left out)."""
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("k8smeta watch: ")]
    return line.removeprefix("k8smeta watch: ")


@contextlib.contextmanager
def tcp_listener(reply: bytes | None) -> Iterator[str]:
    """A TCP listener that is no gRPC server: it accepts and stays silent (`reply` None),
    or answers `reply` to whatever it receives."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)
            if reply is not None:
                with contextlib.suppress(OSError):
                    conn.recv(4096)
                    conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        server.close()
        for conn in accepted:
            conn.close()
        thread.join(5)


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    """A loopback port that is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def test_nothing_listening_is_not_connected() -> None:
    with closed_port() as target:
        result = watch("--collector", target, "--node", "n")
    assert result.returncode == 1
    assert diagnosis(result).startswith(f"not connected to {target}: ")
    assert "Connection refused" in diagnosis(result)


@pytest.mark.parametrize(
    ("flags", "waited"),
    [(["--connect-timeout", "1"], "1"), (["--timeout", "1"], "1")],
    ids=["connect-timeout", "timeout"],
)
def test_a_silent_tcp_listener_is_not_connected(flags: list[str], waited: str) -> None:
    """Before, `--timeout` ended it with exit 0 and no output, as if the node had nothing."""
    with tcp_listener(None) as target:
        result = watch("--collector", target, "--node", "n", *flags)
    assert result.returncode == 1
    assert result.stdout == ""
    assert diagnosis(result) == (
        f"not connected to {target}: no gRPC server answered within {waited} s;"
        " a collector with TLS needs --ca"
    )


def test_an_http1_server_is_not_connected() -> None:
    reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    with tcp_listener(reply) as target:
        result = watch("--collector", target, "--node", "n", "--timeout", "5")
    assert result.returncode == 1
    assert diagnosis(result).startswith(f"not connected to {target}: ")


@pytest.mark.parametrize(
    ("events", "what"),
    [([], "no event"), ([SYNC], "only the Sync marker")],
    ids=["silent", "sync-only"],
)
def test_connected_but_nothing_for_the_node(events: list[metadata_pb2.Event], what: str) -> None:
    collector = ScriptedCollector([play(events)])
    with serving(collector) as target:
        result = watch("--collector", target, "--node", "node-z", "--timeout", "1")
    assert result.returncode == 3
    assert diagnosis(result) == (
        f"connected to {target}, but {what} for node 'node-z' within 1 s"
        " (the node name must be the one Kubernetes uses: `kubectl get pods -o wide`)"
    )
    assert [s.nodeName for s in collector.selectors] == ["node-z"]


def test_a_stream_ended_without_metadata_is_nothing_for_the_node() -> None:
    with serving(ScriptedCollector([play([SYNC], "ok")])) as target:
        result = watch("--collector", target, "--node", "n")
    assert result.returncode == 3
    assert "but only the Sync marker for node 'n' before it ended the stream" in diagnosis(result)


def test_metadata_received_is_exit_0_without_diagnosis() -> None:
    with serving(ScriptedCollector([play([POD, SYNC])])) as target:
        result = watch("--collector", target, "--node", "n", "--timeout", "1")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert "k8smeta watch: " not in result.stderr


def test_a_failed_call_names_the_status() -> None:
    collector = ScriptedCollector([play([], grpc.StatusCode.INVALID_ARGUMENT)])
    with serving(collector) as target:
        result = watch("--collector", target, "--node", "n")
    assert result.returncode == 1
    assert diagnosis(result) == (
        f"{target} failed the Watch call: INVALID_ARGUMENT:"
        " fake collector ends with INVALID_ARGUMENT"
    )


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return make_certificates(tmp_path_factory.mktemp("pki"))


def tls_server(certificates: Certificates) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(certificates.read("server.key"), certificates.read("server.crt"))]
    )


@pytest.mark.parametrize(
    ("server_tls", "ca"), [(False, "ca.crt"), (True, "other-ca.crt")], ids=["plain", "wrong-ca"]
)
def test_tls_errors_are_named(certificates: Certificates, server_tls: bool, ca: str) -> None:
    credentials = tls_server(certificates) if server_tls else None
    with serving(ScriptedCollector([play([POD])]), credentials) as target:
        ca_path = str(certificates.path(ca))
        result = watch("--collector", target, "--node", "n", "--ca", ca_path, "--timeout", "5")
    assert result.returncode == 1
    assert diagnosis(result).startswith(f"TLS error with {target}: ")


def test_plaintext_to_a_tls_collector_suggests_ca(certificates: Certificates) -> None:
    with serving(ScriptedCollector([play([POD])]), tls_server(certificates)) as target:
        result = watch("--collector", target, "--node", "n", "--timeout", "5")
    assert result.returncode == 1
    assert diagnosis(result).startswith(f"not connected to {target}: ")
    assert diagnosis(result).endswith(
        "(a collector with TLS closes plaintext connections: pass --ca)"
    )


def test_tls_with_the_right_ca_receives(certificates: Certificates) -> None:
    with serving(ScriptedCollector([play([POD])]), tls_server(certificates)) as target:
        ca_path = str(certificates.path("ca.crt"))
        result = watch("--collector", target, "--node", "n", "--ca", ca_path, "--count", "1")
    assert result.returncode == 0, result.stderr
    assert '"kind":"Pod"' in result.stdout.replace(" ", "")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--timeout", "-1"], "argument --timeout: must be a positive number of seconds, not '-1'"),
        (["--timeout", "0"], "argument --timeout: must be a positive number of seconds, not '0'"),
        (["--timeout", "nan"], "argument --timeout: must be a positive number of seconds"),
        (["--timeout", "inf"], "argument --timeout: must be a positive number of seconds"),
        (["--connect-timeout", "-5"], "argument --connect-timeout: must be a positive number"),
        (["--count", "0"], "argument --count: must be a positive number of events, not '0'"),
        (["--ca", "/nonexistent"], "argument --ca: cannot read '/nonexistent': No such file"),
        (["--ca", "/"], "argument --ca: cannot read '/': Is a directory"),
        (["--cert", PEM_FILE], "--cert and --key go together"),
        (["--cert", PEM_FILE, "--key", PEM_FILE], "--cert and --key need --ca"),
    ],
)
def test_usage_errors_exit_2_and_name_the_flag(flags: list[str], message: str) -> None:
    result = watch("--collector", "127.0.0.1:1", "--node", "n", *flags)
    assert result.returncode == 2
    assert f"k8smeta watch: error: {message}" in result.stderr


@pytest.mark.parametrize(
    ("collector", "problem"),
    [
        ("127.0.0.1:99999", "port '99999' of '127.0.0.1:99999' is not a TCP port (1 to 65535)"),
        ("127.0.0.1:0", "port '0' of '127.0.0.1:0' is not a TCP port (1 to 65535)"),
        ("127.0.0.1:http", "port 'http' of '127.0.0.1:http' is not a TCP port (1 to 65535)"),
        (":45000", "no host in ':45000' (expected HOST[:PORT])"),
        ("[::1", "unclosed '[' in '[::1'"),
    ],
)
def test_a_bad_collector_port_is_a_usage_error(collector: str, problem: str) -> None:
    """99999 connected to port 34463 (gRPC wrapped it around)."""
    result = watch("--collector", collector, "--node", "n", "--connect-timeout", "1")
    assert result.returncode == 2
    assert f"k8smeta watch: error: argument --collector: {problem}" in result.stderr


@pytest.mark.parametrize(
    ("collector", "target"),
    [("127.0.0.1", "127.0.0.1:45000"), ("[::1]", "[::1]:45000"), ("::1", "[::1]:45000")],
)
def test_a_collector_without_port_is_the_collector_s_default_port(
    collector: str, target: str
) -> None:
    """`localhost` meant port 443 (gRPC's default for a target without port)."""
    result = watch("--collector", collector, "--node", "n", "--connect-timeout", "0.5")
    assert result.returncode in (1, 3), result.stderr  # whatever listens there, if anything
    assert f" {target}" in diagnosis(result)


EXPLAIN_POD = metadata_pb2.Event(
    reason="Create",
    uid="pod-1",
    kind="Pod",
    meta='{"name":"web-1","namespace":"shop","uid":"pod-1"}',
)


def test_explain_of_an_unknown_uid_is_nothing_for_the_node() -> None:
    """It exited 0."""
    with serving(ScriptedCollector([play([EXPLAIN_POD, SYNC])])) as target:
        result = watch("--collector", target, "--node", "n", "--explain", "no-such-uid")
    assert result.returncode == 3, result.stdout + result.stderr
    assert diagnosis(result) == (
        f"connected to {target}, but no pod with UID 'no-such-uid' for node 'n'"
    )
    assert "Pod no-such-uid: MISSING: the collector sent no pod with this UID" in result.stdout


def test_explain_of_a_known_uid_is_exit_0() -> None:
    with serving(ScriptedCollector([play([EXPLAIN_POD, SYNC])])) as target:
        result = watch("--collector", target, "--node", "n", "--explain", "pod-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Pod pod-1: present, name 'web-1', namespace 'shop'" in result.stdout


def test_explain_when_the_stream_fails_mid_snapshot_reports_the_failure() -> None:
    """It said the collector "sent no pod with this UID" although the stream had failed."""
    collector = ScriptedCollector([play([EXPLAIN_POD], grpc.StatusCode.UNAVAILABLE)])
    with serving(collector) as target:
        result = watch("--collector", target, "--node", "n", "--explain", "pod-2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert diagnosis(result) == (
        f"{target} failed the Watch call: UNAVAILABLE: fake collector ends with UNAVAILABLE"
    )
    assert "sent no pod" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].endswith(
        "1 events, the stream failed before the snapshot was complete"
        " (UNAVAILABLE: fake collector ends with UNAVAILABLE)"
    )
    assert lines[1] == (
        "Pod pod-2: not among the 1 events received before the stream failed:"
        " unknown whether the collector would send it"
    )


def test_explain_escapes_what_it_prints() -> None:
    """The UID was echoed raw: a terminal acted on its escape sequences."""
    hostile = "\x1b]0;pwned\x07\x1b[2J\rpod"
    with serving(ScriptedCollector([play([EXPLAIN_POD, SYNC])])) as target:
        result = watch("--collector", target, "--node", "n\x1b[31m", "--explain", hostile)
    assert result.returncode == 3
    for text in (result.stdout, result.stderr):
        assert not [c for c in text if not c.isprintable() and c != "\n"], repr(text)
    assert "Pod \\x1b]0;pwned\\x07\\x1b[2J\\rpod: MISSING" in result.stdout
