"""Instructions per call of the plugin's hot paths, counted by valgrind's callgrind.

Run: `make plugin && .venv/bin/python -m benchmarks.callgrind_abi [--library PATH]`. Builds
benchmarks/callgrind_abi.c like bench_abi.py builds its host, writes the same setup
payloads, and runs the host under callgrind twice per mode (N and 2N calls, collecting only
`k8smeta_measured`): the difference over N is the cost of one call, without the first
call's warm-up. Prints instructions per call of an extract of a cached field
(`k8smeta.pod.name`), of an execve parse, and of an extract after an async event (the
cache emptied: through Python; with that event's parse). Needs valgrind.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import orjson

from benchmarks.bench_abi import LIBRARY, TARGET_POD, cluster, compile_host
from k8smeta.plugin.feed.translate import event_payload

_TOTALS = re.compile(rb"^summary:\s*(\d+)", re.MULTILINE)


def instructions(binary: Path, library: Path, payloads: Path, mode: str, calls: int) -> int:
    """Instructions executed in `k8smeta_measured` for `calls` calls of `mode`."""
    config = orjson.dumps({"collectorHostname": "127.0.0.1", "collectorPort": 1, "nodeName": "n"})
    with tempfile.TemporaryDirectory(prefix="callgrind-abi-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = ["/usr/bin/env", "-i", "valgrind", "--tool=callgrind", "--separate-threads=yes"]
        command += [f"--callgrind-out-file={out}", "--toggle-collect=k8smeta_measured"]
        command += [str(binary), str(library), str(payloads)]
        command += [config.decode(), TARGET_POD, mode, str(calls)]
        proc = subprocess.run(command, capture_output=True, timeout=900, check=False)
        if proc.returncode != 0 or b"done=ok" not in proc.stdout:
            raise SystemExit(
                f"callgrind_abi failed: {proc.stdout[-2000:]!r}{proc.stderr[-2000:]!r}"
            )
        main_thread = out.with_name(out.name + "-01")  # the caller's thread only
        found = _TOTALS.search(main_thread.read_bytes())
        if found is None:
            raise SystemExit("no summary in callgrind's output")
        return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--modes", nargs="+", default=["extract", "parse", "uncached"])
    parser.add_argument("--library", type=Path, default=LIBRARY, help="the library to measure")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed")
    with tempfile.TemporaryDirectory(prefix="callgrind-abi-") as tmp:
        out = Path(tmp)
        binary = compile_host(out, "callgrind_abi")
        payloads = out / "cluster.jsonl"
        payloads.write_bytes(b"".join(event_payload(e).rstrip(b"\0") + b"\n" for e in cluster()))
        for mode in args.modes:
            one = instructions(binary, args.library, payloads, mode, args.calls)
            two = instructions(binary, args.library, payloads, mode, 2 * args.calls)
            print(f"{mode}: {(two - one) / args.calls:,.1f} instructions per call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
