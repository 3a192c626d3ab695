"""The fields beyond upstream on every host: ds.*, sts.*, job.*, cronjob.*, node.*,
workload.*, pod.annotation[k] (docs/plugin-contract.md, "Fields beyond upstream")."""

from __future__ import annotations

import json

import pytest

from tests.host.base import FalcoHost, rendered
from tests.plugin.behaviour import cluster
from tests.plugin.behaviour.cluster import (
    CLUSTER,
    POD_BARE,
    POD_CRON,
    POD_DS,
    POD_JOB,
    POD_STS,
    POD_WEB,
    delete,
    event,
    send,
)
from tests.plugin.behaviour.conftest import execve_in_pod

TIDS = {POD_DS: 11, POD_STS: 12, POD_CRON: 13, POD_JOB: 14, POD_WEB: 15, POD_BARE: 16}


@pytest.fixture
def streamed(ready: FalcoHost) -> FalcoHost:
    """The cluster delivered, one process in each of its pods."""
    send(ready, *CLUSTER)
    for uid, tid in TIDS.items():
        execve_in_pod(ready, uid, tid)
    return ready


FAMILY_CASES = [
    (POD_DS, "k8smeta.ds.name", "agent"),
    (POD_DS, "k8smeta.ds.uid", "ds-1"),
    (POD_DS, "k8smeta.ds.label[app]", "agent"),
    (POD_DS, "k8smeta.ds.labels", "(app:agent)"),
    (POD_DS, "k8smeta.sts.name", None),
    (POD_STS, "k8smeta.sts.name", "db"),
    (POD_STS, "k8smeta.sts.uid", "sts-1"),
    (POD_STS, "k8smeta.sts.label[tier]", "data"),
    (POD_STS, "k8smeta.sts.label[none]", None),
    (POD_STS, "k8smeta.sts.labels", "(tier:data,app:db)"),
    (POD_STS, "k8smeta.job.name", None),
    (POD_CRON, "k8smeta.job.name", "backup-1"),
    (POD_CRON, "k8smeta.job.uid", "job-1"),
    (POD_CRON, "k8smeta.job.labels", "(app:backup)"),
    (POD_CRON, "k8smeta.cronjob.name", "backup"),
    (POD_CRON, "k8smeta.cronjob.uid", "cj-1"),
    (POD_CRON, "k8smeta.cronjob.label[app]", "backup"),
    (POD_CRON, "k8smeta.cronjob.labels", "(app:backup)"),
    (POD_JOB, "k8smeta.job.name", "migrate"),
    (POD_JOB, "k8smeta.job.label[app]", "migrate"),
    (POD_JOB, "k8smeta.cronjob.name", None),
    (POD_JOB, "k8smeta.cronjob.uid", None),
    (POD_WEB, "k8smeta.ds.labels", None),
    (POD_WEB, "k8smeta.deployment.name", "web"),  # upstream's families are unchanged
    (POD_WEB, "k8smeta.rs.labels", "(hash:1,app:web)"),
]


@pytest.mark.parametrize(("pod", "field", "expected"), FAMILY_CASES)
def test_controller_families(streamed: FalcoHost, pod: str, field: str, expected: str) -> None:
    assert rendered(streamed, TIDS[pod], field) == expected


WORKLOAD_CASES = [
    (POD_DS, "DaemonSet", "agent"),
    (POD_STS, "StatefulSet", "db"),
    (POD_CRON, "CronJob", "backup"),
    (POD_JOB, "Job", "migrate"),
    (POD_WEB, "Deployment", "web"),
    (POD_BARE, "Pod", "pod-bare"),
]


@pytest.mark.parametrize(("pod", "kind", "name"), WORKLOAD_CASES)
def test_workload_is_the_top_controller(
    streamed: FalcoHost, pod: str, kind: str, name: str
) -> None:
    assert streamed.extract(TIDS[pod], "k8smeta.workload.kind") == [kind]
    assert streamed.extract(TIDS[pod], "k8smeta.workload.name") == [name]


def test_replica_set_without_deployment_is_the_workload(streamed: FalcoHost) -> None:
    send(streamed, cluster.pod(POD_WEB, "pod-web", {"ReplicaSet": ["rs-1"]}))
    assert rendered(streamed, TIDS[POD_WEB], "k8smeta.workload.kind") == "ReplicaSet"
    assert rendered(streamed, TIDS[POD_WEB], "k8smeta.workload.name") == "web-1"


@pytest.mark.parametrize("pod", list(TIDS))
def test_node_fields_for_every_pod(streamed: FalcoHost, pod: str) -> None:
    tid = TIDS[pod]
    assert rendered(streamed, tid, "k8smeta.node.name") == cluster.NODE
    assert rendered(streamed, tid, "k8smeta.node.label[zone]") == "z1"
    assert rendered(streamed, tid, "k8smeta.node.label[none]") is None
    assert rendered(streamed, tid, "k8smeta.node.labels") == "(zone:z1,arch:arm64)"


def test_node_fields_need_a_known_pod_and_the_node(streamed: FalcoHost) -> None:
    streamed.set_thread(40, [])  # a thread in no pod
    assert streamed.extract(40, "k8smeta.node.name") is None
    send(streamed, event("Node", "node-2", "other-node", namespace=None))
    assert rendered(streamed, TIDS[POD_DS], "k8smeta.node.name") == cluster.NODE
    send(streamed, delete("Node", "node-1"))
    assert streamed.extract(TIDS[POD_DS], "k8smeta.node.name") is None
    send(streamed, event("Node", "node-3", cluster.NODE, namespace=None))
    assert rendered(streamed, TIDS[POD_DS], "k8smeta.node.name") == cluster.NODE
    assert streamed.extract(TIDS[POD_DS], "k8smeta.node.labels") is None


def test_a_job_that_gains_a_cron_job_changes_the_workload(streamed: FalcoHost) -> None:
    tid = TIDS[POD_JOB]
    send(
        streamed,
        event("Job", "job-2", "migrate", refs={"CronJob": ["cj-1"]}, reason="Update"),
    )
    assert streamed.extract(tid, "k8smeta.workload.kind") == ["CronJob"]
    assert streamed.extract(tid, "k8smeta.workload.name") == ["backup"]
    assert streamed.extract(tid, "k8smeta.cronjob.uid") == ["cj-1"]
    send(streamed, event("Job", "job-2", "migrate", reason="Update"))
    assert streamed.extract(tid, "k8smeta.workload.kind") == ["Job"]
    assert streamed.extract(tid, "k8smeta.cronjob.uid") is None


def test_unknown_owners_leave_names_empty_and_are_counted(streamed: FalcoHost) -> None:
    """Refs name resources the store lacks: kinds and UIDs still come from the refs."""
    tid = TIDS[POD_CRON]
    send(streamed, delete("CronJob", "cj-1"))
    before = streamed.metrics()["extract_unknown_owner"]
    assert streamed.extract(tid, "k8smeta.workload.kind") == ["CronJob"]
    assert streamed.extract(tid, "k8smeta.workload.name") is None
    assert streamed.extract(tid, "k8smeta.cronjob.uid") == ["cj-1"]
    assert streamed.extract(tid, "k8smeta.cronjob.labels") is None
    send(streamed, delete("Job", "job-1"))
    assert streamed.extract(tid, "k8smeta.workload.kind") == ["Job"]
    assert streamed.extract(tid, "k8smeta.workload.name") is None
    assert streamed.extract(tid, "k8smeta.job.uid") == ["job-1"]
    assert streamed.extract(tid, "k8smeta.cronjob.uid") is None  # only the Job knew it
    # workload.name twice, cronjob.labels, cronjob.uid (its Job is unknown)
    assert streamed.metrics()["extract_unknown_owner"] - before == 4


ANNOTATED = (
    '{"collectorHostname":"localhost","collectorPort":45000,"nodeName":"control-plane",'
    '"verbosity":"info","hostProc":"","podAnnotations":["team","absent"]}'
)


def test_annotations_are_opt_in(streamed: FalcoHost) -> None:
    """The default config keeps none."""
    assert streamed.extract(TIDS[POD_BARE], "k8smeta.pod.annotation[team]") is None


@pytest.mark.parametrize(
    ("key", "expected"), [("team", ["payments"]), ("secret", None), ("absent", None)]
)
def test_listed_annotations_only(host: FalcoHost, key: str, expected: list[str] | None) -> None:
    assert json.loads(ANNOTATED)["podAnnotations"] == ["team", "absent"]
    assert host.init(ANNOTATED) is None, host.last_error()
    send(host, *CLUSTER)
    execve_in_pod(host, POD_BARE, 16)
    assert host.extract(16, f"k8smeta.pod.annotation[{key}]") == expected
    # A pod Update without annotations drops them.
    send(host, event("Pod", POD_BARE, "pod-bare", refs={"Namespace": ["ns-1"]}, reason="Update"))
    assert host.extract(16, f"k8smeta.pod.annotation[{key}]") is None


@pytest.mark.parametrize("verbosity", ["info", "debug"])
def test_absence_counters(host: FalcoHost, verbosity: str) -> None:
    """Each extraction without value is counted by its reason, also when repeated (above
    debug, the shared library answers repeats and threads in no pod without Python)."""
    config = json.loads(ANNOTATED) | {"verbosity": verbosity}
    assert host.init(json.dumps(config)) is None, host.last_error()
    send(host, *CLUSTER)
    for uid, tid in TIDS.items():
        execve_in_pod(host, uid, tid)
    streamed = host
    before = streamed.metrics()
    streamed.set_thread(40, [])  # in no pod
    execve_in_pod(streamed, "99999999-0000-4000-8000-000000000000", 41)  # unknown pod
    send(streamed, delete("DaemonSet", "ds-1"))  # pod-ds's owner becomes unknown
    for _ in range(3):
        assert streamed.extract(40, "k8smeta.pod.name") is None
        assert streamed.extract(41, "k8smeta.pod.name") is None
        assert streamed.extract(41, "k8smeta.ds.name") is None
        assert streamed.extract(TIDS[POD_DS], "k8smeta.ds.name") is None
        assert streamed.extract(TIDS[POD_DS], "k8smeta.ds.uid") == ["ds-1"]
        assert streamed.extract(TIDS[POD_DS], "k8smeta.sts.name") is None  # not counted
        assert streamed.extract(99, "k8smeta.pod.name") is None  # no such thread
    after = streamed.metrics()
    delta = {k: after[k] - before[k] for k in after if k.startswith("extract_")}
    assert delta == {
        "extract_no_pod_uid": 6,
        "extract_unknown_pod": 6,
        "extract_unknown_owner": 3,
        "extract_no_container_id": 0,
        "extract_unknown_container": 0,
    }
