"""The gRPC side: Go-compatible encoding, the Watch servicer, the server (TLS, keepalive)."""
