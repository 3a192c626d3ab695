"""The wire contract shared by plugin and collector: generated from proto/metadata.proto, plus
the size limits both halves apply (`limits`, hand-written).

Owns the generated code (never edited by hand; `make wire` regenerates, CI checks freshness)
and `limits`, the only part the plugin's pure core and the collector's pure views import.
"""
