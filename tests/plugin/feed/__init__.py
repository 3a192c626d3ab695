"""Tests of the metadata feed (`k8smeta.plugin.feed`) against real gRPC servers on loopback."""
