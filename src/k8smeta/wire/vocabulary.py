"""The words plugin and collector both use on the wire, written once (by hand).

Beside the generated stubs because `k8smeta.wire` is the one package both programs may
import; unlike the stubs it imports nothing beyond `typing` (no protobuf), so the plugin's
core and the collector's pure parts may use it too (import-linter: "the hand-written wire
modules import no generated code and neither program"; docs/adr/0013).

- `KINDS`: every kind served and kept, in dependency order (owners before what they own,
  namespaces first): the collector's snapshot and Create order, the plugin's `dump_state`
  order. Adding a kind starts here (see `k8smeta.collector.kube.kinds` and
  `k8smeta.plugin.core.kinds` for the rest).
- `REASONS`: the `Event.reason` values.
- `SYNC_KEY`: the Selector key asking the collector for `Sync` markers (upstream ignores it).
- `DETAILS_KEY`: the Selector key asking the collector for pods with their containers and
  security context (`spec`, more `status`; upstream ignores it).
"""

from __future__ import annotations

from typing import Final

POD: Final = "Pod"
NAMESPACE: Final = "Namespace"
DEPLOYMENT: Final = "Deployment"
REPLICA_SET: Final = "ReplicaSet"
REPLICATION_CONTROLLER: Final = "ReplicationController"
DAEMON_SET: Final = "DaemonSet"
STATEFUL_SET: Final = "StatefulSet"
JOB: Final = "Job"
CRON_JOB: Final = "CronJob"
SERVICE: Final = "Service"
NODE: Final = "Node"

KINDS: tuple[str, ...] = (
    NAMESPACE,
    NODE,
    DEPLOYMENT,
    REPLICA_SET,
    REPLICATION_CONTROLLER,
    DAEMON_SET,
    STATEFUL_SET,
    CRON_JOB,
    JOB,
    SERVICE,
    POD,
)

CREATE: Final = "Create"
UPDATE: Final = "Update"
DELETE: Final = "Delete"
SYNC: Final = "Sync"
REASONS: frozenset[str] = frozenset((CREATE, UPDATE, DELETE, SYNC))

SYNC_KEY: Final = "k8smeta/sync"
DETAILS_KEY: Final = "k8smeta/pod-details"
