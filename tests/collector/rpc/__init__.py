"""Tests of k8smeta.collector.rpc."""
