"""The wire contract shared by plugin and collector: generated from proto/metadata.proto.

Owns only generated code (never edited by hand; `make wire` regenerates, CI checks freshness).
"""
