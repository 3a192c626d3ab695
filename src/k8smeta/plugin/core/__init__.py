"""Pure-Python plugin logic: config, metadata store, cgroup parsing, fields, extraction.

Imports no cffi, grpc, protobuf nor `k8smeta.wire` (orjson and the standard library only,
`ssl` included);
talks to its host through the Protocols in `host`, so a fake host and the real shared
library run the same code. Modules:

- `plugin`: the facade (`PluginCore`) the C-ABI layer calls, one per plugin state;
- `config`, `schema`: init config text -> `Config` (§10); `pem`: is a CA bundle usable;
  `levels`: verbosity scale;
- `payload`: async `k8s` payload decoding/validation and encoding (§15);
- `store`, `records`: immutable records per kind and derived per-pod values (§14.2);
- `extract`, `fields`: the 25 fields and their O(1) extraction (§12, §13);
- `cgroup`: pod UID from a cgroup path (§11.4); `metrics`: §17 counters;
- `host`, `values`, `errors`: the seam types (Protocols, `Extracted`, error hierarchy).
"""
