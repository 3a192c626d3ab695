"""Run the bundle's library inside a root file system: unpack, serve, chroot, read back.

Used by the bundle test and by benchmarks/bench_bundle.py. The collector is a real gRPC
server on 127.0.0.1 outside the chroot (a chroot shares the network namespace, so the
plugin inside reaches it on loopback), replaying the recorded stream.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf import json_format

from k8smeta.plugin.core.fields import FIELDS
from k8smeta.wire import metadata_pb2
from tests.conftest import load_collector_stream
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving

EVENTS = 43  # the recorded stream


@dataclass(frozen=True, slots=True)
class Request:
    """One extraction: a thread of pod `uid` asks for `field` (`name[arg]` for keyed ones)."""

    uid: str
    field: str

    def line(self) -> str:
        name, _, arg = self.field.partition("[")
        field_id = [f.name for f in FIELDS].index(name)
        return f"{self.uid}\t{field_id}\t{arg.rstrip(']')}\n"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the C host printed: its key=value lines, the values of each request, and the
    severities of the plugin's logs (1 fatal ... 8 trace)."""

    values: dict[str, str]
    extracted: list[list[str] | None]
    severities: list[int]


@contextmanager
def recorded_collector(credentials: grpc.ServerCredentials | None = None) -> Iterator[int]:
    """A collector on 127.0.0.1 streaming the recorded events (over TLS with
    `credentials`); yields its port."""
    events = [json_format.ParseDict(e, metadata_pb2.Event()) for e in load_collector_stream()]
    with serving(ScriptedCollector([play(events, "hold")]), credentials) as target:
        yield int(target.rsplit(":", 1)[1])


def unpack(tarball: Path, directory: Path) -> Path:
    """Unpack the artifact as falcoctl does (into an existing directory); returns the .so."""
    directory.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(directory, filter="tar")
    return directory / "libk8smeta.so"


def run_in_root(
    root: Path | None,
    host: Path,
    library: Path,
    *,
    mode: str,
    port: int,
    requests: list[Request],
    tls: Path | None = None,
) -> Outcome:
    """Run the C host under `chroot root` (on this machine when `root` is None) with an
    empty environment (as `env -i`); `host` and `library` are paths inside `root`. It must
    succeed."""
    proc = run_host(root, host, library, mode=mode, port=port, requests=requests, tls=tls)
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    assert proc.returncode == 0, (values.get("error"), proc.stdout[-1500:], proc.stderr[-3000:])
    extracted: list[list[str] | None] = []
    for i in range(len(requests)):
        count, _, joined = values[f"value.{i}"].partition("|")
        assert int(count) >= 0, (requests[i], "FAILURE")
        extracted.append(joined.split("\x1f") if int(count) else None)
    severities = [int(m) for m in re.findall(r"^k8smeta: \[(\d)\] ", proc.stderr, re.MULTILINE)]
    return Outcome(values, extracted, severities)


def run_host(
    root: Path | None,
    host: Path,
    library: Path,
    *,
    mode: str,
    port: int,
    requests: list[Request],
    tls: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """The C host's run under `chroot root` (or here, when `root` is None), with an empty
    environment, whatever its end; with `tls` (a directory in `root` holding ca.crt,
    client.crt, client.key), mutual TLS."""
    work = host.parent
    (work / "requests.tsv").write_text("".join(r.line() for r in requests))
    paths = [host, library, work / "requests.tsv", *([] if tls is None else [tls])]
    inside = [str(p) if root is None else f"/{p.relative_to(root)}" for p in paths]
    chroot = [] if root is None else [shutil.which("chroot") or "/usr/sbin/chroot", str(root)]
    return subprocess.run(
        [*chroot, inside[0], inside[1], mode, str(port), str(EVENTS), *inside[2:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={},
    )


def install_host(host: Path, work: Path) -> Path:
    """Copy the C host into `work` (a directory inside a root); returns its path there."""
    work.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(host, work / host.name))
