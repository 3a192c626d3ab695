"""Tests of k8smeta.collector.views."""
