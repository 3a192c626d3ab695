"""Init of libk8smeta.so in a C process without Python (tests/host/c/init_env.c).

The library starts its interpreter when it is loaded; Python's `os.environ` is a copy of
the environment at that moment. The host may set variables afterwards (with `setenv`),
before init: `${VAR}` in `nodeName` must see them, and the collector must receive that node
name in the selector.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from google.protobuf import json_format

from k8smeta.wire import metadata_pb2
from tests.conftest import load_collector_stream
from tests.plugin.abi.conftest import C_SOURCES, compile_c
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving


@pytest.fixture(scope="module")
def init_env_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("c-host-init")
    return compile_c(out, "init_env", [C_SOURCES / "init_env.c", C_SOURCES / "fakesinsp.c"])


RunInit = Callable[..., tuple[dict[str, str], str]]


@pytest.fixture
def run_init(init_env_binary: Path, library: Path) -> RunInit:
    """Runs the host in an empty environment: `run_init(config, wait_ms, "NAME=VALUE", ...)`
    (the variables are set with setenv after dlopen); returns its values and its stderr."""

    def run(config: dict[str, object], wait_ms: int, *env: str) -> tuple[dict[str, str], str]:
        command = [str(init_env_binary), str(library), json.dumps(config), str(wait_ms), *env]
        proc = subprocess.run(
            ["/usr/bin/env", "-i", *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
        assert proc.returncode == 0, proc.stdout + proc.stderr
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
