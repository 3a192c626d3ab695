"""Tests of the end-to-end demo (`k8smeta demo`)."""
