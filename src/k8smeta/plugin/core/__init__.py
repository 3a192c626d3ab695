"""Pure-Python plugin logic: config, metadata store, cgroup parsing, fields, extraction.

Imports no cffi, grpc, protobuf nor `k8smeta.wire`; talks to its host through the
Protocols in `host`, so a fake host and the real shared library run the same code.
"""
