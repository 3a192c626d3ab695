"""The Falco plugin: core (pure logic), feed (gRPC client), abi (the C boundary).

Layering: abi -> feed -> core. The plugin shares only `k8smeta.wire` with the collector.
"""
