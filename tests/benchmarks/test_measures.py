"""The benchmarks measure the process they name, not its parent."""

from __future__ import annotations

import subprocess
import sys

from tests.kubeapi.real.cluster import ROOT

CHILD = "from benchmarks.bench_collector import peak_rss_mib; print(peak_rss_mib())"


def test_a_child_of_a_large_parent_reports_its_own_peak_rss() -> None:
    """Linux carries ru_maxrss over fork and exec: a collector started by an orchestrator
    that holds a loaded cluster reported the orchestrator's peak as its own."""
    ballast = bytearray(256 * 2**20)
    for offset in range(0, len(ballast), 4096):  # touched: resident in this process
        ballast[offset] = 1
    answer = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert float(answer.stdout) < 128, answer.stdout  # the interpreter alone: ~10-20 MiB
    del ballast
