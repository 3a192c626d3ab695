"""Interop: libk8smeta.so (in the Falco stand-in) against our collector over real gRPC."""
