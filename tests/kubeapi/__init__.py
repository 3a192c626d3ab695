"""A Kubernetes API stand-in for tests: real HTTP list/watch on 127.0.0.1.

`standin.KubeApiStandIn` is the entry point; `objects` builds realistic full objects. The
stand-in imports only aiohttp, orjson, kubernetes_asyncio and `k8smeta.collector.kube.config`
(to build a client).
"""
