"""The gRPC client that feeds the plugin: translate wire events, reconnect, resync."""
