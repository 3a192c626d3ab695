"""Collector tests, mirroring src/k8smeta/collector."""
