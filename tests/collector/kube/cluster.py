"""One small cluster with every kind, as full objects, for source tests."""

from __future__ import annotations

from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn


def populate(api: KubeApiStandIn) -> list[objects.Obj]:
    """Namespace, Deployment -> ReplicaSet -> Pod, DaemonSet -> Pod, RC -> Pod, Services."""
    created = [api.add(objects.namespace("shop", labels={"team": "a"}))]
    deploy = api.add(objects.deployment("web", "shop"))
    rs = api.add(objects.replica_set("web-7d4b9", "shop", owner=deploy))
    ds = api.add(objects.daemon_set("agent", "shop"))
    rc = api.add(objects.replication_controller("legacy", "shop"))
    created += [deploy, rs, ds, rc]
    created.append(api.add(objects.pod("web-7d4b9-x1", "shop", owner=rs, labels={"app": "web"})))
    created.append(api.add(objects.pod("agent-q2", "shop", owner=ds, node="node-b")))
    created.append(api.add(objects.pod("legacy-z3", "shop", owner=rc, ip="")))
    created.append(api.add(objects.service("web", "shop", selector={"app": "web"})))
    created.append(api.add(objects.service("external", "shop", selector={})))
    return created
