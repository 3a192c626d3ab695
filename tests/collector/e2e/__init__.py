"""End-to-end scenarios: in-memory or stand-in source -> collector -> real gRPC clients."""
