"""Field values after the 43 fixture events (upstream's test cases and the extra facts)."""

from __future__ import annotations

import pytest

from k8smeta.plugin.core.fields import FIELDS, Arg
from tests.host.base import FalcoHost, rendered
from tests.plugin.behaviour.conftest import execve_in_pod, replay

METRICS_SERVER = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
TWO_SERVICES = "0cc53e7d-1d9f-4798-926b-451364a4ec8e"
WITH_RC = "00e704ac-77d1-4aac-80af-31233b277889"
ORPHANED = "0cc53e7d-1d9f-4798-926b-451364a4fgjs"
DELETED = "0cc0927d-1d9f-4798-926b-451364a4fgjs"
NGINX_H5JHG = "1d34c7bb-7d94-4f00-bed9-fe4eca61d446"
FLUENTD = "e581fe16-cde8-4075-a159-cd8ddd5b8fbc"
DBLLZ = "45587e23-d375-48df-bc7a-9113acf39876"
SVC_PAIR = "(f0fea0cd-24cd-439f-bd51-e7a9100fed40,9e840fbe-93e4-412c-aa23-fbe6d03efd08)"

EXPECTED: list[tuple[str, str, str | None]] = [
    # upstream test plugin_k8s_pod_refs
    (METRICS_SERVER, "k8smeta.pod.name", "metrics-server-85d6fcf458-tqkcv"),
    (METRICS_SERVER, "k8smeta.pod.uid", METRICS_SERVER),
    (METRICS_SERVER, "k8smeta.pod.label[k8s-app]", "metrics-server"),
    (METRICS_SERVER, "k8smeta.pod.labels", "(pod-template-hash:85d6fcf458,k8s-app:metrics-server)"),
    (METRICS_SERVER, "k8smeta.pod.ip", "10.16.1.2"),
    (METRICS_SERVER, "k8smeta.ns.name", "kube-system"),
    (METRICS_SERVER, "k8smeta.ns.uid", "c51d0620-b1e1-449a-a6f2-9f96830831a9"),
    (METRICS_SERVER, "k8smeta.ns.label[kubernetes.io/metadata.name]", "kube-system"),
    (METRICS_SERVER, "k8smeta.ns.labels", "(kubernetes.io/metadata.name:kube-system)"),
    (METRICS_SERVER, "k8smeta.deployment.name", "metrics-server"),
    (METRICS_SERVER, "k8smeta.deployment.uid", "e56cf37d-5b8b-4b2d-b7bc-3316a3d72e93"),
    (METRICS_SERVER, "k8smeta.deployment.label[k8s-app]", "metrics-server"),
    (METRICS_SERVER, "k8smeta.deployment.labels", "(k8s-app:metrics-server)"),
    (METRICS_SERVER, "k8smeta.svc.name", "(metrics-server)"),
    (METRICS_SERVER, "k8smeta.svc.uid", "(b2af0913-1a07-457f-986a-111caa4fb372)"),
    (METRICS_SERVER, "k8smeta.svc.label[k8s-app]", "(metrics-server)"),
    (METRICS_SERVER, "k8smeta.svc.labels", "(k8s-app:metrics-server)"),
    (METRICS_SERVER, "k8smeta.rs.name", "metrics-server-85d6fcf458"),
    (METRICS_SERVER, "k8smeta.rs.uid", "8be7cb9d-f96a-41b5-8fb0-81fda92a663a"),
    (METRICS_SERVER, "k8smeta.rs.label[pod-template-hash]", "85d6fcf458"),
    (METRICS_SERVER, "k8smeta.rs.labels", "(pod-template-hash:85d6fcf458,k8s-app:metrics-server)"),
    (METRICS_SERVER, "k8smeta.rc.name", None),
    (METRICS_SERVER, "k8smeta.rc.uid", None),
    (METRICS_SERVER, "k8smeta.rc.label[app]", None),
    (METRICS_SERVER, "k8smeta.rc.labels", None),
    # upstream test plugin_k8s_pod_with_2_services
    (TWO_SERVICES, "k8smeta.svc.name", "(nginx-service,nginx-service-second-service)"),
    (TWO_SERVICES, "k8smeta.svc.uid", SVC_PAIR),
    (TWO_SERVICES, "k8smeta.svc.label[app]", "(custom,custom-2)"),
    (TWO_SERVICES, "k8smeta.svc.label[service]", "(service1)"),
    (TWO_SERVICES, "k8smeta.svc.labels", "(service:service1,app:custom,app:custom-2)"),
    # upstream test plugin_k8s_pod_with_repliacation_controller
    (WITH_RC, "k8smeta.rc.name", "nginx"),
    (WITH_RC, "k8smeta.rc.uid", "f2e2a261-ba86-4fa6-9493-e5260a106126"),
    (WITH_RC, "k8smeta.rc.label[app]", "nginx"),
    (WITH_RC, "k8smeta.rc.labels", "(app:nginx)"),
    # upstream test plugin_k8s_delete_namespace_and_deployment
    (ORPHANED, "k8smeta.pod.uid", ORPHANED),
    (ORPHANED, "k8smeta.ns.name", "default"),
    (ORPHANED, "k8smeta.ns.uid", "f7ju8b13-df0c-43bd-8ded-973f4ede66c6"),
    (ORPHANED, "k8smeta.deployment.uid", "920r1601-61b6-4d46-8916-db9f36414722"),
    (ORPHANED, "k8smeta.ns.label[kubernetes.io/metadata.name]", None),
    (ORPHANED, "k8smeta.ns.labels", None),
    (ORPHANED, "k8smeta.deployment.name", None),
    (ORPHANED, "k8smeta.deployment.label[k8s-app]", None),
    (ORPHANED, "k8smeta.deployment.labels", None),
    # upstream test plugin_k8s_update_a_pod
    (NGINX_H5JHG, "k8smeta.svc.uid", SVC_PAIR),
    (FLUENTD, "k8smeta.pod.ip", "10.16.1.20"),
    # extra fixture facts
    (
        DBLLZ,
        "k8smeta.svc.uid",
        "(9e840fbe-93e4-412c-aa23-fbe6d03efd08,f0fea0cd-24cd-439f-bd51-e7a9100fed40)",
    ),
    (
        FLUENTD,
        "k8smeta.pod.labels",
        "(pod-template-generation:1,name:fluentd-elasticsearch,controller-revision-hash:66b85864fb)",
    ),
    # fields beyond upstream, from upstream's recorded stream (it holds DaemonSets, and no
    # StatefulSet, Job, CronJob, Node or annotation)
    (METRICS_SERVER, "k8smeta.workload.kind", "Deployment"),
    (METRICS_SERVER, "k8smeta.workload.name", "metrics-server"),
    *(
        (METRICS_SERVER, f"k8smeta.{family}.{part}", None)
        for family in ("ds", "sts", "job", "cronjob")
        for part in ("name", "uid", "label[app]", "labels")
    ),
    (METRICS_SERVER, "k8smeta.node.name", None),
    (METRICS_SERVER, "k8smeta.node.label[app]", None),
    (METRICS_SERVER, "k8smeta.node.labels", None),
    (METRICS_SERVER, "k8smeta.pod.annotation[app]", None),
    # upstream's collector sends no pod details: no container nor security-context value
    *(
        (METRICS_SERVER, f.name, None)
        for f in FIELDS
        if f.of_container is not None
        or f.name.split(".")[-1] in ("ips", "serviceaccount", "hostnetwork", "hostpid", "qos")
    ),
    (FLUENTD, "k8smeta.ds.name", "fluentd-elasticsearch"),
    (FLUENTD, "k8smeta.ds.uid", "242144d1-40c2-4ae7-8344-10a0b9a45dea"),
    (FLUENTD, "k8smeta.ds.label[k8s-app]", "fluentd-logging"),
    (FLUENTD, "k8smeta.ds.labels", "(k8s-app:fluentd-logging)"),
    (FLUENTD, "k8smeta.workload.kind", "DaemonSet"),
    (FLUENTD, "k8smeta.workload.name", "fluentd-elasticsearch"),
    (WITH_RC, "k8smeta.workload.kind", "ReplicationController"),
    (WITH_RC, "k8smeta.workload.name", "nginx"),
]


@pytest.mark.parametrize(("pod", "field", "expected"), EXPECTED)
def test_value_after_the_stream(
    replayed: FalcoHost, pod: str, field: str, expected: str | None
) -> None:
    execve_in_pod(replayed, pod)
    assert rendered(replayed, 1, field) == expected
    # Repeating the extraction (same event, then a later one) gives the same value.
    assert rendered(replayed, 1, field) == expected
    execve_in_pod(replayed, pod)
    assert rendered(replayed, 1, field) == expected


def all_field_names() -> list[str]:
    return [f.name + ("[app]" if f.arg is Arg.KEY else "") for f in FIELDS]


def test_deleted_pod_has_no_value_for_any_field(replayed: FalcoHost) -> None:
    """Upstream test plugin_k8s_delete_a_pod."""
    execve_in_pod(replayed, DELETED)
    assert replayed.pod_uid(1) == DELETED
    assert {name: replayed.extract(1, name) for name in all_field_names()} == dict.fromkeys(
        all_field_names()
    )
    execve_in_pod(replayed, METRICS_SERVER)
    for name in (
        "k8smeta.pod.name",
        "k8smeta.pod.uid",
        "k8smeta.pod.labels",
        "k8smeta.pod.ip",
        "k8smeta.ns.name",
        "k8smeta.ns.uid",
        "k8smeta.ns.labels",
        "k8smeta.deployment.name",
        "k8smeta.deployment.uid",
        "k8smeta.deployment.labels",
    ):
        assert replayed.extract(1, name) is not None, name


def test_store_counts_after_the_stream(replayed: FalcoHost) -> None:
    """Extra fixture facts and the metrics (docs/plugin-contract.md, "Metrics"): resources_*
    and counters after #42."""
    metrics = replayed.metrics()
    assert {k: v for k, v in metrics.items() if k.startswith("resources_")} == {
        "resources_pod": 10,
        "resources_namespace": 6,
        "resources_service": 4,
        "resources_daemonset": 3,
        "resources_deployment": 2,
        "resources_replicaset": 2,
        "resources_replicationcontroller": 1,
        # upstream's collector never sends the kinds beyond its own
        "resources_statefulset": 0,
        "resources_job": 0,
        "resources_cronjob": 0,
        "resources_node": 0,
    }
    assert metrics["async_events_received"] == 43
    assert metrics["reconnects"] == 0
    assert metrics["parse_errors"] == 0
    assert metrics["async_events_rejected"] == 0


def test_namespace_without_name_is_accepted_with_one_warning(ready: FalcoHost) -> None:
    replay(ready)
    warnings = [msg for level, msg in ready.logs() if level == "warning"]
    assert [w for w in warnings if "f7ju8b13-df0c-43bd-8ded-973f4ede66c6" in w] == [
        "the Namespace 'f7ju8b13-df0c-43bd-8ded-973f4ede66c6' has no name:"
        " its name fields have no value"
    ]
    assert not [msg for level, msg in ready.logs() if level in ("error", "critical")]


def test_metrics_before_any_event(ready: FalcoHost) -> None:
    assert set(ready.metrics().values()) == {0}
    assert len(ready.metrics()) == 21


def test_replaying_the_stream_twice_gives_the_same_values(replayed: FalcoHost) -> None:
    execve_in_pod(replayed, TWO_SERVICES)
    before = {name: replayed.extract(1, name) for name in all_field_names()}
    replay(replayed)
    execve_in_pod(replayed, TWO_SERVICES)
    assert {name: replayed.extract(1, name) for name in all_field_names()} == before
    assert replayed.metrics()["resources_pod"] == 10
