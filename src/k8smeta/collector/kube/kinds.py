"""The collector's kind registry: per kind, its API path, watch mode, Accept headers and
decoded shape (tests check that every `Kind` has exactly one row).

Adding a kind to the collector takes:

1. its name, at its place in the dependency order, in `k8smeta.wire.vocabulary.KINDS`
   (the plugin keeps and asks for the same list; see `k8smeta.plugin.core.kinds`);
2. its `Kind` member in `model` (valued from the vocabulary, for typed code);
3. one `KindInfo` row here: a kind whose wire fields are all in `metadata` is watched
   metadata-only and decoded with `ObjectShape`; `optional` when an older ClusterRole may
   not grant it;
4. its `list`/`watch` rule in deploy/collector/rbac.yaml (a test compares it with this
   table);
5. only if pods name it as an owner: `index.relations.SERVED_OWNER_KINDS` (and
   `FOLLOWED_OWNER_KINDS` when its own owner must follow it to the node, as a Job's
   CronJob does): these are relationship rules, which the index keeps.

Everything else (snapshot and Delete order, the Selector's kinds, metrics labels, the
`name` label of api_server_received) derives from these.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8smeta.collector.kube.shapes import ObjectShape, PodShape, ServiceShape
from k8smeta.collector.model import Kind

JSON = "application/json"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
METADATA_WATCH = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"


@dataclass(frozen=True, slots=True)
class KindInfo:
    """How one kind is listed and watched."""

    kind: Kind
    path: str
    metadata_only: bool
    shape: type[ObjectShape] = ObjectShape
    """The fields decoded from each object (`shapes`)."""
    optional: bool = False
    """Served beyond upstream's kinds: when the API forbids listing it (a ClusterRole that
    predates it), readiness does not wait for it (the reflector keeps retrying)."""

    @property
    def resource(self) -> str:
        """The plural resource name (last path segment), as used in logs and RBAC."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def list_accept(self) -> str:
        return METADATA_LIST if self.metadata_only else JSON

    @property
    def watch_accept(self) -> str:
        return METADATA_WATCH if self.metadata_only else JSON

    @property
    def collector_name(self) -> str:
        """Upstream's controller name, the `name` label of api_server_received."""
        return f"{self.kind.value.lower()}-collector"


KINDS: dict[Kind, KindInfo] = {
    info.kind: info
    for info in (
        KindInfo(Kind.POD, "/api/v1/pods", metadata_only=False, shape=PodShape),
        KindInfo(Kind.SERVICE, "/api/v1/services", metadata_only=False, shape=ServiceShape),
        KindInfo(Kind.NAMESPACE, "/api/v1/namespaces", metadata_only=True),
        KindInfo(Kind.REPLICATION_CONTROLLER, "/api/v1/replicationcontrollers", True),
        KindInfo(Kind.DEPLOYMENT, "/apis/apps/v1/deployments", metadata_only=True),
        KindInfo(Kind.REPLICA_SET, "/apis/apps/v1/replicasets", metadata_only=True),
        KindInfo(Kind.DAEMON_SET, "/apis/apps/v1/daemonsets", metadata_only=True),
        KindInfo(Kind.STATEFUL_SET, "/apis/apps/v1/statefulsets", True, optional=True),
        KindInfo(Kind.JOB, "/apis/batch/v1/jobs", metadata_only=True, optional=True),
        KindInfo(Kind.CRON_JOB, "/apis/batch/v1/cronjobs", metadata_only=True, optional=True),
        KindInfo(Kind.NODE, "/api/v1/nodes", metadata_only=True, optional=True),
    )
}
