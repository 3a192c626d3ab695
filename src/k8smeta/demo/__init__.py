"""The end-to-end demo (`k8smeta demo`): collector + libk8smeta.so in the Falco stand-in.

Owns the demo's orchestration: its JSON input files (`files`), the example cluster model
(`cluster`), the process events it replays (`cgroups`, `scenario`), the collector
subprocess (`collector_process`), the seam to the bundled Falco stand-in (`host`),
Falco-style output (`formatting`) and the run (`run`).
It may import `k8smeta.falcosim` and the standard library; it talks to the collector only as
a subprocess and to the plugin only through the built shared library.
"""
