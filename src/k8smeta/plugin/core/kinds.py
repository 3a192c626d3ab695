"""The plugin's kind registry: one row per kind it keeps, everything else derived from it.

Kind names and their dependency order are the wire's (`k8smeta.wire.vocabulary.KINDS`:
the store's tables, the accepted payload kinds, `dump_state` order and the feed's
Selector come from it). What only the plugin needs to know of a kind is its row here:

- `resources_<kind>` in `get_metrics` (`metrics.RESOURCE_METRICS`), in row order;
- for a kind a pod's `refs` name (an owner: `records.OWNER_KINDS`), its `Family`: the
  look-ups of the resource `refs[kind][0]` names (`lookups.OWNER_LOOKUPS`), the fields
  `k8smeta.<prefix>.name/uid/label/labels` (`fields.FIELDS`, except upstream's families,
  written out verbatim there) and the reasons `k8smeta watch --explain` gives for them.

So adding a kind to the plugin is its name in `vocabulary.KINDS` plus one `KindSpec` row
here; then the golden files of `get_fields` and metrics under tests/ show the new fields
and metric, and docs/plugin-contract.md lists them (tests/plugin/core/test_kinds.py adds
a fake kind this way and follows it through fields, metrics and `--explain`). Rules about
particular kinds (a Deployment is the top controller over its ReplicaSet, a Service is not
a controller) stay with the code that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8smeta.wire.vocabulary import (
    CRON_JOB,
    DAEMON_SET,
    DEPLOYMENT,
    JOB,
    NAMESPACE,
    NODE,
    POD,
    REPLICA_SET,
    REPLICATION_CONTROLLER,
    SERVICE,
    STATEFUL_SET,
)


@dataclass(frozen=True, slots=True)
class Family:
    """The fields `k8smeta.<prefix>.name/uid/label/labels` of the resource a pod names."""

    prefix: str
    display: str  # "Stateful Set": `<display> Name`...
    noun: str  # "stateful set": `Kubernetes <noun> name.`...
    via: str | None = None
    """Named by the refs of this kind's record, not the pod's (a pod's Job names its CronJob)."""
    upstream: bool = False
    """Upstream's own fields, written out verbatim (sic included) in `fields.FIELDS`."""


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One kind the plugin keeps."""

    kind: str
    family: Family | None = None  # None: no pod's refs select one resource of this kind

    @property
    def metric(self) -> str:
        """Its store size in `get_metrics`."""
        return f"resources_{self.kind.lower()}"


#: In `get_metrics` order (upstream's kinds first).
KIND_SPECS: tuple[KindSpec, ...] = (
    KindSpec(POD),
    KindSpec(NAMESPACE, Family("ns", "Namespace", "namespace", upstream=True)),
    KindSpec(DEPLOYMENT, Family("deployment", "Deployment", "deployment", upstream=True)),
    KindSpec(REPLICA_SET, Family("rs", "Replica Set", "replica set", upstream=True)),
    KindSpec(
        REPLICATION_CONTROLLER,
        Family("rc", "Replication Controller", "replication controller", upstream=True),
    ),
    KindSpec(DAEMON_SET, Family("ds", "Daemon Set", "daemon set")),
    KindSpec(SERVICE),
    KindSpec(STATEFUL_SET, Family("sts", "Stateful Set", "stateful set")),
    KindSpec(JOB, Family("job", "Job", "job")),
    KindSpec(CRON_JOB, Family("cronjob", "Cron Job", "cron job", via=JOB)),
    KindSpec(NODE),
)
