"""The demo's run: collector up, plugin synced for one node, events replayed, all shut down.

Every wait is bounded; any failure (collector not ready, sync not complete, a pod event whose
`k8smeta.pod.name` is not its pod's or whose `k8smeta.container.name` is not its container's,
a collector exit code other than 0) makes `run` return 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from k8smeta.demo import scenario
from k8smeta.demo.cluster import DEMO_ANNOTATION, Cluster, ClusterError
from k8smeta.demo.collector_process import CollectorError, start_collector
from k8smeta.demo.files import InputFileError
from k8smeta.demo.formatting import OUTPUT_FIELDS, FieldValue, falco_line
from k8smeta.demo.host import EXECVE_X, PluginHost, open_host

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[3]


class DemoError(Exception):
    """A step of the demo failed; the message says which."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What the demo runs on (defaults: the repository's build and examples)."""

    library: Path = ROOT / "build" / "libk8smeta.so"
    snapshot: Path = ROOT / "examples" / "cluster.json"
    scenario: Path = ROOT / "examples" / "demo-scenario.json"
    node: str = "node-a"
    timeout: float = 20.0


HostFactory = Callable[[Path], PluginHost]


@dataclass(frozen=True, slots=True)
class Plan:
    """What one run does: its options, the node's object count and the events to replay."""

    options: DemoOptions
    expected: int
    events: tuple[scenario.ProcessEvent, ...]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `k8smeta demo` flags (every one has a working default)."""
    defaults = DemoOptions()
    add = parser.add_argument
    add("--library", type=Path, default=defaults.library, help="the built libk8smeta.so")
    add("--snapshot", type=Path, default=defaults.snapshot, help="kubectl -o json cluster dump")
    add(
        "--scenario",
        type=scenario.scenario_path,
        default=defaults.scenario,
        help="processes to replay (JSON)",
    )
    add("--node", default=defaults.node, help="the node the plugin runs on (default node-a)")
    add("--timeout", type=float, default=defaults.timeout, help="bound of each wait (s)")


def options_from(args: argparse.Namespace) -> DemoOptions:
    return DemoOptions(args.library, args.snapshot, args.scenario, args.node, args.timeout)


class Clock:
    """Seconds since the demo started, for the progress lines."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def __str__(self) -> str:
        return f"[{time.monotonic() - self._start:5.2f}s]"


def run(options: DemoOptions, out: TextIO, host_factory: HostFactory = open_host) -> int:
    """Run the demo, writing to `out`; 0 on success, 1 on any failure."""
    try:
        _run(options, out, host_factory)
    except BrokenPipeError:  # the reader went away (e.g. `| head`); everything is shut down
        return 1
    except (
        DemoError,
        ClusterError,
        InputFileError,
        CollectorError,
        scenario.ScenarioError,
        OSError,
        ValueError,
    ) as exc:
        print(f"demo failed: {exc}", file=out, flush=True)
        return 1
    return 0


def _run(options: DemoOptions, out: TextIO, host_factory: HostFactory) -> None:
    if not options.library.exists():
        raise DemoError(f"{options.library} is missing: run `make plugin` first")
    cluster = Cluster.load(options.snapshot)
    events = scenario.load(options.scenario, cluster)
    expected = len(cluster.node_view(options.node))
    plan = Plan(options, expected, tuple(events))
    clock = Clock()
    _header(out, options, expected)
    collector = start_collector([options.snapshot], options.timeout)
    try:
        print(f"{clock} collector ready: gRPC on 127.0.0.1:{collector.ports.broker}", file=out)
        _with_plugin(plan, out, host_factory, collector.ports.broker, clock)
        code = collector.stop(options.timeout)
        if code != 0:
            raise DemoError(f"the collector exited with {code}:\n{collector.output()}")
        print(f"{clock} collector stopped (exit code 0); done", file=out, flush=True)
    finally:
        collector.close()


def _header(out: TextIO, options: DemoOptions, expected: int) -> None:
    print(
        "k8smeta demo\n"
        f"  1. start the collector on 127.0.0.1, serving the cluster in {options.snapshot.name}\n"
        f"  2. load {options.library.name} in the bundled Falco stand-in for node "
        f"{options.node}\n"
        f"  3. wait until the plugin holds the {expected} objects {options.node} needs\n"
        "  4. replay execve events from pods of that node (cgroupfs and systemd cgroup drivers,\n"
        "     cgroup v1 and v2) and from a host process, and print one Falco-style line per\n"
        "     event with the k8smeta fields (<NA> = no value)\n",
        file=out,
        flush=True,
    )


def _with_plugin(
    plan: Plan, out: TextIO, host_factory: HostFactory, port: int, clock: Clock
) -> None:
    options, expected = plan.options, plan.expected
    host = host_factory(options.library)
    try:
        config = {
            "collectorHostname": "127.0.0.1",
            "collectorPort": port,
            "podAnnotations": [DEMO_ANNOTATION],
        }
        error = host.init(json.dumps({**config, "nodeName": options.node}))
        if error is not None:
            raise DemoError(f"plugin init failed: {error}")
        if host.set_async_handler(True) != 0:
            raise DemoError("set_async_event_handler failed")
        _wait_synced(host, expected, options.timeout)
        print(f"{clock} plugin synced: {expected} objects for {options.node}\n", file=out)
        for event in plan.events:
            print(_replay(host, event), file=out, flush=True)
        print(file=out)
    finally:
        host.destroy()
    print(f"{clock} plugin stopped (async handler off, destroyed)", file=out, flush=True)


def _wait_synced(host: PluginHost, expected: int, timeout: float) -> None:
    """Until the plugin's store holds exactly the node's `expected` objects."""
    if not host.wait_queued(expected, timeout):
        received = host.metrics().get("async_events_received", 0)
        raise DemoError(f"sync incomplete after {timeout:.0f} s ({received}/{expected} events)")
    host.deliver_async()
    held = sum(v for k, v in host.metrics().items() if k.startswith("resources_"))
    if held != expected:
        raise DemoError(f"the plugin holds {held} objects, expected {expected}")


def _replay(host: PluginHost, event: scenario.ProcessEvent) -> str:
    """Deliver one execve, extract the output fields, check the pod name; the line."""
    if not host.process_event(EXECVE_X, event.pid, 0, event.cgroups):
        raise DemoError(f"parse_event failed for pid {event.pid}")
    fields = [
        FieldValue(name, host.extract(event.pid, name), host.resolve(name)[2])
        for name in OUTPUT_FIELDS
    ]
    pod_name = fields[0].values
    wanted = None if event.pod is None else [event.pod.name]
    if pod_name != wanted:
        raise DemoError(f"pid {event.pid}: k8smeta.pod.name is {pod_name}, expected {wanted}")
    container = next(f.values for f in fields if f.name == "k8smeta.container.name")
    wanted = None if event.container is None else [event.container[0]]
    if container != wanted:
        raise DemoError(
            f"pid {event.pid}: k8smeta.container.name is {container}, expected {wanted}"
        )
    return falco_line(time.time_ns(), event.proc_name, event.pid, fields)
