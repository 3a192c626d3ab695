"""Tests of k8smeta.collector.broker."""
