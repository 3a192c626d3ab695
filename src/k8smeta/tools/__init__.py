"""Operator tools that speak the wire contract, e.g. `k8smeta watch`.

They may use the plugin's feed (to ask exactly what the plugin asks), never the collector.
"""
