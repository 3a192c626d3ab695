"""The fields beyond upstream end to end: the Kubernetes API stand-in -> our collector
(StatefulSets, Jobs, CronJobs, Nodes, `--pod-annotations team`) -> libk8smeta.so in the
Falco stand-in; and `k8smeta watch --explain` against the same collector."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import Iterator

import pytest

from k8smeta.falcosim import Host
from k8smeta.tools import watch
from tests.interop.event_thread import EventThread
from tests.interop.stack import NODE, TIMEOUT, collector_over, library
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

POD_DS, POD_STS, POD_CRON = (f"0{i}0{i}0{i}0{i}-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))
TIDS = {POD_DS: 201, POD_STS: 202, POD_CRON: 203}
FIELDS = (
    "k8smeta.ds.name",
    "k8smeta.sts.label[tier]",
    "k8smeta.job.name",
    "k8smeta.cronjob.name",
    "k8smeta.node.name",
    "k8smeta.node.label[zone]",
    "k8smeta.workload.kind",
    "k8smeta.workload.name",
    "k8smeta.pod.annotation[team]",
    "k8smeta.pod.annotation[secret]",
)


def seed(api: KubeApiStandIn) -> list[objects.Obj]:
    ds = objects.daemon_set("agent", "shop", uid="ds-1")
    sts = objects.workload("StatefulSet", "db", "shop", labels={"tier": "data"}, uid="sts-1")
    cron = objects.workload("CronJob", "backup", "shop", uid="cj-1")
    job = objects.workload("Job", "backup-1", "shop", owner=cron, uid="job-1")
    annotations = {"team": "payments", "secret": "s3cr3t"}
    return [
        api.add(obj)
        for obj in (
            objects.namespace("shop", uid="ns-shop"),
            objects.node(NODE, labels={"zone": "z1"}, uid="node-uid"),
            objects.node("node-b", labels={"zone": "z2"}, uid="node-b-uid"),
            ds,
            sts,
            cron,
            job,
            objects.pod("agent-x", "shop", owner=ds, uid=POD_DS),
            objects.pod("db-0", "shop", owner=sts, uid=POD_STS),
            objects.pod("backup-1-x", "shop", owner=job, uid=POD_CRON, annotations=annotations),
        )
    ]


@contextlib.contextmanager
def plugin(port: int) -> Iterator[Host]:
    host = Host(library())
    config = {
        "collectorHostname": "127.0.0.1",
        "collectorPort": port,
        "nodeName": NODE,
        "podAnnotations": ["team", "secret"],  # the collector forwards `team` only
    }
    try:
        assert host.init(json.dumps(config)) is None
        assert host.set_async_handler(True) == 0
        yield host
    finally:
        host.destroy()


@pytest.mark.asyncio
async def test_new_kinds_reach_the_fields_and_explain() -> None:
    async with KubeApiStandIn() as api:
        seeded = seed(api)
        async with collector_over(api, pod_annotations=frozenset({"team"})) as running:
            port = running.grpc_port
            with plugin(port) as host:
                ev = EventThread(host, FIELDS)
                ev.know(seeded)
                ev.vocabulary |= {"DaemonSet", "StatefulSet", "CronJob", "payments"}
                for uid, tid in TIDS.items():
                    ev.spawn(tid, uid)
                node = {"k8smeta.node.name": NODE, "k8smeta.node.label[zone]": "z1"}
                await ev.until_fields({
                    TIDS[POD_DS]: {"k8smeta.ds.name": "agent", "k8smeta.workload.kind": "DaemonSet",
                                   "k8smeta.workload.name": "agent", **node},
                    TIDS[POD_STS]: {"k8smeta.sts.label[tier]": "data",
                                    "k8smeta.workload.kind": "StatefulSet", **node},
                    TIDS[POD_CRON]: {"k8smeta.job.name": "backup-1",
                                     "k8smeta.cronjob.name": "backup",
                                     "k8smeta.workload.kind": "CronJob",
                                     "k8smeta.workload.name": "backup",
                                     "k8smeta.pod.annotation[team]": "payments",
                                     "k8smeta.pod.annotation[secret]": None, **node},
                })  # fmt: skip
                # Everything is known now: extracting again counts no absence (before,
                # extractions raced the deliveries and counted unknown pods).
                before = host.metrics()
                ev.views()
                after = host.metrics()
                for name in ("extract_unknown_pod", "extract_unknown_owner"):
                    assert after[name] == before[name], name
            options = watch.WatchOptions(
                target=f"127.0.0.1:{port}",
                node=NODE,
                kinds=watch.PLUGIN_KINDS,
                sync=True,
                count=None,
                timeout=TIMEOUT,
                explain=POD_CRON,
            )
            out = io.StringIO()
            assert await asyncio.to_thread(watch.run, options, out) == 0
    lines = out.getvalue().splitlines()
    assert "up to the Sync marker" in lines[0]
    assert "    its refs CronJob cj-1: present, name 'backup'" in lines
    assert "  k8smeta.pod.annotation[team] = payments" in lines
    assert "  k8smeta.workload.name = backup" in lines
