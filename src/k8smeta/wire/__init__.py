"""The wire contract shared by plugin and collector: generated from proto/metadata.proto.

Generated code (never edited by hand; `make wire` regenerates, CI checks freshness), plus
one hand-written module, `vocabulary`: the kinds, reasons and Selector keys both programs
speak, importing nothing beyond `typing`.
"""
