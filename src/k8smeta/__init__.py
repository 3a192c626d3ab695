"""k8smeta: Kubernetes metadata enrichment for Falco.

Two programs share this package and nothing but the wire contract:
`k8smeta.plugin` (the Falco plugin, loaded as libk8smeta.so) and `k8smeta.collector`
(the cluster-level service that streams each node its metadata).
"""

__version__ = "0.1.0"
