"""Operator tools that speak the wire contract, e.g. `k8smeta watch`.

Import only `k8smeta.wire`.
"""
