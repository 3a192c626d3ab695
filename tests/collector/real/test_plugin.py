"""The real libk8smeta.so in the Falco stand-in, fed by a collector that watches the real API
server: a controller-made pod's fields, a relabel, and the cascade that ends them."""

from __future__ import annotations

import pytest

from tests.collector.real import scenario as s
from tests.collector.real.streams import collector_on
from tests.interop.event_thread import View
from tests.interop.stack import plugin_events
from tests.kubeapi.real.admin import Admin
from tests.kubeapi.real.cluster import ControlPlane

pytestmark = [pytest.mark.real_apiserver, pytest.mark.needs_plugin, pytest.mark.timeout(300)]
TID = 4242


@pytest.mark.asyncio
async def test_plugin_fields_of_a_controller_made_pod(
    control_plane: ControlPlane, admin: Admin
) -> None:
    node, ns = s.unique("node-plugin"), s.unique("plugin")
    await admin.node(node, {"topology.kubernetes.io/zone": "z1"})
    namespace = await admin.namespace(ns, {"team": "store"})
    web = await admin.create(s.deployment("web", ns, 1, {"tier": "front"}))
    svc = await admin.create(s.service("web", ns, {"app": "web"}))
    (pod,) = await admin.schedule(ns, "app=web", 1, lambda _: node)
    (rs,) = await admin.items("ReplicaSet", ns)
    async with (
        collector_on(control_plane.service_account_kubeconfig()) as serving,
        plugin_events(serving.collector.grpc_port, node) as ev,
    ):
        ev.know([namespace, web, svc, pod, rs])
        ev.spawn(TID, pod["metadata"]["uid"])
        labels = pod["metadata"]["labels"]
        expected: View = {
            "k8smeta.pod.name": pod["metadata"]["name"],
            "k8smeta.pod.uid": pod["metadata"]["uid"],
            "k8smeta.pod.label[app]": "web",
            "k8smeta.ns.name": ns,
            "k8smeta.deployment.name": "web",
            "k8smeta.rs.name": rs["metadata"]["name"],
            "k8smeta.rc.name": None,
            "k8smeta.svc.name": "web",
            "k8smeta.svc.uid": svc["metadata"]["uid"],
        }
        views = await ev.until_fields({TID: expected}, timeout=30)
        pod_labels = views[TID]["k8smeta.pod.labels"]
        assert pod_labels is not None
        assert set(pod_labels.split(",")) == {f"{k}:{v}" for k, v in labels.items()}
        # the PodTopologyLabels admission copied the node's zone label at binding
        assert labels["topology.kubernetes.io/zone"] == "z1"
        ns_labels = views[TID]["k8smeta.ns.labels"]
        assert ns_labels is not None
        assert set(ns_labels.split(",")) == {"team:store", f"kubernetes.io/metadata.name:{ns}"}

        # the Service stops selecting the pod: its fields follow
        await admin.update("Service", ns, "web", lambda o: o["spec"].update(selector={"app": "x"}))
        await ev.until_fields({TID: {"k8smeta.svc.name": None}}, timeout=30)

        # the Deployment is deleted: the garbage collector takes the ReplicaSet and the pod
        await admin.delete("Deployment", ns, "web")
        await admin.confirm_deletions(ns)
        await ev.until_fields(
            {TID: {"k8smeta.pod.name": None, "k8smeta.deployment.name": None}}, timeout=60
        )
    await admin.delete("Namespace", "", ns)
    await admin.delete("Node", "", node)
