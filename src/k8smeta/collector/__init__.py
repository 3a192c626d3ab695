"""The collector: watches the Kubernetes API once and streams each node its metadata.

Data flow: kube sources (one task per kind) -> queue of batches -> one pipeline task:
index.apply -> views.diff for subscribed nodes -> broker.publish -> per-subscriber queue
-> rpc Watch stream. `model` is the seam between the sources and the pipeline.
Shares only `k8smeta.wire` with the plugin.
"""
