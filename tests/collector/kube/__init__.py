"""Tests of the Kubernetes side: trim, reflector (against the API stand-in), snapshot, config."""
