"""Operator tools that speak the wire contract: `k8smeta watch` (`watch`: flags, output,
diagnosis and exit codes; `watch_call`: one Watch call and what happened).

They may use the plugin's feed (to ask exactly what the plugin asks), never the collector.
"""
