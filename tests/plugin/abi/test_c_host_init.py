"""Init of libk8smeta.so in a C process without Python (tests/host/c/init_env.c).

The library starts its interpreter when it is loaded; Python's `os.environ` is a copy of
the environment at that moment. The host may set variables afterwards (with `setenv`),
before init: `${VAR}` in `nodeName` must see them, and the collector must receive that node
name in the selector.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from google.protobuf import json_format

from k8smeta.wire import metadata_pb2
from tests.collector.rpc.certs import Certificates, make_certificates
from tests.conftest import load_collector_stream
from tests.plugin.abi.conftest import C_SOURCES, compile_c, run_c_host
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving


@pytest.fixture(scope="module")
def init_env_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("c-host-init")
    return compile_c(out, "init_env", [C_SOURCES / "init_env.c", C_SOURCES / "fakesinsp.c"])


RunInit = Callable[..., tuple[dict[str, str], str]]


@pytest.fixture
def run_init(init_env_binary: Path, library: Path) -> RunInit:
    """Runs the host in an empty environment: `run_init(config, wait_ms, "NAME=VALUE", ...)`
    (the variables are set with setenv after dlopen); returns its values and its stderr.
    `start_env` (keyword) is the environment the host starts with; `library` another .so."""

    def run(
        config: dict[str, object],
        wait_ms: int,
        *env: str,
        start_env: tuple[str, ...] = (),
        so: Path = library,
    ) -> tuple[dict[str, str], str]:
        command = [str(init_env_binary), str(so), json.dumps(config), str(wait_ms), *env]
        values, proc = run_c_host(command, environment=start_env)
        assert values.get("done") == "ok", proc.stdout + proc.stderr
        return values, proc.stderr

    return run


def test_node_name_set_after_dlopen_reaches_the_collector(run_init: RunInit) -> None:
    first = json_format.ParseDict(load_collector_stream()[0], metadata_pb2.Event())
    collector = ScriptedCollector([play([first])])
    with serving(collector) as target:
        port = int(target.rsplit(":", 1)[1])
        config = {
            "collectorHostname": "127.0.0.1",
            "collectorPort": port,
            "nodeName": " ${FALCO_NODE_NAME} ",
            "verbosity": "debug",
        }
        values, logs = run_init(config, 15_000, "FALCO_NODE_NAME=node-set-after-dlopen")
    assert values["init_rc"] == "0", values["last_error"]
    assert values["async_pushed"] == "1"
    assert [s.nodeName for s in collector.selectors] == ["node-set-after-dlopen"]
    assert "metadata are received from node 'node-set-after-dlopen'" in logs


SIMPLE = {"collectorHostname": "127.0.0.1", "collectorPort": 45000, "nodeName": "n"}


@pytest.mark.parametrize(
    ("changes", "files", "error"),
    [
        (
            {"collectorPort": 70000},
            {},
            "invalid init config: key 'collectorPort' must be a TCP port (1 to 65535), not 70000",
        ),
        (
            {"caPEMBundle": "{empty.pem}"},
            {"empty.pem": b""},
            "caPEMBundle '{empty.pem}' is no PEM root bundle: the file is empty",
        ),
        (
            {"caPEMBundle": "{text.pem}"},
            {"text.pem": b"no certificate here\n"},
            "caPEMBundle '{text.pem}' is no PEM root bundle: the file holds no PEM certificate",
        ),
        (
            {"caPEMBundle": "", "clientCertPEM": "{c.pem}", "clientKeyPEM": "{k.pem}"},
            {"c.pem": b"pem", "k.pem": b"pem"},
            "invalid init config: key 'clientCertPEM' requires a non-empty 'caPEMBundle'",
        ),
    ],
    ids=["port-70000", "empty-ca", "text-ca", "client-cert-without-ca"],
)
def test_unsafe_configs_fail_init_with_the_reason(
    run_init: RunInit,
    tmp_path: Path,
    changes: dict[str, str | int],
    files: dict[str, bytes],
    error: str,
) -> None:
    paths = {f"{{{name}}}": str(tmp_path / name) for name in files}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)

    def filled(text: str) -> str:
        for placeholder, path in paths.items():
            text = text.replace(placeholder, path)
        return text

    config = {**SIMPLE, **{k: filled(v) if isinstance(v, str) else v for k, v in changes.items()}}
    values, _ = run_init(config, 0)
    assert values["init_rc"] != "0"
    assert values["last_error"] == filled(error)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def _labelled_as_key(certificate: bytes) -> bytes:
    """A certificate's PEM block relabelled as a private key."""
    return certificate.replace(b"CERTIFICATE", b"PRIVATE KEY")


#: (clientCertPEM content, clientKeyPEM content, last error); a content is bytes, the name
#: of a file of `certificates`, or FIFO (a named pipe nobody writes).
FIFO = "fifo"
BAD_PAIRS = [
    (
        "client.crt",
        b"",
        "clientKeyPEM '{k}' is no PEM private key: the file is empty",
    ),
    (
        b"",
        "client.key",
        "clientCertPEM '{c}' is no PEM certificate chain: the file is empty",
    ),
    (
        "client.crt",
        b"just text\n",
        "clientKeyPEM '{k}' is no PEM private key: the file holds no PEM private key",
    ),
    (
        "client.crt",
        "client.crt",
        "clientKeyPEM '{k}' is no PEM private key:"
        " the file holds no PEM private key (it holds CERTIFICATE)",
    ),
    (
        "client.crt",
        _labelled_as_key,
        "clientKeyPEM '{k}' is no PEM private key:"
        " its PRIVATE KEY block is not a valid private key",
    ),
    (
        "client.key",
        "client.key",
        "clientCertPEM '{c}' is no PEM certificate chain:"
        " the file holds no PEM certificate (it holds PRIVATE KEY)",
    ),
    (
        "client.crt",
        "stranger.key",
        "clientKeyPEM '{k}' does not match the certificate in clientCertPEM '{c}'"
        " (their public keys differ)",
    ),
    (
        FIFO,
        "client.key",
        "cannot read clientCertPEM '{c}': a FIFO, not a regular file",
    ),
    (
        "client.crt",
        FIFO,
        "cannot read clientKeyPEM '{k}': a FIFO, not a regular file",
    ),
]


@pytest.mark.parametrize(
    ("cert", "key", "error"),
    BAD_PAIRS,
    ids=[
        "empty-key",
        "empty-cert",
        "text-key",
        "cert-as-key-file",
        "cert-labelled-as-key",
        "key-as-cert-file",
        "key-of-another-cert",
        "fifo-cert",
        "fifo-key",
    ],
)
def test_unusable_client_pair_fails_init_before_grpc_sees_it(
    run_init: RunInit,
    certificates: Certificates,
    tmp_path: Path,
    *,
    cert: object,
    key: object,
    error: str,
) -> None:
    """gRPC aborted the host at the first handler on an empty key or chain, and failed
    every handshake on a mismatched or mislabelled pair; init now fails with the reason."""
    paths = {"c": tmp_path / "cert.pem", "k": tmp_path / "key.pem"}
    for path, content in ((paths["c"], cert), (paths["k"], key)):
        if content == FIFO:
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_bytes(certificates.read(content))
        else:
            assert callable(content)
            path.write_bytes(content(certificates.read("client.crt")))
    config = {
        **SIMPLE,
        "caPEMBundle": str(certificates.path("ca.crt")),
        "clientCertPEM": str(paths["c"]),
        "clientKeyPEM": str(paths["k"]),
    }
    values, _ = run_init(config, 1000)
    assert values["init_rc"] != "0"
    assert values["last_error"] == error.format(c=paths["c"], k=paths["k"])


def test_a_matching_client_pair_passes_init(run_init: RunInit, certificates: Certificates) -> None:
    config = {
        **SIMPLE,
        "caPEMBundle": str(certificates.path("ca.crt")),
        "clientCertPEM": str(certificates.path("client.crt")),
        "clientKeyPEM": str(certificates.path("client.key")),
    }
    values, _ = run_init(config, 0)
    assert values["init_rc"] == "0", values["last_error"]


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "dir"])
def test_a_ca_bundle_that_is_no_regular_file_fails_init(
    run_init: RunInit, tmp_path: Path, special: str
) -> None:
    """A FIFO with no writer blocked init forever."""
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    path = special if special.startswith("/") else str(tmp_path / special)
    kind = {"fifo": "a FIFO", "/dev/zero": "a character device", "dir": "a directory"}[special]
    values, _ = run_init({**SIMPLE, "caPEMBundle": path}, 0)
    assert values["init_rc"] != "0"
    assert values["last_error"] == f"cannot read caPEMBundle '{path}': {kind}, not a regular file"


def test_a_ca_bundle_path_with_a_nul_is_a_config_error(run_init: RunInit) -> None:
    """It was `internal error in init: ValueError('embedded null byte')`."""
    values, _ = run_init({**SIMPLE, "caPEMBundle": "/etc/ssl/ca.pem\u0000.txt"}, 0)
    assert values["init_rc"] != "0"
    assert values["last_error"] == (
        "invalid init config: key 'caPEMBundle' holds a path with a NUL character"
    )


def _other_pythons() -> list[Path]:
    """Shared libpythons of other versions on this machine (pyenv's builds)."""
    found = sorted(Path.home().glob(".pyenv/versions/3.*/lib/libpython3.*.so.1.0"))
    ours = f"libpython{sys.version_info.major}.{sys.version_info.minor}.so.1.0"
    return [path for path in found if path.name != ours]


OTHER_PYTHONS = _other_pythons()


@pytest.mark.parametrize("how", ["LD_PRELOAD", "host-started"])
@pytest.mark.parametrize(
    "other", OTHER_PYTHONS or [None], ids=[p.name for p in OTHER_PYTHONS] or ["none"]
)
def test_another_libpython_in_the_process_fails_init_untouched(
    run_init: RunInit, how: str, other: Path | None
) -> None:
    """It crashed in PyConfig_Clear at dlopen (preloaded) or spun forever in init (a host
    that had started its own interpreter)."""
    if other is None:
        pytest.skip("no libpython of another version on this machine")
    variable = "LD_PRELOAD" if how == "LD_PRELOAD" else "INIT_ENV_HOST_PYTHON"
    values, _ = run_init(SIMPLE, 0, start_env=(f"{variable}={other}",))
    assert values["init_rc"] != "0"
    assert values["last_error"] == (
        f"k8smeta: another Python runtime is already loaded in the process ({other});"
        f" the plugin needs its own Python {sys.version_info.major}.{sys.version_info.minor}"
        " and does not touch another interpreter"
    )
