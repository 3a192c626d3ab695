"""Operations: Prometheus metrics, /healthz and /readyz."""
