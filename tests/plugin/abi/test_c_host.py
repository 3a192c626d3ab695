"""libk8smeta.so loaded by a C program without Python, as Falco loads it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def run_host(
    binary: Path,
    library: Path,
    mode: str,
    payloads: Path,
    cycles: int,
    *env: str,
    args: tuple[str, ...] = (),
) -> dict[str, str]:
    """Run the C host in an empty environment (no PYTHON*, no venv on PATH) plus `env`;
    `args`: the optional host generation (API minor) and hostProc."""
    command = [str(binary), str(library), mode, str(payloads), str(cycles), *args]
    proc = subprocess.run(
        ["/usr/bin/env", "-i", *env, *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    assert proc.returncode == 0, (values.get("error"), proc.stderr[-2000:])
    return values


@pytest.mark.parametrize(
    ("mode", "env"),
    [
        ("lazy", ()),
        ("local-now", ()),
        # The isolated interpreter ignores the host's Python environment variables.
        ("local-now", ("PYTHONHOME=/nonexistent", "PYTHONPATH=/nonexistent", "PATH=/usr/bin")),
    ],
    ids=["lazy", "local-now", "garbage-python-env"],
)
def test_cold_start(
    cold_start_binary: Path, library: Path, payloads: Path, mode: str, env: tuple[str, ...]
) -> None:
    out = run_host(cold_start_binary, library, mode, payloads, 1, *env)
    assert out["static"] == "ok"
    assert out["bad_init_error"] == "cannot find the init config for the plugin"
    assert out["parsed_async"] == "43"
    assert out["field.pod.name"] == "metrics-server-85d6fcf458-tqkcv"
    assert out["field.pod.uid"] == "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
    assert out["field.pod.label[k8s-app]"] == "metrics-server"
    assert out["field.svc.name"] == "metrics-server"
    assert out["field.ns.labels"] == "kubernetes.io/metadata.name:kube-system"
    assert out["field.state2.pod.name"] == "<NA>"  # the second state holds nothing
    assert out["metric.resources_pod"] == "10"
    assert out["metric.async_events_received"] == "43"
    assert out["done"] == "ok"


def test_reload_cycles_keep_memory_bounded(
    cold_start_binary: Path, library: Path, payloads: Path
) -> None:
    cycles = 30
    out = run_host(cold_start_binary, library, "local-now", payloads, cycles)
    rss = [int(out[f"rss_kb.{i}"]) for i in range(cycles)]
    # After the first cycle (interpreter and imports), each reload adds little.
    growth_per_cycle = (rss[-1] - rss[1]) / (cycles - 2)
    assert growth_per_cycle < 200, rss


def test_benchmark_host_runs(tmp_path: Path, library: Path) -> None:
    """benchmarks/bench_abi.c builds and runs (small counts, no burst): it must not rot."""
    from benchmarks.bench_abi import TARGET_POD, cluster, compile_host

    from k8smeta.plugin.feed.translate import event_payload

    binary = compile_host(tmp_path)
    payloads = tmp_path / "cluster.jsonl"
    payloads.write_bytes(b"".join(event_payload(e).rstrip(b"\0") + b"\n" for e in cluster()))
    config = '{"collectorHostname":"127.0.0.1","collectorPort":1,"nodeName":"n"}'
    proc = subprocess.run(
        [
            "/usr/bin/env",
            "-i",
            str(binary),
            str(library),
            str(payloads),
            config,
            TARGET_POD,
            "1000",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    assert values["setup.parsed"] == str(1000 + 1000 + 2 + 110)
    assert values["extract.pod.name.values"] == "1"
    assert values["extract.svc.name.values"] == "2"
    assert values["extract.ns.labels.values"] == "3"
    assert values["extract.no_pod.values"] == "0"
