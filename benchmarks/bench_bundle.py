"""The plugin bundle: its size, and the cold start of its library in a root without Python.

Run (as root, after `make bundle`): `.venv/bin/python -m benchmarks.bench_bundle [--runs R]`
(default R = 10; about a minute, plus 30 s for debootstrap the first time).

Method. The tarball `make bundle` wrote is measured as is (compressed) and unpacked. Each run
unpacks it into a fresh directory of the cached Debian minbase root file system
(scripts/debian_rootfs.sh; no Python in it), so the page cache holds the files but nothing
of a previous run is reused, and runs tests/bundle/bundle_host.c there under chroot with an
empty environment (`RTLD_LOCAL|RTLD_NOW`): dlopen and init (the library starts CPython and
imports the plugin), then the plugin's own gRPC feed syncs the 43 recorded events from a
loopback collector (a grpcio server outside the chroot), then one extraction. Reported
(median and max of R runs, in ms, from before dlopen): `init` (init returned), `synced` (the
43 events parsed) and `first value` (the first extraction with a value returned); and
`init to first value`, from init returned to that value.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path

from tests.bundle.runner import Request, install_host, recorded_collector, run_in_root, unpack
from tests.plugin.abi.conftest import C_SOURCES, ROOT, compile_c

from k8smeta.plugin.abi.bundle import artifact_name

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"


def unpacked_size(tarball: Path) -> int:
    with tarfile.open(tarball) as tar:
        return sum(m.size for m in tar.getmembers() if m.isfile())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tarball = ROOT / "dist" / artifact_name()
    if not tarball.exists():
        raise SystemExit(f"{tarball} is missing: run `make bundle` first")
    root = Path(
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "debian_rootfs.sh")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    print(f"tarball: {tarball.stat().st_size / 1e6:.1f} MB compressed")
    print(f"unpacked: {unpacked_size(tarball) / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        host_binary = compile_c(
            Path(tmp),
            "bundle_host",
            [ROOT / "tests/bundle/bundle_host.c", C_SOURCES / "fakesinsp.c"],
        )
        timings: dict[str, list[float]] = {"init_us": [], "synced_us": [], "first_value_us": []}
        init_to_value: list[float] = []
        for _ in range(args.runs):
            work = root / "opt" / f"k8smeta-bench-{uuid.uuid4().hex[:12]}"
            try:
                host = install_host(host_binary, work)
                library = unpack(tarball, work / "plugins")
                with recorded_collector() as port:
                    outcome = run_in_root(
                        root,
                        host,
                        library,
                        mode="local-now",
                        port=port,
                        requests=[Request(POD, "k8smeta.pod.name")],
                    )
                for key, values in timings.items():
                    values.append(int(outcome.values[key]) / 1000)
                init_to_value.append(timings["first_value_us"][-1] - timings["init_us"][-1])
            finally:
                shutil.rmtree(work, ignore_errors=True)
    for key, values in timings.items():
        name = key.removesuffix("_us").replace("_", " ")
        print(f"{name}: median {statistics.median(values):.0f} ms, max {max(values):.0f} ms")
    print(
        f"init to first value: median {statistics.median(init_to_value):.0f} ms,"
        f" max {max(init_to_value):.0f} ms"
    )


if __name__ == "__main__":
    main()
