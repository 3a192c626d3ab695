"""Kubernetes API -> batches of trimmed changes (the collector's sources).

Owns: `config` (kubernetes_asyncio configuration and auth, upstream's precedence),
`transport` (the one seam to the HTTP stack: raw aiohttp responses -> body bytes or
`ApiError`), `kinds` (per-kind path, watch mode, Accept headers, shape), `shapes` (the
fields kept of each kind, as msgspec Structs), `decode` (list pages and watch lines ->
trimmed objects: typed fast path, dicts + `trim` when refused), `trim` (decoded JSON -> the
fields the wire needs; also snapshot files), `reflector` (one kind's list+watch loop:
pagination, bookmarks, 410 relist + diff with synthetic deletes, backoff), `diff` (replace
semantics), `policy` (timings as a value), `source.KubeSource` and
`snapshot.SnapshotSource` (the two Sources), `errors` (the hierarchy).

May import: `k8smeta.collector.model`, `k8smeta.collector.ops.metrics`, kubernetes_asyncio,
aiohttp, orjson, msgspec. Nothing else of the collector (the pipeline consumes our batches).
"""
