"""Per-subscriber bounded queues, snapshot then live stream, slow-consumer policy."""
