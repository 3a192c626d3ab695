"""Pure-Python plugin logic: config, metadata store, cgroup parsing, fields, extraction.

Imports no cffi, grpc, protobuf nor `k8smeta.wire` (orjson and the standard library only);
talks to its host through the Protocols in `threads`, so a fake host and the real shared
library run the same code. The behaviour is described in docs/plugin-contract.md. Modules:

- `plugin`: the facade (`PluginCore`) the C-ABI layer calls, one per plugin state;
- `config`, `schema`: init config text -> `Config`; `pem`: is a CA bundle usable;
  `levels`: verbosity scale;
- `payload`: async `k8s` payload decoding/validation and encoding;
- `store`, `records`: immutable records per kind and derived per-pod values;
- `fields`: the 25 fields, each with its look-up (`lookups`); `extract`: pod record, then
  the field's look-up, O(1);
- `cgroup`, `procscan`: pod UID from a cgroup path; `metrics`: the counters;
- `threads`, `values`, `errors`: the seam types (Protocols, `Extracted`, error hierarchy).
"""
