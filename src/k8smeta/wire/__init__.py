"""The wire contract shared by plugin and collector: generated from proto/metadata.proto, plus
the size limits both halves apply (`limits`) and the words both speak (`vocabulary`).

Owns the generated code (never edited by hand; `make wire` regenerates, CI checks freshness)
and two hand-written modules, the only parts the plugin's pure core and the collector's pure
parts import: `limits`, and `vocabulary` (the kinds in dependency order, the reasons, the
Selector's Sync key; it imports nothing beyond `typing`).
"""
