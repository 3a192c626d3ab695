"""Tests of k8smeta.collector.ops."""
