"""Tests of libk8smeta.so through its C ABI (shared-library host and C host)."""
