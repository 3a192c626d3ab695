"""Tests of k8smeta.collector.index."""
