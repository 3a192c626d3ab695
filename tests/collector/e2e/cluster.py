"""The small two-node cluster the end-to-end scenarios start from, and its expected views."""

from __future__ import annotations

from k8smeta.collector.model import Kind, KubeObject
from tests.collector.index.objects import namespace, pod, ref, service, workload

NS_DEFAULT = namespace("default", "ns-default", {"kubernetes.io/metadata.name": "default"})
NS_KUBE = namespace("kube-system", "ns-kube", {"kubernetes.io/metadata.name": "kube-system"})
DEP_WEB = workload(Kind.DEPLOYMENT, "web", "dep-web", labels={"app": "web"})
RS_WEB = workload(
    Kind.REPLICA_SET,
    "web-5d",
    "rs-web",
    labels={"app": "web", "pod-template-hash": "5d"},
    owner=ref(Kind.DEPLOYMENT, "web", "dep-web"),
)
RC_NGINX = workload(Kind.REPLICATION_CONTROLLER, "nginx", "rc-nginx", labels={"app": "nginx"})
DS_AGENT = workload(Kind.DAEMON_SET, "agent", "ds-agent", namespace="kube-system")
SVC_WEB = service("web", "svc-web", selector={"app": "web"}, labels={"team": "a"})
SVC_NGINX = service("nginx", "svc-nginx", selector={"app": "nginx"})
SVC_ALL = service("kubernetes", "svc-kubernetes", selector=None)
WEB_LABELS = {"app": "web", "pod-template-hash": "5d"}
TO_RS = ref(Kind.REPLICA_SET, "web-5d", "rs-web")
TO_DS = ref(Kind.DAEMON_SET, "agent", "ds-agent")
POD_A1 = pod(
    "web-5d-a", "pod-a1", labels=WEB_LABELS, owner=TO_RS, ip="10.0.0.1", generate_name="web-5d-"
)
POD_A2 = pod(
    "nginx-a",
    "pod-a2",
    labels={"app": "nginx"},
    owner=ref(Kind.REPLICATION_CONTROLLER, "nginx", "rc-nginx"),
    ip="10.0.0.2",
)
POD_A3 = pod("agent-a", "pod-a3", namespace="kube-system", owner=TO_DS, ip="192.168.0.1")
POD_B1 = pod("web-5d-b", "pod-b1", node="node-b", labels=WEB_LABELS, owner=TO_RS, ip="10.0.1.1")
POD_B2 = pod("agent-b", "pod-b2", node="node-b", namespace="kube-system", owner=TO_DS)
POD_UNSCHEDULED = pod("web-5d-u", "pod-u", node="", labels=WEB_LABELS, owner=TO_RS)

CLUSTER: list[KubeObject] = [
    NS_DEFAULT, NS_KUBE, DEP_WEB, RS_WEB, RC_NGINX, DS_AGENT, SVC_WEB, SVC_NGINX, SVC_ALL,
    POD_A1, POD_A2, POD_A3, POD_B1, POD_B2, POD_UNSCHEDULED,
]  # fmt: skip

SNAPSHOT_A = [
    "Create Namespace ns-default",
    "Create Namespace ns-kube",
    "Create Deployment dep-web",
    "Create ReplicaSet rs-web",
    "Create ReplicationController rc-nginx",
    "Create DaemonSet ds-agent",
    "Create Service svc-nginx",
    "Create Service svc-web",
    "Create Pod pod-a1",
    "Create Pod pod-a2",
    "Create Pod pod-a3",
]
SNAPSHOT_B = [
    "Create Namespace ns-default",
    "Create Namespace ns-kube",
    "Create Deployment dep-web",
    "Create ReplicaSet rs-web",
    "Create DaemonSet ds-agent",
    "Create Service svc-web",
    "Create Pod pod-b1",
    "Create Pod pod-b2",
]


def of_kind(lines: list[str], kind: str) -> list[str]:
    return [line for line in lines if line.split()[1] == kind]
