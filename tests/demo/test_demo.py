"""`python -m k8smeta demo` end to end: exit code, progress lines and every printed value.

The expected lines are written out from examples/cluster.json and
examples/demo-scenario.json: services are listed by UID (web 419190ae... before frontend
f0a7fb0c...), labels by key in descending byte order, `<NA>` where the pod has no such
owner, label or service (a StatefulSet, a Job and a DaemonSet are no field of the plugin).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "build" / "libk8smeta.so"
PART_OF = "k8smeta.ns.label[app.kubernetes.io/part-of]"
TIME = re.compile(r"^\d\d:\d\d:\d\d\.\d{9}: ")


def line(proc: str, pid: int, values: str) -> str:
    return f"Notice Process started (proc.name={proc} pid={pid} {values})"


def beyond(
    kind: str,
    name: str,
    team: str,
    container: tuple[str, str] = ("<NA>", "<NA>"),
    *,
    node: str = "node-a",
    zone: str = "zone-a",
) -> str:
    """The fields upstream never had: the workload, the node, the forwarded annotation, and
    the container (name, image) of the process."""
    return (
        f" k8smeta.workload.kind={kind} k8smeta.workload.name={name} k8smeta.node.name={node}"
        f" k8smeta.node.label[topology.kubernetes.io/zone]={zone}"
        f" k8smeta.pod.annotation[example.com/team]={team}"
        f" k8smeta.container.name={container[0]} k8smeta.container.image={container[1]}"
    )


def image(name: str, version: str = "1.0") -> tuple[str, str]:
    return name, f"registry.example/{name}:{version}"


EXPECTED = [
    line(
        "nginx", 4242,
        "k8smeta.pod.name=frontend-6d4cf56db6-k7xqz k8smeta.ns.name=shop "
        "k8smeta.deployment.name=frontend k8smeta.rs.name=frontend-6d4cf56db6 "
        "k8smeta.rc.name=<NA> k8smeta.svc.name=(web,frontend) "
        "k8smeta.pod.labels=(tier:web,pod-template-hash:6d4cf56db6,app:frontend) "
        f"{PART_OF}=webshop" + beyond("Deployment", "frontend", "storefront", image("frontend")),
    ),
    line(
        "cart-server", 4310,
        "k8smeta.pod.name=cart-7c9d8f6b5-qp4lw k8smeta.ns.name=shop "
        "k8smeta.deployment.name=cart k8smeta.rs.name=cart-7c9d8f6b5 k8smeta.rc.name=<NA> "
        "k8smeta.svc.name=(cart) k8smeta.pod.labels=(pod-template-hash:7c9d8f6b5,app:cart) "
        f"{PART_OF}=webshop" + beyond("Deployment", "cart", "payments", image("cart")),
    ),
    line(
        "redis-server", 4377,
        "k8smeta.pod.name=redis-0 k8smeta.ns.name=shop k8smeta.deployment.name=<NA> "
        "k8smeta.rs.name=<NA> k8smeta.rc.name=<NA> k8smeta.svc.name=(redis) "
        "k8smeta.pod.labels=(statefulset.kubernetes.io/pod-name:redis-0,app:redis) "
        f"{PART_OF}=webshop" + beyond("StatefulSet", "redis", "payments", image("redis")),
    ),
    line(
        "migrate", 4401,
        "k8smeta.pod.name=db-migrate-x7k2p k8smeta.ns.name=shop k8smeta.deployment.name=<NA> "
        "k8smeta.rs.name=<NA> k8smeta.rc.name=<NA> k8smeta.svc.name=<NA> "
        "k8smeta.pod.labels=(batch.kubernetes.io/job-name:db-migrate,app:db-migrate) "
        f"{PART_OF}=webshop" + beyond("Job", "db-migrate", "<NA>", image("db")),
    ),
    line(
        "nginx", 4455,
        "k8smeta.pod.name=legacy-nginx-h5d2c k8smeta.ns.name=default "
        "k8smeta.deployment.name=<NA> k8smeta.rs.name=<NA> k8smeta.rc.name=legacy-nginx "
        "k8smeta.svc.name=(legacy-nginx) k8smeta.pod.labels=(app:legacy-nginx) "
        f"{PART_OF}=<NA>"
        + beyond("ReplicationController", "legacy-nginx", "<NA>", image("legacy")),
    ),
    line(
        "kube-proxy", 4502,
        "k8smeta.pod.name=kube-proxy-4xj9p k8smeta.ns.name=kube-system "
        "k8smeta.deployment.name=<NA> k8smeta.rs.name=<NA> k8smeta.rc.name=<NA> "
        "k8smeta.svc.name=<NA> "
        "k8smeta.pod.labels=(pod-template-generation:1,k8s-app:kube-proxy,"
        "controller-revision-hash:7d4f6c9b8) "
        f"{PART_OF}=<NA>" + beyond("DaemonSet", "kube-proxy", "<NA>", image("kube")),
    ),
    line(
        "report", 4533,
        "k8smeta.pod.name=nightly-report-29410560-q8wz2 k8smeta.ns.name=shop "
        "k8smeta.deployment.name=<NA> k8smeta.rs.name=<NA> k8smeta.rc.name=<NA> "
        "k8smeta.svc.name=<NA> "
        "k8smeta.pod.labels=(batch.kubernetes.io/job-name:nightly-report-29410560,"
        "batch.kubernetes.io/controller-uid:fafbb881-1e80-5b4e-94d0-0c5e2dd7be7e,"
        "app:nightly-report) "
        f"{PART_OF}=webshop"
        + beyond("CronJob", "nightly-report", "analytics", image("report", "2.3")),
    ),
    line(
        "sshd", 4617,
        "k8smeta.pod.name=<NA> k8smeta.ns.name=<NA> k8smeta.deployment.name=<NA> "
        "k8smeta.rs.name=<NA> k8smeta.rc.name=<NA> k8smeta.svc.name=<NA> "
        f"k8smeta.pod.labels=<NA> {PART_OF}=<NA>"
        + beyond("<NA>", "<NA>", "<NA>", node="<NA>", zone="<NA>"),
    ),
]  # fmt: skip


def demo(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    if not LIBRARY.exists():
        if os.environ.get("CI"):
            pytest.fail("build/libk8smeta.so is missing: CI must run `make plugin` first")
        pytest.skip("build/libk8smeta.so is not built: run `make plugin`")
    return subprocess.run(
        [sys.executable, "-m", "k8smeta", "demo", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )


def test_demo_prints_every_pod_s_metadata_and_exits_0() -> None:
    started = time.monotonic()
    result = demo()
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    events = [TIME.sub("", text) for text in lines if TIME.match(text)]
    assert events == EXPECTED
    progress = [text.split("] ", 1)[1] for text in lines if text.startswith("[")]
    assert [text.split(":")[0] for text in progress] == [
        "collector ready",
        "plugin synced",
        "plugin stopped (async handler off, destroyed)",
        "collector stopped (exit code 0); done",
    ]
    assert "plugin synced: 28 objects for node-a" in progress
    assert elapsed < 30.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--library", "/nonexistent/libk8smeta.so"], "is missing: run `make plugin` first"),
        (["--node", "node-z"], "pid 4242: k8smeta.pod.name is None"),
        (["--snapshot", "pyproject.toml"], "demo failed: the snapshot pyproject.toml is not JSON"),
        (
            ["--snapshot", "/nonexistent/cluster.json"],
            "demo failed: cannot read the snapshot /nonexistent/cluster.json: No such file",
        ),
        (
            ["--snapshot", "examples/demo-scenario.json"],
            "demo failed: the snapshot examples/demo-scenario.json is not a `kubectl get -o json`"
            " dump",
        ),
    ],
)
def test_demo_fails_with_exit_1_and_says_why(args: list[str], message: str) -> None:
    result = demo(*args, "--timeout", "10")
    assert result.returncode == 1
    assert message in result.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'["web"]', "process 1 is a string, not a JSON object"),
        (b'[{"pid": 1, "proc": "a"}, 7]', "process 2 is a number, not a JSON object"),
        (b"[[1, 2]]", "process 1 is a list, not a JSON object"),
        (b"[null]", "process 1 is null, not a JSON object"),
        (b'[{"proc": "a"}]', "process 1 has no 'pid'"),
        (b'[{"pid": "1", "proc": "a"}]', "process 1 has 'pid' = a string, not a number"),
        (b'[{"pid": 1, "proc": "a", "pod": 3}]', "process 1 has 'pod' = a number, not a string"),
        (b'{"pid": 1}', "expected a JSON list of processes"),
        (b"not json", "is not JSON"),
    ],
)
def test_a_malformed_scenario_is_a_usage_error(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    """Non-object entries raised a traceback."""
    path = tmp_path / "scenario.json"
    path.write_bytes(content)
    result = demo("--scenario", str(path), "--timeout", "10")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("k8smeta demo: error: ")]
    assert line.startswith("k8smeta demo: error: argument --scenario: ")
    assert problem in line
