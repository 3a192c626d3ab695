"""The only place that knows C: the plugin as libk8smeta.so, built with cffi's embedding mode.

Owns: `cdef` (our declarations of the plugin API), `build` (+ `boot.c`, `calls.c`: the C side —
start-up, static symbols, wrappers, hot-path table reads), and the runtime loaded into the
embedded interpreter: `session` (the state behind `ss_plugin_t*`), `calls` (per-event
bodies), `marshal`, `events` (binary layout), `host_tables` (threads table over the
vtables), `logsink` (log routing), `pusher` (async events out: feed sink, dump_state) and
`exports` (the `extern "Python"` bodies), `environ` (the process's live environment, for
`${VAR}` at init). May import `core`, `feed` and cffi.
"""
