"""Pure-Python plugin logic: config, metadata store, cgroup parsing, fields, extraction.

Imports no cffi, grpc, protobuf nor the generated `k8smeta.wire` code (orjson, the standard
library and the shared `k8smeta.wire.vocabulary` only); talks to its host through the
Protocols in `threads`, so a fake host and the real shared library run the same code. The
behaviour is described in docs/plugin-contract.md. Modules:

- `plugin`: the facade (`PluginCore`) the C-ABI layer calls, one per plugin state;
- `config`, `schema`: init config text -> `Config`; `pem`: is a CA bundle usable;
  `levels`: verbosity scale;
- `payload`: async `k8s` payload decoding/validation and encoding;
- `store`, `records`: immutable records per kind and derived per-pod values;
- `kinds`: the kind registry (metrics, owner look-ups, field families derive from it);
- `fields`: the fields table, each field with its look-up (`lookups`), O(1);
- `cgroup`, `procscan`: pod UID from a cgroup path; `metrics`: the counters;
- `event_codes`: the Falco event codes it parses; `json_types`: JSON type names;
- `threads`, `values`, `errors`: the seam types (Protocols, `Extracted`, error hierarchy).
"""
