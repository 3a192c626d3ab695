"""The only place that knows C: the plugin as libk8smeta.so, built with cffi's embedding mode.

Owns the build side: `cdef` (our declarations of the plugin API), `state` (the C struct
behind `ss_plugin_t*` and its buffer sizes), `protocol` (the statuses, reasons and
per-call types of the C-Python protocol), `build` (generates the preamble: constants,
static strings and prototypes, then `boot.c` start-up and static symbols, `cache.c` the
extraction cache, `tables.c` the table and event reads done before Python runs, and the
export units `exports/<capability>.c`, the plugin_* symbols that call into Python).

And the runtime loaded into the embedded interpreter, top to bottom (import-linter keeps
these layers): `exports` (one unit per capability: the C wrappers and the
`extern "Python"` bodies, one Session method each),
`session` (the state behind `ss_plugin_t*`, one method per call), `pusher` (async events
out: feed sink, dump_state), `thread_views` (the core's thread contract over the
vtables), `lifetimes` (who owns each pointer handed to Falco, until when), `host_tables`
(the threads table at init), `marshal`, `logsink` (log routing), `events` (binary layout),
`environ` (the process's live environment, for `${VAR}` at init).
May import `core`, `feed` and cffi.
"""
